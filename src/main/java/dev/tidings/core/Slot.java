package dev.tidings.core;

import java.util.ArrayList;
import java.util.List;

/**
 * One notification's place in the queues of the client processes it goes to. Slots are queued in
 * notify order when the notification is dispatched and filled when {@code prepare} answers, so an
 * asynchronous prepare never reorders a client's notifications. A slot filled with no frame was
 * blocked by prepare (or prepare failed) and is skipped.
 */
final class Slot implements ClientProcess.Outgoing {

    private final List<ClientProcess> targets = new ArrayList<>(2);
    final TypeMeters meters;
    /** {@link System#nanoTime()} when the notification was accepted, for the delivery latency. */
    final long accepted;
    /** The notification's place in its transport's log; null when the transport keeps none. */
    final Position position;
    /** Made by a recovery for one client, from the log: written before the live ones, never a duplicate. */
    final boolean replay;
    private volatile byte[] frame;
    private volatile boolean done;

    Slot(TypeMeters meters, long accepted, Position position) {
        this(meters, accepted, position, false);
    }

    Slot(TypeMeters meters, long accepted, Position position, boolean replay) {
        this.meters = meters;
        this.accepted = accepted;
        this.position = position;
        this.replay = replay;
    }

    void target(ClientProcess client) {
        targets.add(client);
    }

    boolean hasTargets() {
        return !targets.isEmpty();
    }

    boolean done() {
        return done;
    }

    /** The frame to send, or null when this client must not receive it. */
    byte[] frame() {
        return frame;
    }

    void complete(byte[] preparedFrame) {
        frame = preparedFrame;
        done = true;
        for (ClientProcess client : targets) {
            client.requestDrain();
        }
    }
}
