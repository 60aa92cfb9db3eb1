package dev.tidings.core;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

/**
 * Recovery by cursor on the in-process log: a new client process given the cursor of an old one
 * receives everything after it once, in order, then the live ones; and {@code missed} where the
 * log cannot say.
 */
class RecoveryTest {

    /** Generous: the seam test publishes 7,500 notifications, some prepared late, on a shared machine. */
    private static final Duration WAIT = Duration.ofSeconds(60);
    private final RoomType room = new RoomType();
    private final Tidings tidings = Hub.start(Hub.config(), new LocalTransport(), room);

    private static List<Integer> seqs(List<String> frames) {
        return frames.stream().map(f -> Integer.valueOf(f.replaceAll(".*\"seq\":(\\d+).*", "$1"))).toList();
    }

    /** A new client process of {@code identity} listening on the keys, whose stream recovers from {@code cursor}. */
    private static Hub.Client recovering(Tidings tidings, RoomType room, String identity, String cursor, String... keys) {
        String id = tidings.open(Caller.named(identity));
        for (String key : keys) {
            room.listen(id, key).await().atMost(WAIT);
        }
        RecordingConnection stream = new RecordingConnection();
        tidings.attach(id, stream, false, Cursor.parse(cursor));
        return new Hub.Client(id, stream);
    }

    /** A client process of ann on {@code key} and the cursor it had after receiving seq 1 there. */
    private record Old(Hub.Client client, String cursor) {}

    private static Old afterFirst(Tidings hub, RoomType room, String key) {
        Hub.Client old = Hub.client(hub, "ann");
        room.listen(old.id(), key).await().atMost(WAIT);
        room.notify(key, new RoomType.Message(1, null, 0)).await().atMost(WAIT);
        await().atMost(WAIT).until(() -> old.stream().notifications().size() == 1);
        return new Old(old, old.stream().lastCursor());
    }

    @Test
    void aNewProcessFromAnOldCursorGetsEverythingAfterItOnceAndInOrderWhilePublishingGoesOn() throws Exception {
        for (int round = 0; round < 5; round++) {
            String key = "seam" + round;
            int total = 1500;
            Hub.Client first = Hub.client(tidings, "ann");
            room.listen(first.id(), key).await().atMost(WAIT);
            AtomicBoolean failed = new AtomicBoolean();
            Thread publisher = new Thread(() -> {
                for (int seq = 1; seq <= total; seq++) {
                    int delay = seq % 7 == 0 ? ThreadLocalRandom.current().nextInt(0, 3) : 0; // some prepares answer later
                    try {
                        if (seq % 100 == 0) {
                            // a prepare held up by a busy machine holds everything behind it: stay within the
                            // client's queue (1,000), which this test is not about
                            int sent = seq;
                            await().atMost(WAIT).pollDelay(Duration.ZERO).pollInterval(Duration.ofMillis(2))
                                    .until(() -> first.stream().notifications().size() >= sent - 500);
                        }
                        room.notify(key, new RoomType.Message(seq, null, delay)).await().atMost(WAIT);
                    } catch (RuntimeException e) {
                        failed.set(true);
                    }
                }
            });
            publisher.start();
            int cut = 200 + round * 150;
            try {
                await().atMost(WAIT).until(() -> first.stream().notifications().size() >= cut);
            } catch (org.awaitility.core.ConditionTimeoutException e) {
                StringBuilder dump = new StringBuilder("round " + round + ": first got "
                        + first.stream().notifications().size() + ", events tail "
                        + first.stream().events.subList(Math.max(0, first.stream().events.size() - 3), first.stream().events.size()));
                Thread.getAllStackTraces().forEach((t, stack) -> {
                    if (t == publisher || t.getState() == Thread.State.BLOCKED || t.getState() == Thread.State.WAITING) {
                        dump.append("\n").append(t.getName()).append(' ').append(t.getState());
                        for (int i = 0; i < Math.min(25, stack.length); i++) {
                            dump.append("\n    ").append(stack[i]);
                        }
                    }
                });
                throw new AssertionError(dump.toString(), e);
            }
            assertEquals(List.of(), first.stream().missed, "round " + round + ": the first process overflowed");
            String cursor = first.stream().notificationCursors.get(cut - 1);
            Hub.Client second = recovering(tidings, room, "ann", cursor, key);
            publisher.join();
            assertTrue(!failed.get());
            try {
                await().atMost(WAIT).until(() -> {
                    List<String> n = second.stream().notifications();
                    return !n.isEmpty() && seqs(n).get(n.size() - 1) == total;
                });
            } catch (org.awaitility.core.ConditionTimeoutException e) {
                List<Integer> got = seqs(second.stream().notifications());
                throw new AssertionError("round " + round + " cut " + cut + ": got " + got.size() + ", first "
                        + got.subList(0, Math.min(5, got.size())) + ", last " + got.subList(Math.max(0, got.size() - 5), got.size())
                        + ", events " + second.stream().events.subList(0, Math.min(4, second.stream().events.size())), e);
            }
            List<Integer> expected = IntStream.rangeClosed(cut + 1, total).boxed().toList();
            assertEquals(expected, seqs(second.stream().notifications()), "round " + round + ", cut after " + cut);
            assertTrue(second.stream().missed.isEmpty());
            assertEquals(seqs(first.stream().notifications()).subList(0, cut), IntStream.rangeClosed(1, cut).boxed().toList());
        }
    }

