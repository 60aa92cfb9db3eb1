package dev.tidings.core;

import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Drains client processes on the thread that owns their connections (an event loop), batched.
 *
 * <p>Writing to a connection from another thread costs one cross-thread task (and often a wake-up)
 * per write. A notification reaching hundreds of clients spread over a few event loops instead
 * costs one task per event loop: the dispatching thread queues the clients here and schedules the
 * lane once; the lane drains every queued client in one go, and one client queued twice before the
 * lane runs is drained once, its ready items written together.
 */
final class DrainLane {

    private final Executor executor;
    private final Queue<ClientProcess> pending = new ConcurrentLinkedQueue<>();
    private final AtomicBoolean scheduled = new AtomicBoolean();
    private final Runnable run = this::run;

    DrainLane(Executor executor) {
        this.executor = executor;
    }

    /** Queues a drain of this client on the lane's thread. */
    void submit(ClientProcess client) {
        if (!client.markDrainQueued()) {
            return; // already waiting in this lane
        }
        pending.add(client);
        if (scheduled.compareAndSet(false, true)) {
            try {
                executor.execute(run);
            } catch (RuntimeException rejected) {
                // the event loop is shutting down: drain here rather than lose the items
                scheduled.set(false);
                run();
            }
        }
    }

    private void run() {
        scheduled.set(false);
        ClientProcess c;
        while ((c = pending.poll()) != null) {
            c.clearDrainQueued();
            c.drain();
        }
    }
}
