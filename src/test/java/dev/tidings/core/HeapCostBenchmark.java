package dev.tidings.core;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;

/**
 * What one client process and one listen cost in heap inside the core, to size
 * {@code tidings.limits.max-clients} and {@code max-listens}. A measurement, not a test: it runs
 * only when asked, and prints its figures:
 *
 * <pre>mvn -q test -Dtest=HeapCostBenchmark -Dtidings.bench=true</pre>
 *
 * The stream itself (Netty, Vert.x, the HTTP response) comes on top; src/bench's capacity
 * scenario measures a whole idle client.
 */
@EnabledIfSystemProperty(named = "tidings.bench", matches = "true")
class HeapCostBenchmark {

    private static final int CLIENTS = 20_000;
    private static final int LISTENS_EACH = 10;
    private static final int KEYS = 5_000;

    /** A stream that takes everything and keeps nothing. */
    private static final class NullConnection extends ClientConnectionBase {
    }

    private static long usedAfterGc() {
        MemoryMXBean memory = ManagementFactory.getMemoryMXBean();
        long used = Long.MAX_VALUE;
        for (int i = 0; i < 5; i++) {
            System.gc();
            used = Math.min(used, memory.getHeapMemoryUsage().getUsed());
        }
        return used;
    }

    @Test
    void measure() {
        RoomType room = new RoomType();
        Tidings tidings = Hub.start(Hub.config("client.max-per-identity", "1000000", "client.max-listens", "1000",
                "limits.max-clients", "1000000"), new LocalTransport(), room);
        List<String> ids = new ArrayList<>(CLIENTS);
        long empty = usedAfterGc();
        for (int i = 0; i < CLIENTS; i++) {
            String id = tidings.open(Caller.named("user" + (i / 4)));
            tidings.attach(id, new NullConnection(), false, null);
            ids.add(id);
        }
        long withClients = usedAfterGc();
        for (int i = 0; i < CLIENTS; i++) {
            for (int l = 0; l < LISTENS_EACH; l++) {
                room.listen(ids.get(i), "key-" + ((i * LISTENS_EACH + l) % KEYS));
            }
        }
        long withListens = usedAfterGc();
        assertEquals((long) CLIENTS * LISTENS_EACH, tidings.stats().types().get("room").listens());
        System.out.printf("heap per client process (attached, no listens): %.0f bytes%n",
                (withClients - empty) / (double) CLIENTS);
        System.out.printf("heap per listen (%d listens over %d keys): %.0f bytes%n",
                CLIENTS * LISTENS_EACH, KEYS, (withListens - withClients) / (double) (CLIENTS * LISTENS_EACH));
    }
}