    @Test
    void theNewProcessHonoursNotforOfTheOldOneAndPreparesForItsIdentityNow() {
        Old first = afterFirst(tidings, room, "nf");
        Hub.Client old = first.client();
        String cursor = first.cursor();
        tidings.close(old.id(), null).await().atMost(WAIT); // the old process is gone

        room.notify("nf", new RoomType.Message(2, null, 0), NotFor.client(old.id())).await().atMost(WAIT);
        room.notify("nf", new RoomType.Message(3, "ann", 0)).await().atMost(WAIT);
        room.notify("nf", new RoomType.Message(4, "ben", 0)).await().atMost(WAIT);
        room.notify("nf", new RoomType.Message(5, null, 0), room.notFor("ann")).await().atMost(WAIT);
        room.notify("nf", new RoomType.Message(6, null, 0)).await().atMost(WAIT);
        Hub.Client again = recovering(tidings, room, "ann", cursor, "nf");
        room.notify("nf", new RoomType.Message(7, null, 0), NotFor.client(old.id())).await().atMost(WAIT);
        room.notify("nf", new RoomType.Message(8, null, 0)).await().atMost(WAIT);
        await().atMost(WAIT).until(() -> seqs(again.stream().notifications()).contains(8));
        assertEquals(List.of(3, 6, 8), seqs(again.stream().notifications()));
        assertTrue(again.stream().notifications().get(0).contains("\"personal\":true"));
        assertEquals(List.of("ready", "listen room:nf:true"), again.stream().events.subList(0, 2));
    }

    /**
     * Ann's process on {@code key} receives seq 1; then seqs 2 to {@code last} are published; then a
     * new process recovers from her cursor and seq {@code last + 1} is published live. Returns that
     * process once it has the live one.
     */
    private static Hub.Client recoveredAfter(Tidings hub, RoomType room, String key, int last) {
        String cursor = afterFirst(hub, room, key).cursor();
        for (int seq = 2; seq <= last; seq++) {
            room.notify(key, new RoomType.Message(seq, null, 0)).await().atMost(WAIT);
        }
        Hub.Client again = recovering(hub, room, "ann", cursor, key);
        room.notify(key, new RoomType.Message(last + 1, null, 0)).await().atMost(WAIT);
        await().atMost(WAIT).until(() -> seqs(again.stream().notifications()).contains(last + 1));
        return again;
    }

