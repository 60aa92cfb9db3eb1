package dev.tidings.core;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/** What a client whose socket is full gets: queued in order, then {@code missed} past the queue length. */
class BackPressureTest {

    private static final Duration WAIT = Duration.ofSeconds(10);
    private final RoomType room = new RoomType();
    private final Tidings tidings = Hub.start(Hub.config("client.queue-length", "5"), new LocalTransport(), room);

    @Test
    void aFullSocketQueuesNotificationsAndWritesThemInOrderOnceItDrains() {
        Hub.Client c = Hub.client(tidings, "slow");
        room.listen(c.id(), "k").await().atMost(WAIT);
        c.stream().writable(false);
        for (int seq = 1; seq <= 4; seq++) {
            room.notify("k", new RoomType.Message(seq, null, 0));
        }
        assertEquals(0, c.stream().notifications().size(), "nothing written while the socket is full");
        c.stream().writable(true);
        await().atMost(WAIT).until(() -> c.stream().notifications().size() == 4);
        assertTrue(c.stream().events.stream().noneMatch("missed"::equals));
    }

    @Test
    void overflowingTheQueueDropsWhatWaitedAndSaysMissedBeforeWhatFollows() {
        Hub.Client c = Hub.client(tidings, "slower");
        room.listen(c.id(), "o").await().atMost(WAIT);
        c.stream().writable(false);
        for (int seq = 1; seq <= 7; seq++) {
            room.notify("o", new RoomType.Message(seq, null, 0));
        }
        c.stream().writable(true);
        await().atMost(WAIT).until(() -> c.stream().events.contains("missed") && c.stream().notifications().size() == 2);
        List<String> events = c.stream().events;
        int missed = events.indexOf("missed");
        assertTrue(events.subList(missed, events.size()).stream().filter(e -> e.startsWith("n")).count() == 2,
                "missed comes before the notifications kept after the overflow: " + events);
        assertEquals(1L, tidings.stats().counters().get("overflows"));
        assertTrue(c.stream().notifications().get(1).contains("\"seq\":7"));
    }
}
