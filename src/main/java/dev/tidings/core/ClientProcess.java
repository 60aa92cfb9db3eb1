package dev.tidings.core;

import io.smallrye.mutiny.Uni;
import io.vertx.core.Vertx;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicIntegerFieldUpdater;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * One browser tab: Eliom's client process. It outlives its stream by a grace period so that a
 * reconnect resumes it with its listens intact and nothing missed.
 *
 * <p>Two locks, always taken in this order when both are needed: the process itself guards its
 * listen set (and is held while the {@link ListenerRegistry} changes for it); {@code out} guards the
 * outgoing queue and the connection. Dispatch takes only {@code out}, inside a registry bin lock.
 */
final class ClientProcess {

    /** One key this process listens on. */
    record Listening(RegisteredType<?, ?, ?, ?> type, Object key) {}

    /** What waits in the outgoing queue: a notification's {@link Slot} or a listen change to confirm. */
    sealed interface Outgoing permits Slot, ListenEvent {}

    /** A listen change to confirm; {@code refusal} is set when a forwarded request was refused. */
    record ListenEvent(String type, String key, boolean listening, TidingsException.Reason refusal, String message)
            implements Outgoing {}

    /** What every client process is given once by its {@link ClientTable}. */
    record Services(TidingsConfig.Client limits, Capacity capacity, Counters counters, Supplier<Timings> timings,
            Vertx vertx, Function<Executor, DrainLane> lanes, Consumer<ClientProcess> expired) {}

    /**
     * Delivery latency is timed for one event in 16 of each client (a uniform sample): a histogram
     * update on every delivery cost several percent of the delivery path's CPU.
     */
    private static final long LATENCY_SAMPLE_MASK = 15;

    private static final AtomicIntegerFieldUpdater<ClientProcess> DRAIN_QUEUED =
            AtomicIntegerFieldUpdater.newUpdater(ClientProcess.class, "drainQueued");

    final String id;
    final Caller caller;
    private final Services services;

    /** Identity per type, resolved once (Eliom resolves it once in {@code init}); failures are forgotten. */
    private final Map<RegisteredType<?, ?, ?, ?>, Uni<Object>> identities = new ConcurrentHashMap<>(2);

    // guarded by this: listen → identity it listens as
    private final Map<Listening, Object> listens = new HashMap<>(4);
    private volatile boolean closed;

    private final Object out = new Object();
    // guarded by out
    private final ArrayDeque<Outgoing> queue = new ArrayDeque<>(4);
    private ReplayRing recent;
    private ClientConnection connection;
    private long lastId;
    private boolean missed;
    private long graceTimer = -1;
    private boolean expiring;

    /** Where this process's current connection wants its drains run; null: on the calling thread. */
    private volatile DrainLane lane;
    private volatile int drainQueued;

    ClientProcess(String id, Caller caller, Services services) {
        this.id = id;
        this.caller = caller;
        this.services = services;
    }

    @SuppressWarnings("unchecked")
    <I> Uni<I> identity(RegisteredType<I, ?, ?, ?> type) {
        Uni<Object> once = identities.get(type);
        if (once == null) {
            NotificationType<Object, ?, ?, ?> t = (NotificationType<Object, ?, ?, ?>) type.type;
            // deferred: an identify that throws, or returns no Uni, fails this listen only
            Uni<Object> fresh = Uni.createFrom().deferred(() -> t.identify(caller)).memoize().indefinitely();
            Uni<Object> earlier = identities.putIfAbsent(type, fresh);
            once = earlier != null ? earlier : fresh;
        }
        Uni<Object> resolving = once;
        return (Uni<I>) resolving.onFailure().invoke(() -> identities.remove(type, resolving));
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
        int max = services.limits().maxListens();
        if (listens.size() >= max) {
            throw new TidingsException(TidingsException.Reason.LIMIT,
                    "client listens on " + listens.size() + " keys already, the limit (tidings.client.max-listens)");
        }
        services.capacity().takeListen();
        listens.put(listening, identity);
        return true;
    }

    /** Removes a listen; returns the identity it was held as, or null. Caller holds this lock. */
    Object removeListen(Listening listening) {
        Object identity = listens.remove(listening);
        if (identity != null) {
            services.capacity().releaseListens(1);
        }
        return identity;
    }

    /** True when this process listens on that key. Caller holds this lock. */
    boolean listensOn(Listening listening) {
        return listens.containsKey(listening);
    }