    @Test
    void pastTheLogsRetentionTheKeysAreMissedBeforeAnythingElse() {
        RoomType room = new RoomType();
        Tidings small = Hub.start(Hub.config(), new LocalTransport(5, Duration.ofMinutes(5), Map.of()), room);
        Hub.Client again = recoveredAfter(small, room, "r", 10);
        assertEquals(List.of("ready", "missed retention room:r"), again.stream().events.subList(0, 2));
        assertEquals(List.of(11), seqs(again.stream().notifications()));
        assertEquals(1L, small.stats().counters().get("missedRetention"));
    }

    @Test
    void aRecoveryThatWouldReplayMoreThanItsLimitIsMissedForThatLogAndLiveDeliveryGoesOn() {
        RoomType room = new RoomType();
        Tidings capped = Hub.start(Hub.config("recovery.max-replay", "5"), new LocalTransport(), room);
        Hub.Client again = recoveredAfter(capped, room, "far", 7); // six after the cursor
        assertEquals(List.of("ready", "missed overflow room:far"), again.stream().events.subList(0, 2));
        assertEquals(List.of(8), seqs(again.stream().notifications()));
        assertEquals(1L, capped.stats().counters().get("overflows"));
    }

    @Test
    void aRecoveryWithinItsReplayLimitGetsEverything() {
        RoomType room = new RoomType();
        Tidings capped = Hub.start(Hub.config("recovery.max-replay", "5"), new LocalTransport(), room);
        Hub.Client again = recoveredAfter(capped, room, "near", 6); // five after the cursor
        assertEquals(List.of(2, 3, 4, 5, 6, 7), seqs(again.stream().notifications()));
        assertTrue(again.stream().missed.isEmpty());
    }

    /** The in-process transport, with replays answered only once the test opens the gate. */
    private static final class HeldReplays implements Transport {
        final LocalTransport log = new LocalTransport();
        final java.util.concurrent.CompletableFuture<Void> gate = new java.util.concurrent.CompletableFuture<>();

        @Override
        public void start(Receiver receiver) {
            log.start(receiver);
        }

        @Override
        public io.smallrye.mutiny.Uni<Void> publish(Publication publication) {
            return log.publish(publication);
        }

        @Override
        public io.smallrye.mutiny.Uni<Void> control(Control control) {
            return log.control(control);
        }

        @Override
        public boolean distributed() {
            return log.distributed();
        }

        @Override
        public String logOf(String type, String key) {
            return log.logOf(type, key);
        }

        @Override
        public Position position(String name) {
            return log.position(name);
        }

        @Override
        public io.smallrye.mutiny.Uni<Replay> replay(String name, long epoch, long afterOffset, java.util.Set<String> keys) {
            // read when the gate opens, so that the answer covers what was published while it was held
            return io.smallrye.mutiny.Uni.createFrom().completionStage(gate)
                    .onItem().transformToUni(open -> log.replay(name, epoch, afterOffset, keys));
        }
    }

    @Test
    void liveNotificationsDuringARecoveryPastItsReplayLimitAreDeliveredAfterTheMissed() {
        RoomType room = new RoomType();
        HeldReplays held = new HeldReplays();
        Tidings capped = Hub.start(Hub.config("recovery.max-replay", "5"), held, room);
        String cursor = afterFirst(capped, room, "live").cursor();
        for (int seq = 2; seq <= 7; seq++) { // six after the cursor
            room.notify("live", new RoomType.Message(seq, null, 0)).await().atMost(WAIT);
        }
        Hub.Client again = recovering(capped, room, "ann", cursor, "live");
        room.notify("live", new RoomType.Message(8, null, 0)).await().atMost(WAIT); // while the replay is held
        held.gate.complete(null);
        room.notify("live", new RoomType.Message(9, null, 0)).await().atMost(WAIT);
        await().atMost(WAIT).until(() -> seqs(again.stream().notifications()).contains(9));
        assertEquals(List.of("ready", "missed overflow room:live"), again.stream().events.subList(0, 2));
        assertEquals(List.of(8, 9), seqs(again.stream().notifications()));
    }

