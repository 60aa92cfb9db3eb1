package dev.tidings.core;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;

/**
 * What one delivery costs in the core (dispatch, queue, cursor, the write call), and what the
 * cursor alone costs, on the in-process transport. A measurement, not a test: it runs only when
 * asked, and prints its figures:
 *
 * <pre>mvn -q test -Dtest=DeliveryCostBenchmark -Dtidings.bench=true</pre>
 */
@EnabledIfSystemProperty(named = "tidings.bench", matches = "true")
class DeliveryCostBenchmark {

    private static final int CLIENTS = 1_000;
    private static final int NOTIFICATIONS = 5_000;

    /** A stream that takes everything and keeps nothing but a count. */
    private static final class CountingConnection extends ClientConnectionBase {
        long bytes;

        @Override
        public void notification(byte[] cursor, byte[] frame) {
            bytes += cursor.length;
        }
    }

    @Test
    void measure() {
        Tidings tidings = Hub.start(Hub.config("client.max-per-identity", "100000", "limits.max-clients", "100000"),
                new LocalTransport(), SimpleNotificationType.of("feed"));
        List<CountingConnection> streams = new ArrayList<>();
        for (int i = 0; i < CLIENTS; i++) {
            String id = tidings.open(Caller.named("user" + i));
            CountingConnection c = new CountingConnection();
            tidings.attach(id, c, false, null);
            tidings.listen("feed", id, "k", null, true).await().indefinitely();
            streams.add(c);
        }
        byte[] payload = "{\"headline\":\"a notification of a typical size, some eighty bytes long\"}"
                .getBytes(StandardCharsets.UTF_8);
        for (int round = 0; round < 3; round++) {
            long start = System.nanoTime();
            for (int n = 0; n < NOTIFICATIONS; n++) {
                tidings.notify("feed", "k", payload, NotFor.none(), null).await().indefinitely();
            }
            long took = System.nanoTime() - start;
            System.out.printf("round %d: %.0f ns per delivery (%d clients, %d notifications)%n", round,
                    took / (double) CLIENTS / NOTIFICATIONS, CLIENTS, NOTIFICATIONS);
        }
        long idBytes = streams.get(0).bytes / (3L * NOTIFICATIONS);
        System.out.printf("cursor: %d characters per event with one log%n", idBytes);

        byte[] id = Cursor.idBytes(tidings.open(Caller.named("x")));
        for (int logs : new int[] {1, 3, 10}) {
            List<LogPosition> positions = new ArrayList<>();
            for (int l = 0; l < logs; l++) {
                LogPosition p = new LogPosition("tidings.type" + l + "/" + l, 0x1234_5678_9abcL * l, 1_000_000L * l);
                p.listens = 1;
                positions.add(p);
            }
            Cursor.Writer writer = new Cursor.Writer(id);
            int rounds = 2_000_000;
            for (int warm = 0; warm < 2; warm++) {
                long sink = 0;
                long start = System.nanoTime();
                for (int i = 0; i < rounds; i++) {
                    positions.get(0).offset = i;
                    sink += writer.write(positions).length;
                }
                long took = System.nanoTime() - start;
                System.out.printf("a cursor with %d logs: %.0f ns (%d characters)%n", logs, took / (double) rounds,
                        sink / rounds);
            }
        }
    }
}
