package dev.tidings.core;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

/** Fan-out in the core alone: order, prepare once per identity, notfor, and shared frames. */
class DispatchTest {

    private static final Duration WAIT = Duration.ofSeconds(10);
    private final RoomType room = new RoomType();
    private final Tidings tidings = Hub.start(Hub.config(), new LocalTransport(), room,
            SimpleNotificationType.of("feed"));

    private static String seqs(List<String> frames) {
        return frames.stream().map(f -> f.replaceAll(".*\"seq\":(\\d+).*", "$1")).toList().toString();
    }

    @Test
    void eachClientGetsOneKeysNotificationsInNotifyOrderThoughPrepareAnswersOutOfOrder() {
        Hub.Client a = Hub.client(tidings, "ann");
        Hub.Client b = Hub.client(tidings, "ben");
        room.listen(a.id(), "r");
        room.listen(b.id(), "r");
        List<Integer> expected = new ArrayList<>();
        for (int seq = 0; seq < 100; seq++) {
            room.notify("r", new RoomType.Message(seq, null, ThreadLocalRandom.current().nextInt(0, 15)));
            expected.add(seq);
        }
        for (Hub.Client c : List.of(a, b)) {
            await().atMost(WAIT).until(() -> c.stream().notifications().size() == 100);
            assertEquals(expected.toString(), seqs(c.stream().notifications()));
        }
    }

    @Test
    void prepareRunsOncePerIdentityHoweverManyTabsItHas() {
        List<Hub.Client> tabs = IntStream.range(0, 3).mapToObj(i -> Hub.client(tidings, "cat")).toList();
        tabs.forEach(t -> room.listen(t.id(), "once"));
        room.notify("once", new RoomType.Message(500, null, 0));
        tabs.forEach(t -> await().atMost(WAIT).until(() -> t.stream().notifications().size() == 1));
        assertEquals(1, room.prepares.get("500/cat").get());
    }

    @Test
    void aBlockedIdentityGetsNothingAndTheOthersGoOn() {
        Hub.Client dan = Hub.client(tidings, "dan");
        Hub.Client eve = Hub.client(tidings, "eve");
        room.listen(dan.id(), "p");
        room.listen(eve.id(), "p");
        room.notify("p", new RoomType.Message(1, "eve", 0));
        room.notify("p", new RoomType.Message(2, null, 0));
        await().atMost(WAIT).until(() -> dan.stream().notifications().size() == 1 && eve.stream().notifications().size() == 2);
        assertEquals("[2]", seqs(dan.stream().notifications()));
        assertEquals("[1, 2]", seqs(eve.stream().notifications()));
    }

    @Test
    void notForSkipsTheTabThatCausedItOrEveryTabOfAnIdentity() {
        Hub.Client f1 = Hub.client(tidings, "fay");
        Hub.Client f2 = Hub.client(tidings, "fay");
        Hub.Client gus = Hub.client(tidings, "gus");
        List.of(f1, f2, gus).forEach(c -> room.listen(c.id(), "nf"));
        room.notify("nf", new RoomType.Message(1, null, 0), NotFor.client(f1.id()));
        room.notify("nf", new RoomType.Message(2, null, 0), room.notFor("fay"));
        room.notify("nf", new RoomType.Message(3, null, 0));
        await().atMost(WAIT).until(() -> gus.stream().notifications().size() == 3 && f1.stream().notifications().size() == 1
                && f2.stream().notifications().size() == 2);
        assertEquals("[3]", seqs(f1.stream().notifications()));
        assertEquals("[1, 3]", seqs(f2.stream().notifications()));
    }

    @Test
    void aSimpleTypesPayloadIsOneFrameForEveryListener() {
        List<RecordingConnection> streams = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            RecordingConnection s = new RecordingConnection();
            String id = tidings.open(Caller.named("reader" + i));
            tidings.attach(id, s, false, null);
            tidings.listen("feed", id, "news", null, true).await().atMost(WAIT);
            streams.add(s);
        }
        tidings.notify("feed", "news", "{\"h\":1}".getBytes(java.nio.charset.StandardCharsets.UTF_8), NotFor.none(), null)
                .await().atMost(WAIT);
        streams.forEach(s -> await().atMost(WAIT).until(() -> s.frames.size() == 1));
        assertSame(streams.get(0).frames.get(0), streams.get(1).frames.get(0), "the same bytes, not a copy");
        assertSame(streams.get(0).frames.get(0), streams.get(2).frames.get(0));
    }
}