    @Test
    void theReplayLimitRecoversTheSmallestLogsFirst() {
        RoomType room = new RoomType();
        RoomType hall = new RoomType("hall");
        Tidings capped = Hub.start(Hub.config("recovery.max-replay", "5"), new LocalTransport(), room, hall);
        Hub.Client old = Hub.client(capped, "ann");
        room.listen(old.id(), "a").await().atMost(WAIT);
        hall.listen(old.id(), "b").await().atMost(WAIT);
        room.notify("a", new RoomType.Message(1, null, 0)).await().atMost(WAIT);
        hall.notify("b", new RoomType.Message(1, null, 0)).await().atMost(WAIT);
        await().atMost(WAIT).until(() -> old.stream().notifications().size() == 2);
        String cursor = old.stream().lastCursor();
        for (int seq = 2; seq <= 5; seq++) { // four on room's log, three on hall's: seven, over the five allowed
            room.notify("a", new RoomType.Message(seq, null, 0)).await().atMost(WAIT);
        }
        for (int seq = 2; seq <= 4; seq++) {
            hall.notify("b", new RoomType.Message(seq, null, 0)).await().atMost(WAIT);
        }
        String id = capped.open(Caller.named("ann"));
        room.listen(id, "a").await().atMost(WAIT);
        hall.listen(id, "b").await().atMost(WAIT);
        RecordingConnection stream = new RecordingConnection();
        capped.attach(id, stream, false, Cursor.parse(cursor));
        await().atMost(WAIT).until(() -> stream.notifications().size() == 3);
        assertEquals(List.of(new Missed(Missed.OVERFLOW, List.of(new Missed.Key("room", "a")))), stream.missed);
        assertTrue(stream.notifications().stream().allMatch(f -> f.contains("\"type\":\"hall\"")), stream.notifications().toString());
        assertEquals(List.of(2, 3, 4), seqs(stream.notifications()));
    }

    @Test
    void aNegativeReplayLimitIsRefusedAtStart() {
        IllegalStateException refused = org.junit.jupiter.api.Assertions.assertThrows(IllegalStateException.class,
                () -> Hub.start(Hub.config("recovery.max-replay", "-1"), new LocalTransport(), new RoomType()));
        assertTrue(refused.getMessage().contains("tidings.recovery.max-replay"), refused.getMessage());
    }

    @Test
    void withinTheRetentionTimeOnly() {
        RoomType room = new RoomType();
        Tidings brief = Hub.start(Hub.config(), new LocalTransport(100, Duration.ofMillis(1), Map.of()), room);
        String cursor = afterFirst(brief, room, "t").cursor();
        room.notify("t", new RoomType.Message(2, null, 0)).await().atMost(WAIT);
        long published = System.nanoTime();
        await().atMost(WAIT).until(() -> System.nanoTime() - published > 5_000_000);
        Hub.Client again = recovering(brief, room, "ann", cursor, "t");
        await().atMost(WAIT).until(() -> !again.stream().missed.isEmpty());
        assertEquals(List.of(new Missed("retention", List.of(new Missed.Key("room", "t")))), again.stream().missed);
    }

