package dev.tidings.core;

import io.netty.util.concurrent.EventExecutor;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Executor;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Drains client processes on the thread that owns their connections (an event loop), batched.
 *
 * <p>Writing to a connection from another thread costs one cross-thread task (and often a wake-up)
 * per write. A notification reaching hundreds of clients spread over a few event loops instead
 * costs one task per event loop: the dispatching thread queues the clients here and schedules the
 * lane once; the lane drains the queued clients in one go, and one client queued twice before the
 * lane runs is drained once, its ready items written together.
 *
 * <p>At most {@link #BATCH} clients are drained per turn. Under sustained load other threads keep
 * queueing clients while the lane runs, and a lane that drained until its queue was empty never
 * gave its event loop back: the loop read none of its sockets meanwhile, so notify requests on its
 * connections waited up to 0.9 s for an answer (BENCHMARKS.md run 19). After a full batch the lane
 * continues as a scheduled task, which a Netty event loop runs only after its next look at its
 * sockets.
 */
final class DrainLane {

    /** Clients drained per turn before the event loop does its I/O again: about 2.5 ms of writes. */
    static final int BATCH = 256;

    /** What a lane drains: a client process. */
    interface Client {
        /** False when the client is already queued in its lane. */
        boolean markDrainQueued();

        void clearDrainQueued();

        void drain();
    }

    private final Executor executor;
    private final Queue<Client> pending = new ConcurrentLinkedQueue<>();
    /** True from the moment a turn is queued until a turn finds nothing left to drain. */
    private final AtomicBoolean scheduled = new AtomicBoolean();
    private final Runnable run = this::run;

    DrainLane(Executor executor) {
        this.executor = executor;
    }

    /** Queues a drain of this client on the lane's thread. */
    void submit(Client client) {
        if (!client.markDrainQueued()) {
            return; // already waiting in this lane
        }
        pending.add(client);
        if (scheduled.compareAndSet(false, true)) {
            queueTurn(false);
        }
    }

    private void run() {
        boolean more = true;
        try {
            for (int n = 0; n < BATCH; n++) {
                Client c = pending.poll();
                if (c == null) {
                    scheduled.set(false);
                    // a client queued between the poll and the reset saw a turn scheduled: take it here
                    if (pending.isEmpty() || !scheduled.compareAndSet(false, true)) {
                        more = false;
                        return;
                    }
                    continue;
                }
                c.clearDrainQueued();
                c.drain();
            }
        } finally {
            // a full batch, or a drain that threw: the lane still holds the turn, so it must queue the next
            if (more) {
                queueTurn(true);
            }
        }
    }

    /**
     * Queues the lane's next turn, {@code scheduled} being held. {@code afterIo}: as a scheduled task,
     * which a running Netty loop takes up only after its next look at its sockets; a loop shutting
     * down cancels scheduled tasks without a word, so it gets a plain task, which it still runs.
     */
    private void queueTurn(boolean afterIo) {
        try {
            if (afterIo && executor instanceof ScheduledExecutorService loop
                    && !(executor instanceof EventExecutor netty && netty.isShuttingDown())) {
                loop.schedule(run, 0, TimeUnit.NANOSECONDS);
            } else {
                executor.execute(run);
            }
        } catch (RuntimeException rejected) {
            // the event loop takes no more tasks: drain here rather than lose the items; the turn is
            // still held, so no other rejected submitter drains this lane at the same time
            run();
        }
    }
}
