package dev.tidings.core;

import io.smallrye.mutiny.Uni;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicIntegerFieldUpdater;
import java.util.function.Function;

/**
 * One browser tab: Eliom's client process. It outlives its stream by a grace period so that a
 * reconnect resumes it with its listens intact and nothing missed.
 *
 * <p>Two locks, always taken in this order when both are needed: the process itself guards its
 * listen set (and is held while the {@link ListenerRegistry} changes for it); {@code out} guards the
 * outgoing queue and the connection. Dispatch takes only {@code out}, inside a registry bin lock.
 */
final class ClientProcess {

    /** A listen of this process: the type, the key and the identity it listens as. */
    record Listening(NotificationType<?, ?, ?, ?> type, Object key) {}

    /** A listen change to confirm; {@code error} is set when a forwarded request was refused. */
    private record ListenEvent(String type, String key, boolean listening, String error, String message) {}


    final String id;
    final Caller caller;
    private final TidingsConfig.Client limits;
    private final Counters counters;

    /** Identity per type, resolved once (Eliom resolves it once in {@code init}). */
    private final Map<NotificationType<?, ?, ?, ?>, Uni<Object>> identities = new ConcurrentHashMap<>(2);

    // guarded by this
    private final Map<Listening, Object> listens = new HashMap<>(4);
    private volatile boolean closed;

    private final Object out = new Object();
    // guarded by out
    private final ArrayDeque<Object> queue = new ArrayDeque<>(4);
    /**
     * The last notifications sent, for Last-Event-ID replay: a ring indexed by id modulo its
     * length. Ids are consecutive, so the ring holds ids lastId - recentCount + 1 … lastId and
     * no per-delivery record is allocated.
     */
    private byte[][] recent;
    private int recentCount;
    private ClientConnection connection;
    private long lastId;
    private boolean missed;
    private long graceTimer = -1;
    private boolean expiring;

    /** Where this process's current connection wants its drains run; null: on the calling thread. */
    private volatile DrainLane lane;
    private volatile int drainQueued;
    private static final AtomicIntegerFieldUpdater<ClientProcess> DRAIN_QUEUED =
            AtomicIntegerFieldUpdater.newUpdater(ClientProcess.class, "drainQueued");

    ClientProcess(String id, Caller caller, TidingsConfig.Client limits, Counters counters) {
        this.id = id;
        this.caller = caller;
        this.limits = limits;
        this.counters = counters;
    }

    @SuppressWarnings("unchecked")
    <I> Uni<I> identity(NotificationType<I, ?, ?, ?> type) {
        return (Uni<I>) identities.computeIfAbsent(type,
                t -> ((NotificationType<Object, ?, ?, ?>) t).identify(caller).memoize().indefinitely());
    }

    boolean closed() {
        return closed;
    }

    // ---- listen set (called with this locked) ---------------------------------------------

    /** Adds a listen; returns false when it was already there. Caller holds this lock. */
    boolean addListen(Listening listening, Object identity) {
        if (listens.containsKey(listening)) {
            return false;
        }
        if (listens.size() >= limits.maxListens()) {
            throw new TidingsException(TidingsException.Reason.LIMIT,
                    "client listens on " + listens.size() + " keys already, the limit (tidings.client.max-listens)");
        }
        listens.put(listening, identity);
        return true;
    }

    /** Removes a listen; returns the identity it was held as, or null. Caller holds this lock. */
    Object removeListen(Listening listening) {
        return listens.remove(listening);
    }

    /** Marks the process closed and hands back every listen it held. Caller holds this lock. */
    Map<Listening, Object> close() {
        closed = true;
        Map<Listening, Object> all = new HashMap<>(listens);
        listens.clear();
        return all;
    }

    // ---- outgoing queue ---------------------------------------------------------------------

    void enqueue(Slot slot) {
        synchronized (out) {
            if (closed) {
                return;
            }
            if (queue.size() >= limits.queueLength()) {
                overflow();
            }
            queue.add(slot);
        }
    }

    /** Queues the confirmation of a listen change; the caller drains after releasing its locks. */
    void queueConfirm(String type, String key, boolean listening) {
        synchronized (out) {
            if (queue.size() >= limits.queueLength()) {
                overflow();
            }
            queue.add(new ListenEvent(type, key, listening, null, null));
        }
    }

    /** Queues the refusal of a forwarded listen request; the caller drains. */
    void queueRefusal(String type, String key, boolean listening, String error, String message) {
        synchronized (out) {
            if (queue.size() >= limits.queueLength()) {
                overflow();
            }
            queue.add(new ListenEvent(type, key, listening, error, message));
        }
    }

    /**
     * Too much waiting for this client: drop everything queued (notifications and listen
     * confirmations alike, so that nothing grows without bound) and tell it so with
     * {@code missed}.
     */
    private void overflow() {
        queue.clear();
        missed = true;
        counters.overflows.increment();
    }

    /** Drains on the connection's own thread (batched with its other clients) when it has one, else here. */
    void requestDrain() {
        DrainLane l = lane;
        if (l == null) {
            drain();
        } else {
            l.submit(this);
        }
    }

    boolean markDrainQueued() {
        return DRAIN_QUEUED.compareAndSet(this, 0, 1);
    }