    /** Marks the process closed and hands back every listen it held. Caller holds this lock. */
    Map<Listening, Object> close() {
        closed = true;
        Map<Listening, Object> all = new HashMap<>(listens);
        listens.clear();
        services.capacity().releaseListens(all.size());
        return all;
    }

    /** A snapshot of this process's listens. */
    synchronized List<Listening> listening() {
        return new ArrayList<>(listens.keySet());
    }

    // ---- outgoing queue ---------------------------------------------------------------------

    /** Queues a notification's slot (under the key's registry lock, so in notify order). */
    void enqueue(Slot slot) {
        synchronized (out) {
            if (!closed) {
                add(slot);
            }
        }
    }

    /** Queues the confirmation (or refusal) of a listen change; the caller drains after releasing its locks. */
    void queueListenEvent(ListenEvent event) {
        synchronized (out) {
            add(event);
        }
    }

    private void add(Outgoing item) {
        if (queue.size() >= services.limits().queueLength()) {
            // Too much waiting for this client: drop everything queued (notifications and listen
            // confirmations alike, so that nothing grows without bound) and tell it with missed.
            queue.clear();
            missed = true;
            services.counters().overflows.increment();
        }
        queue.add(item);
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
            Outgoing head = queue.peek();
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
                    long id = send(c, frame);
                    slot.meters.deliveries.increment();
                    if ((id & LATENCY_SAMPLE_MASK) == 0) {
                        services.timings().get().delivered(System.nanoTime() - slot.accepted);
                    }
                }
            } else if (head instanceof ListenEvent e) {
                if (e.refusal() == null) {
                    c.listen(e.type(), e.key(), e.listening());
                } else {
                    c.listenRefused(e.type(), e.key(), e.listening(), e.refusal(), e.message());
                }
            }
        }
        if (missed && c.writable()) {
            missed = false;
            c.missed();
        }
    }

    /** Writes a notification; returns its event id. */
    private long send(ClientConnection c, byte[] frame) {
        long id = ++lastId;
        c.notification(id, frame);
        int keep = services.limits().replay();
        if (keep > 0) {
            if (recent == null) {
                recent = new ReplayRing(keep);
            }
            recent.add(id, frame);
        }
        return id;
    }

    // ---- streams and grace --------------------------------------------------------------------

    /**
     * Gives this process a (new) stream: sends {@code ready}, replays what the client may have lost
     * after {@code lastEventId}, then everything queued. A stream it still had is closed.
     */
    void attach(ClientConnection c, boolean resumed, Long lastEventId) {
        ClientConnection previous;
        synchronized (out) {
            if (closed || expiring) {
                // ended (expired, deleted, disconnected) since the caller found it
                throw new TidingsException(TidingsException.Reason.UNKNOWN_CLIENT, "client " + id + " has ended");
            }
            previous = connection;
            connection = c;
            Executor executor = c.executor();
            lane = executor == null ? null : services.lanes().apply(executor);
            cancelGrace();
            c.ready(id, resumed);
            if (resumed && lastEventId != null && lastEventId < lastId) {
                if (recent == null || !recent.covers(lastEventId)) {
                    missed = true;
                    services.counters().replayGaps.increment();
                }
                if (recent != null) {
                    recent.replayAfter(lastEventId, c::notification);
                }
            }
            c.flush();
        }
        if (previous != null) {
            previous.close();
        }
        drain();
    }

    /** The stream ended; if it was this process's current one, the grace period starts. */
    void detach(ClientConnection c) {
        synchronized (out) {
            if (connection != c) {
                return;
            }
            connection = null;
            startGrace();
        }
    }

    /**
     * Starts the grace timer, cancelling one still pending. It is started and recorded under the
     * same lock that its expiry takes, so even a timer that fires at once finds itself current.
     */
    void startGrace() {
        long delay = Math.max(1, services.limits().grace().toMillis());
        synchronized (out) {
            cancelGrace();
            graceTimer = services.vertx().setTimer(delay, this::graceEnded);
        }
    }

    private void cancelGrace() {
        if (graceTimer >= 0) {
            services.vertx().cancelTimer(graceTimer);
            graceTimer = -1;
        }
    }

    /** Ends the process when it still has no stream and the timer is the current one; then no stream can attach. */
    private void graceEnded(long timerId) {
        synchronized (out) {
            if (connection != null || graceTimer != timerId) {
                return;
            }
            expiring = true;
        }
        services.expired().accept(this);
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
            cancelGrace();
            if (c != null && reason != null) {
                c.ended(reason);
            }
        }
        if (c != null) {
            c.close();
        }
    }

    @Override
    public String toString() {
        return "client " + id + " of " + caller.name();
    }
}
