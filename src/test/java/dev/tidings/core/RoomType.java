package dev.tidings.core;

import io.smallrye.mutiny.Uni;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/** A full type for the core's tests: messages to a room, private when {@code to} is set, prepared after an optional delay. */
final class RoomType extends NotificationType<String, String, RoomType.Message, RoomType.View> {

    record Message(int seq, String to, int delayMillis) {}

    record View(int seq, boolean personal) {}

    final Map<String, AtomicInteger> prepares = new ConcurrentHashMap<>();

    RoomType() {
        this("room");
    }

    RoomType(String name) {
        super(name, Message.class);
    }

    @Override
    public Uni<View> prepare(String identity, Message m) {
        prepares.computeIfAbsent(m.seq() + "/" + identity, k -> new AtomicInteger()).incrementAndGet();
        if (m.to() != null && !m.to().equals(identity)) {
            return block();
        }
        Uni<View> view = deliver(new View(m.seq(), m.to() != null));
        return m.delayMillis() > 0 ? view.onItem().delayIt().by(Duration.ofMillis(m.delayMillis())) : view;
    }
}
