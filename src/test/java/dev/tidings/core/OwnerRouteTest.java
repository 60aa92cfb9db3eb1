package dev.tidings.core;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.smallrye.mutiny.Uni;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;

/** Where listen, unlisten and close run: here for a client held here, forwarded otherwise, and who may ask. */
class OwnerRouteTest {

    private static final Duration WAIT = Duration.ofSeconds(10);
    /** A transport to other replicas that none answer: it keeps the control messages and loops them back here. */
    static final class ReplicaLink extends LocalTransport {
        final List<Control> sent = new CopyOnWriteArrayList<>();
        Receiver receiver;

        @Override
        public void start(Receiver receiver) {
            this.receiver = receiver;
            super.start(receiver);
        }

        @Override
        public Uni<Void> control(Control control) {
            sent.add(control);
            return super.control(control);
        }

        @Override
        public boolean distributed() {
            return true;
        }
    }

    private final RoomType room = new RoomType();

    @Test
    void aClientHeldHereIsChangedHereAndOnlyByItsOwner() {
        Tidings tidings = Hub.start(Hub.config(), new LocalTransport(), room);
        Hub.Client c = Hub.client(tidings, "ann");
        assertTrue(tidings.listen("room", c.id(), "r", Caller.named("ann"), true).await().atMost(WAIT));
        TidingsException foreign = assertThrows(TidingsException.class,
                () -> tidings.listen("room", c.id(), "r", Caller.named("bob"), false).await().atMost(WAIT));
        assertEquals(TidingsException.Reason.FORBIDDEN, foreign.reason());
        assertTrue(tidings.listen("room", c.id(), "r", new Caller("anonymous", java.util.Set.of(), true), false)
                .await().atMost(WAIT), "an anonymous caller that knows the id may");
        assertEquals(List.of("ready", "listen room:r:true", "listen room:r:false"), c.stream().events);
    }

    @Test
    void anUnknownClientWithOneReplicaIsAnError() {
        Tidings tidings = Hub.start(Hub.config(), new LocalTransport(), room);
        TidingsException e = assertThrows(TidingsException.class,
                () -> tidings.listen("room", "nobody", "r", null, true).await().atMost(WAIT));
        assertEquals(TidingsException.Reason.UNKNOWN_CLIENT, e.reason());
        e = assertThrows(TidingsException.class, () -> tidings.close("nobody", null).await().atMost(WAIT));
        assertEquals(TidingsException.Reason.UNKNOWN_CLIENT, e.reason());
    }

    @Test
    void anUnknownClientWithSeveralReplicasIsForwardedWithTheCallersName() {
        ReplicaLink link = new ReplicaLink();
        Tidings tidings = Hub.start(Hub.config(), link, room);
        assertFalse(tidings.listen("room", "elsewhere", "r", Caller.named("ann"), true).await().atMost(WAIT));
        assertFalse(tidings.listen("room", "elsewhere", "r", new Caller("anonymous", java.util.Set.of(), true), false)
                .await().atMost(WAIT));
        assertFalse(tidings.close("elsewhere", Caller.named("ann")).await().atMost(WAIT));
        room.listen("elsewhere", "j").await().atMost(WAIT);
        assertEquals(List.of(
                new Control.Listen("room", "elsewhere", "r", true, "ann"),
                new Control.Listen("room", "elsewhere", "r", false, null),
                new Control.Close("elsewhere", "ann"),
                new Control.Listen("room", "elsewhere", "j", true, null)), link.sent);
    }

    @Test
    void aForwardedListenRefusedByTheOwnerReachesTheClientsStream() {
        ReplicaLink link = new ReplicaLink();
        Tidings tidings = Hub.start(Hub.config(), link, room);
        Hub.Client c = Hub.client(tidings, "ann");
        link.receiver.onControl(new Control.Listen("room", c.id(), "r", true, "mallory"));
        link.receiver.onControl(new Control.Listen("room", c.id(), "r", true, "ann"));
        await().atMost(WAIT).until(() -> c.stream().events.size() == 3);
        assertEquals(List.of("ready", "refused room:r:false:FORBIDDEN", "listen room:r:true"), c.stream().events);
    }

    @Test
    void aForwardedCloseEndsTheClientForItsOwnerOnly() {
        ReplicaLink link = new ReplicaLink();
        Tidings tidings = Hub.start(Hub.config(), link, room);
        Hub.Client c = Hub.client(tidings, "ann");
        link.receiver.onControl(new Control.Close(c.id(), "mallory"));
        assertEquals(1, tidings.stats().clients());
        link.receiver.onControl(new Control.Close(c.id(), "ann"));
        assertEquals(0, tidings.stats().clients());
        assertEquals(List.of("ready", "ended closed", "closed"), c.stream().events);
    }
}