    void clearDrainQueued() {
        drainQueued = 0;
    }

    /** Writes every queued item that is ready, in order, for as long as the socket takes them. */
    void drain() {
        synchronized (out) {
            ClientConnection c = connection;
            if (c == null) {
                return;
            }
            try {
                drainTo(c);
            } finally {
                c.flush();
            }
        }
    }

    private void drainTo(ClientConnection c) {
        while (!queue.isEmpty()) {
            Object head = queue.peek();
            if (head instanceof Slot slot && !slot.done()) {
                return;
            }
            if (!c.writable()) {
                c.whenWritable(this::drain);
                // The socket may have drained between the check and the handler: look again.
                if (!c.writable()) {
                    return;
                }
            }
            queue.poll();
            if (missed) {
                missed = false;
                c.missed();
            }
            if (head instanceof Slot slot) {
                byte[] frame = slot.frame();
                if (frame != null) {
                    send(c, frame);
                }
            } else if (head instanceof ListenEvent e) {
                if (e.error() == null) {
                    c.listen(e.type(), e.key(), e.listening());
                } else {
                    c.listenRefused(e.type(), e.key(), e.listening(), e.error(), e.message());
                }
            }
        }
        if (missed && c.writable()) {
            missed = false;
            c.missed();
        }
    }

    private void send(ClientConnection c, byte[] frame) {
        long id = ++lastId;
        c.notification(id, frame);
        counters.deliveries.increment();
        int keep = limits.replay();
        if (keep > 0) {
            if (recent == null) {
                recent = new byte[keep][];
                recentCount = 0;
            }
            recent[(int) (id % recent.length)] = frame;
            if (recentCount < recent.length) {
                recentCount++;
            }
        }
    }

    // ---- streams ------------------------------------------------------------------------------

    /**
     * Gives this process a (new) stream: sends {@code ready}, replays what the client may have lost
     * after {@code lastEventId}, then everything queued. A stream it still had is closed.
     */
    void attach(ClientConnection c, boolean resumed, Long lastEventId, java.util.function.LongConsumer cancelTimer,
            Function<java.util.concurrent.Executor, DrainLane> lanes) {
        ClientConnection previous;
        synchronized (out) {
            if (closed || expiring) {
                // ended (expired, deleted, disconnected) since the caller found it
                throw new TidingsException(TidingsException.Reason.UNKNOWN_CLIENT, "client " + id + " has ended");
            }
            previous = connection;
            connection = c;
            java.util.concurrent.Executor executor = c.executor();
            lane = executor == null ? null : lanes.apply(executor);
            if (graceTimer >= 0) {
                cancelTimer.accept(graceTimer);
                graceTimer = -1;
            }
            c.ready(id, resumed);
            if (resumed && lastEventId != null) {
                replayAfter(c, lastEventId);
            }
            c.flush();
        }
        if (previous != null) {
            previous.close();
        }
        drain();
    }

    private void replayAfter(ClientConnection c, long lastEventId) {
        if (lastEventId >= lastId) {
            return;
        }
        long oldestKept = recent == null ? lastId + 1 : lastId - recentCount + 1;
        if (oldestKept > lastEventId + 1) {
            missed = true;
        }
        if (recent != null) {
            for (long id = Math.max(lastEventId + 1, oldestKept); id <= lastId; id++) {
                c.notification(id, recent[(int) (id % recent.length)]);
            }
        }
    }

    /** The stream ended; returns true when it was this process's current one (so the grace period starts). */
    boolean detach(ClientConnection c) {
        synchronized (out) {
            if (connection != c) {
                return false;
            }
            connection = null;
            return true;
        }
    }

    /**
     * Starts the grace timer (cancelling one still pending). It is started and recorded under the
     * same lock that {@link #expire} takes, so even a timer that fires at once finds itself current.
     */
    void startGrace(java.util.function.LongSupplier schedule, java.util.function.LongConsumer cancelTimer) {
        synchronized (out) {
            if (graceTimer >= 0) {
                cancelTimer.accept(graceTimer);
            }
            graceTimer = schedule.getAsLong();
        }
    }

    /**
     * The grace timer fired: true when this process is to end now, that is when it still has no
     * stream and the timer is the current one. From then on no stream can attach to it.
     */
    boolean expire(long timerId) {
        synchronized (out) {
            if (connection != null || graceTimer != timerId) {
                return false;
            }
            expiring = true;
            return true;
        }
    }

    boolean attached() {
        synchronized (out) {
            return connection != null;
        }
    }

    /** Ends the stream, if any, telling it why (null: nobody to tell), and drops everything queued. */
    void hangUp(String reason) {
        ClientConnection c;
        synchronized (out) {
            c = connection;
            connection = null;
            queue.clear();
            recent = null;
            recentCount = 0;
            if (c != null && reason != null) {
                c.ended(reason);
            }
        }
        if (c != null) {
            c.close();
        }
    }

    /** A snapshot of this process's listens, for unlisten-identity and disconnects. */
    synchronized List<Listening> listening() {
        return new ArrayList<>(listens.keySet());
    }

    @Override
    public String toString() {
        return "client " + id + " of " + caller.name();
    }

}
