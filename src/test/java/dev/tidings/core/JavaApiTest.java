package dev.tidings.core;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.smallrye.mutiny.Uni;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** The operations of a type take effect when called, as Eliom's do, whether or not anyone subscribes. */
class JavaApiTest {

    private static final Duration WAIT = Duration.ofSeconds(10);
    private final RoomType room = new RoomType();
    private final Tidings tidings = Hub.start(Hub.config(), new LocalTransport(), room);

    @Test
    void bareStatementsTakeEffect() {
        Hub.Client c = Hub.client(tidings, "ann");
        room.listen(c.id(), "r");
        room.notify("r", new RoomType.Message(1, null, 0));
        await().atMost(WAIT).until(() -> c.stream().notifications().size() == 1);
        room.unlisten(c.id(), "r");
        room.notify("r", new RoomType.Message(2, null, 0));
        room.listen(c.id(), "s");
        room.notify("s", new RoomType.Message(3, null, 0));
        await().atMost(WAIT).until(() -> c.stream().notifications().size() == 2);
        assertTrue(c.stream().notifications().get(1).contains("\"seq\":3"), "2 went to a key no longer listened on");
        room.unlistenIdentity("ann", "s");
        await().atMost(WAIT).until(() -> c.stream().events.contains("listen room:s:false"));
        room.clean();
        assertEquals(0, tidings.stats().types().get("room").keys());
    }

    @Test
    void theReturnedUniIsAlreadyRunningAndGivesTheSameOutcomeToWhoeverAwaitsIt() {
        Hub.Client c = Hub.client(tidings, "ben");
        Uni<Void> listened = room.listen(c.id(), "t");
        await().atMost(WAIT).until(() -> c.stream().events.contains("listen room:t:true"));
        listened.await().atMost(WAIT);
        listened.await().atMost(WAIT);
        Uni<Void> refused = room.listen("no-such-client", "t");
        TidingsException e = assertThrows(TidingsException.class, () -> refused.await().atMost(WAIT));
        assertEquals(TidingsException.Reason.UNKNOWN_CLIENT, e.reason());
        assertEquals(List.of("ready", "listen room:t:true"), c.stream().events);
    }

    @Test
    void badArgumentsThrowAtTheCall() {
        String tooLong = "k".repeat(513);
        TidingsException e = assertThrows(TidingsException.class, () -> room.notify(tooLong, new RoomType.Message(1, null, 0)));
        assertEquals(TidingsException.Reason.BAD_REQUEST, e.reason());
        assertThrows(TidingsException.class, () -> room.notify(null, new RoomType.Message(1, null, 0)));
        assertThrows(TidingsException.class, () -> room.notify("k", null));
    }

    /** Identifies callers only once the "directory" is up: the first attempt fails. */
    static final class FlakyType extends NotificationType<String, String, RoomType.Message, RoomType.Message> {
        final AtomicInteger calls = new AtomicInteger();

        FlakyType() {
            super("flaky", RoomType.Message.class);
        }

        @Override
        public Uni<String> identify(Caller caller) {
            return calls.incrementAndGet() == 1
                    ? Uni.createFrom().failure(new IllegalStateException("directory unavailable"))
                    : Uni.createFrom().item(caller.name());
        }

        @Override
        public Uni<RoomType.Message> prepare(String identity, RoomType.Message m) {
            return deliver(m);
        }
    }

    @Test
    void aFailedIdentifyIsAskedAgainByTheNextListen() {
        FlakyType flaky = new FlakyType();
        Tidings hub = Hub.start(Hub.config(), new LocalTransport(), flaky);
        Hub.Client c = Hub.client(hub, "cat");
        assertThrows(IllegalStateException.class, () -> flaky.listen(c.id(), "k").await().atMost(WAIT));
        flaky.listen(c.id(), "k").await().atMost(WAIT);
        flaky.listen(c.id(), "k2").await().atMost(WAIT);
        assertEquals(2, flaky.calls.get(), "asked again after the failure, then remembered");
    }
}