    @Test
    void aCursorOfAnotherEpochIsMissedAndOneWithoutTheLogToo() {
        Hub.Client elsewhere = Hub.client(Hub.start(Hub.config(), new LocalTransport(), new RoomType()), "ann");
        String otherCursor = elsewhere.stream().lastCursor(); // ready's: no log yet
        Hub.Client noLog = recovering(tidings, room, "ann", otherCursor, "e");
        await().atMost(WAIT).until(() -> !noLog.stream().missed.isEmpty());
        assertEquals(List.of(new Missed(Missed.CURSOR, List.of(new Missed.Key("room", "e")))), noLog.stream().missed);

        // a cursor whose log entry carries an epoch this process never had: a restart
        LogPosition restarted = new LogPosition("room", 12345, 3);
        restarted.listens = 1;
        String fromBefore = new String(Cursor.encode(new byte[0], List.of(restarted)), java.nio.charset.StandardCharsets.US_ASCII);
        Hub.Client again = recovering(tidings, room, "ann", fromBefore, "e");
        await().atMost(WAIT).until(() -> !again.stream().missed.isEmpty());
        assertEquals(List.of(new Missed(Replay.EPOCH, List.of(new Missed.Key("room", "e")))), again.stream().missed);
        room.notify("e", new RoomType.Message(1, null, 0)).await().atMost(WAIT);
        await().atMost(WAIT).until(() -> again.stream().notifications().size() == 1);
        assertEquals(List.of("ready", "missed epoch room:e", "listen room:e:true"), again.stream().events.subList(0, 3));
    }

    @Test
    void aQuietKeyOnABusyLogKeepsItsCursorCurrent() {
        RoomType room = new RoomType();
        Tidings small = Hub.start(Hub.config(), new LocalTransport(5, Duration.ofMinutes(5), Map.of()), room);
        Hub.Client c = Hub.client(small, "ann");
        room.listen(c.id(), "quiet").await().atMost(WAIT);
        for (int seq = 1; seq <= 20; seq++) {
            room.notify("elsewhere", new RoomType.Message(seq, null, 0)).await().atMost(WAIT);
        }
        room.listen(c.id(), "another").await().atMost(WAIT); // an event, hence a cursor, after them
        await().atMost(WAIT).until(() -> c.stream().events.contains("listen room:another:true"));
        String cursor = c.stream().lastCursor();
        room.notify("quiet", new RoomType.Message(21, null, 0)).await().atMost(WAIT);
        Hub.Client again = recovering(small, room, "ann", cursor, "quiet", "another");
        await().atMost(WAIT).until(() -> again.stream().notifications().size() == 1);
        assertEquals(List.of(21), seqs(again.stream().notifications()));
        assertTrue(again.stream().missed.isEmpty(), "20 publications on another key went by, yet nothing is missed");
    }

    @Test
    void resumingTheSameProcessWithAnOlderCursorSendsWhatTheOldStreamSentAfterItOnce() {
        Hub.Client c = Hub.client(tidings, "ann");
        room.listen(c.id(), "res").await().atMost(WAIT);
        for (int seq = 1; seq <= 5; seq++) {
            room.notify("res", new RoomType.Message(seq, null, 0)).await().atMost(WAIT);
        }
        await().atMost(WAIT).until(() -> c.stream().notifications().size() == 5);
        String afterTwo = c.stream().notificationCursors.get(1);
        c.stream().writable(false); // what comes now waits in the queue
        room.notify("res", new RoomType.Message(6, null, 0)).await().atMost(WAIT);
        RecordingConnection again = new RecordingConnection();
        tidings.attach(c.id(), again, true, Cursor.parse(afterTwo));
        room.notify("res", new RoomType.Message(7, null, 0)).await().atMost(WAIT);
        await().atMost(WAIT).until(() -> seqs(again.notifications()).contains(7));
        assertEquals(List.of(3, 4, 5, 6, 7), seqs(again.notifications()));
    }

    @Test
    void anUnlistenedLogDropsOutOfTheCursor() {
        Hub.Client c = Hub.client(tidings, "ann");
        room.listen(c.id(), "in").await().atMost(WAIT);
        assertEquals(1, Cursor.parse(c.stream().lastCursor()).size());
        room.unlisten(c.id(), "in");
        await().atMost(WAIT).until(() -> c.stream().events.contains("listen room:in:false"));
        assertEquals(0, Cursor.parse(c.stream().lastCursor()).size());
        List<String> none = new ArrayList<>(c.stream().missed.stream().map(Missed::reason).toList());
        assertEquals(List.of(), none);
    }
}
