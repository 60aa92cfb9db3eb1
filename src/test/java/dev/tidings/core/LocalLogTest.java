package dev.tidings.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;

/** The in-process transport's log: offsets, what it keeps, and what it answers a replay. */
class LocalLogTest {

    /** Keeps what the transport hands over. */
    private static final class Kept implements Transport.Receiver {
        final List<Publication> got = new CopyOnWriteArrayList<>();

        @Override
        public Set<String> types() {
            return Set.of("t", "u");
        }

        @Override
        public boolean listensOn(String type, String key) {
            return true;
        }

        @Override
        public void skipped(String type) {
        }

        @Override
        public void onPublication(Publication publication) {
            got.add(publication);
        }

        @Override
        public void onControl(Control control) {
        }

        @Override
        public void rejected(Object origin, String why) {
        }
    }

    private static Publication publication(String type, String key, int n) {
        return new Publication(type, key, ("{\"n\":" + n + "}").getBytes(StandardCharsets.UTF_8), NotFor.none(), null);
    }

    private static List<Long> offsets(Replay r) {
        return r.publications().stream().map(p -> p.position().offset()).toList();
    }

    @Test
    void eachTypeIsALogWithConsecutiveOffsetsAndTheNewestKept() {
        Kept receiver = new Kept();
        LocalTransport transport = new LocalTransport(5, Duration.ofMinutes(5), Map.of("u", 2));
        transport.start(receiver);
        long epoch = transport.position("t").epoch();
        assertEquals(new Position("t", epoch, -1), transport.position("t"));
        for (int n = 0; n < 20; n++) {
            transport.publish(publication("t", n % 2 == 0 ? "even" : "odd", n)).await().indefinitely();
        }
        Publication first = publication("u", "k", 0);
        transport.publish(first).await().indefinitely();
        assertTrue(receiver.got.get(20).payload() == first.payload(), "the payload is shared, not copied");
        assertEquals("t", transport.logOf("t", "anything"));
        assertEquals(19, transport.position("t").offset());
        assertEquals(0, transport.position("u").offset());
        assertEquals(List.of(0L, 1L, 2L), receiver.got.subList(0, 3).stream().map(p -> p.position().offset()).toList());

        Replay all = transport.replay("t", epoch, 14, Set.of("even", "odd")).await().indefinitely();
        assertEquals(List.of(15L, 16L, 17L, 18L, 19L), offsets(all));
        assertEquals(19, all.end());
        assertEquals(List.of(16L, 18L), offsets(transport.replay("t", epoch, 14, Set.of("even")).await().indefinitely()));
        assertEquals(List.of(), offsets(transport.replay("t", epoch, 19, Set.of("even")).await().indefinitely()));
        assertEquals(Replay.RETENTION, transport.replay("t", epoch, 13, Set.of("even")).await().indefinitely().lost());
        assertEquals(Replay.EPOCH, transport.replay("t", epoch + 1, 14, Set.of("even")).await().indefinitely().lost());
        assertFalse(transport.replay("t", epoch + 1, 14, Set.of("even")).await().indefinitely().honoured());
        assertEquals(List.of(0L), offsets(transport.replay("u", epoch, -1, Set.of("k")).await().indefinitely()));
    }

    @Test
    void aRestartIsAnotherEpoch() {
        assertTrue(new LocalTransport().position("t").epoch() != new LocalTransport().position("t").epoch());
    }

    @Test
    void aPerTypeCountOverridesTheDefault() {
        LocalTransport transport = new LocalTransport(100, Duration.ofMinutes(5), Map.of("u", 2));
        transport.start(new Kept());
        for (int n = 0; n < 3; n++) {
            transport.publish(publication("u", "k", n)).await().indefinitely();
        }
        long epoch = transport.position("u").epoch();
        assertEquals(Replay.RETENTION, transport.replay("u", epoch, -1, Set.of("k")).await().indefinitely().lost());
        assertEquals(List.of(1L, 2L), offsets(transport.replay("u", epoch, 0, Set.of("k")).await().indefinitely()));
    }
}
