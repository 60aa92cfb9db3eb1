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
final class ClientProcess implements DrainLane.Client {

    /** One key this process listens on. */
    record Listening(RegisteredType<?, ?, ?, ?> type, Object key) {}

    /** What waits in the outgoing queue: a notification's {@link Slot} or a listen change to confirm. */
    sealed interface Outgoing permits Slot, ListenEvent {}

    /** A listen change to confirm; {@code refusal} is set when a forwarded request was refused. */
    record ListenEvent(String type, String key, boolean listening, TidingsException.Reason refusal, String message)
            implements Outgoing {}

    /** What every client process is given once by its {@link ClientTable}. */
    record Services(TidingsConfig.Client limits, Capacity capacity, Counters counters, Supplier<Timings> timings,
            Vertx vertx, Function<Executor, DrainLane> lanes, Consumer<ClientProcess> expired,
            Supplier<Transport> transport) {}

    /**
     * What a recovery read from a log for this process: the offsets of every publication it
     * returned on the process's keys (those notfor or prepare kept from it included), and the
     * offset up to which it is complete.
     */
    record Seam(String log, long[] offsets, long end) {}

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
    /** Writes this process's cursors; guarded by out. */
    private final Cursor.Writer cursors;
    /** The client process the cursor this one recovered from was written by: notfor of it is honoured here. */
    private volatile String formerId;

    /** Identity per type, resolved once (Eliom resolves it once in {@code init}); failures are forgotten. */
    private final Map<RegisteredType<?, ?, ?, ?>, Uni<Object>> identities = new ConcurrentHashMap<>(2);

    // guarded by this: listen → identity it listens as
    private final Map<Listening, Object> listens = new HashMap<>(4);
    private volatile boolean closed;

    private final Object out = new Object();
    // guarded by out
    private final ArrayDeque<Outgoing> queue = new ArrayDeque<>(4);
    private ClientConnection connection;
    /** Notifications written, for sampling the delivery latency. */
    private long sent;
    /** The queue overflowed: {@code event: missed} for every key before what follows. */
    private boolean missed;
    /** What a recovery could not honour, to say before anything else. */
    private List<Missed> missedKeys;
    /** Where this process stands per transport log its keys are in; null until the first such listen. */
    private Map<String, LogPosition> logs;
    /** Moves with every notification written: which log positions moved last. */
    private long tick;
    /** Counts attaches: a recovery whose stream has been replaced since is dropped. */
    private int attaches;
    /** Nothing is written but {@code ready} until the recovery of the current stream is in. */
    private boolean recovering;
    /** Replayed notifications in the queue: bounded by the log, they do not count toward its length. */
    private int replaying;
    private long graceTimer = -1;
    private boolean expiring;

    /** Where this process's current connection wants its drains run; null: on the calling thread. */
    private volatile DrainLane lane;
    private volatile int drainQueued;

    ClientProcess(String id, Caller caller, Services services) {
        this.id = id;
        this.caller = caller;
        this.services = services;
        this.cursors = new Cursor.Writer(Cursor.idBytes(id));
    }

    /** True when {@code clientId} is this process, or the one whose cursor it recovered from. */
    boolean isOrWas(String clientId) {
        return id.equals(clientId) || clientId.equals(formerId);
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
        trackLog(listening, 1);
        return true;
    }

    /** Removes a listen; returns the identity it was held as, or null. Caller holds this lock. */
    Object removeListen(Listening listening) {
        Object identity = listens.remove(listening);
        if (identity != null) {
            services.capacity().releaseListens(1);
            trackLog(listening, -1);
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

    /** A snapshot of this process's listens with the identity each is held as. */
    synchronized Map<Listening, Object> listensWithIdentities() {
        return new HashMap<>(listens);
    }

    /**
     * Counts a listen in or out of its transport log's position. A log's first listen starts at
     * the log's position now: nothing before it was for this process.
     */
    private void trackLog(Listening listening, int delta) {
        Transport transport = services.transport().get();
        String log = transport == null ? null
                : transport.logOf(listening.type().name(), listening.type().keyTextOf(listening.key()));
        if (log == null) {
            return;
        }
        synchronized (out) {
            if (logs == null) {
                logs = new HashMap<>(4);
            }
            LogPosition p = logs.get(log);
            if (p == null) {
                if (delta < 0) {
                    return;
                }
                Position now = transport.position(log);
                p = new LogPosition(log, now == null ? 0 : now.epoch(), now == null ? -1 : now.offset());
                logs.put(log, p);
            }
            p.listens = Math.max(0, p.listens + delta);
            cursors.invalidate();
        }
    }
    // ---- outgoing queue ---------------------------------------------------------------------

    /** Queues a notification's slot (under the key's registry lock, so in notify order). */
    void enqueue(Slot slot) {
        synchronized (out) {
            if (!closed) {
                add(slot);
                LogPosition p = slot.position == null || logs == null ? null : logs.get(slot.position.log());
                if (p != null) {
                    p.pending++;
                }
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
        if (queue.size() - replaying >= services.limits().queueLength()) {
            // Too much waiting for this client: drop everything queued (notifications and listen
            // confirmations alike, so that nothing grows without bound) and tell it with missed.
            clearQueue();
            missed = true;
            services.counters().overflows.increment();
        }
        queue.add(item);
    }

    private void clearQueue() {
        queue.clear();
        replaying = 0;
        if (logs != null) {
            for (LogPosition p : logs.values()) {
                p.pending = 0;
            }
        }
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

    @Override
    public boolean markDrainQueued() {
        return DRAIN_QUEUED.compareAndSet(this, 0, 1);
    }

    @Override
    public void clearDrainQueued() {
        drainQueued = 0;
    }

    /** Writes every queued item that is ready, in order, for as long as the socket takes them. */
    @Override
    public void drain() {
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
        if (recovering) {
            return;
        }
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
            sayMissed(c);
            if (head instanceof Slot slot) {
                byte[] frame = slot.frame();
                if (admit(slot) && frame != null) {
                    c.notification(cursor(), frame);
                    slot.meters.deliveries.increment();
                    if ((++sent & LATENCY_SAMPLE_MASK) == 0 && !slot.replay) {
                        services.timings().get().delivered(System.nanoTime() - slot.accepted);
                    }
                }
            } else if (head instanceof ListenEvent e) {
                if (e.refusal() == null) {
                    c.listen(e.type(), e.key(), e.listening(), cursor());
                } else {
                    c.listenRefused(e.type(), e.key(), e.listening(), e.refusal(), e.message());
                }
            }
        }
        if ((missed || missedKeys != null) && c.writable()) {
            sayMissed(c);
        }
    }

    private void sayMissed(ClientConnection c) {
        if (missedKeys != null) {
            missedKeys.forEach(c::missed);
            missedKeys = null;
        }
        if (missed) {
            missed = false;
            c.missed(Missed.EVERYTHING_OVERFLOWED);
        }
    }

    /**
     * Moves this process's position on the notification's log; false when it has the
     * notification already (replayed by a recovery, or handed over twice by the transport).
     */
    private boolean admit(Slot slot) {
        if (slot.replay) {
            replaying--;
        }
        Position at = slot.position;
        LogPosition p = at == null || logs == null ? null : logs.get(at.log());
        if (p == null) {
            return true;
        }
        if (p.pending > 0) {
            p.pending--;
        }
        if (slot.replay) {
            p.replayed(at.offset(), ++tick);
            return true;
        }
        long epoch = p.epoch;
        boolean admitted = p.admit(at, ++tick);
        if (p.epoch != epoch) {
            cursors.invalidate();
        }
        return admitted;
    }

    /**
     * The cursor of what this process has written so far. A log with nothing of it queued here is
     * taken at the log's own position: every publication of it handed over until then either was
     * written or was not for this process, so a key that is quiet for this client on a busy log
     * does not fall behind the log's retention.
     */
    private byte[] cursor() {
        if (logs == null) {
            return cursors.write(List.of());
        }
        Transport transport = services.transport().get();
        for (LogPosition p : logs.values()) {
            if (p.listens > 0 && p.pending == 0 && !p.recovering) {
                Position now = transport.position(p.log);
                if (now != null && now.epoch() == p.epoch && now.offset() > p.offset) {
                    p.offset = now.offset();
                    if (p.replayed != null && p.offset >= p.seamEnd) {
                        p.replayed = null;
                    }
                }
            }
        }
        return cursors.write(logs.values());
    }

    // ---- streams and grace --------------------------------------------------------------------

    /**
     * Gives this process a (new) stream: sends {@code ready}, then everything queued. A stream it
     * still had is closed.
     *
     * <p>With {@code recover} (a log → the position a cursor holds for it), the process takes those
     * positions as its own and writes nothing after {@code ready} until {@link #recovered} brings
     * what the logs hold after them; live notifications meanwhile wait in the queue.
     *
     * @param formerId the client process the cursor was written by, whose {@code notfor} applies here too
     * @return this attach's number, for {@link #recovered}
     */
    int attach(ClientConnection c, boolean resumed, String formerId, Map<String, Cursor.Entry> recover) {
        ClientConnection previous;
        int attach;
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
            attach = ++attaches;
            recovering = recover != null;
            cursors.invalidate(); // epochs may change: the cursor's, or back to the log's
            if (formerId != null && !formerId.equals(id)) {
                this.formerId = formerId;
            }
            if (logs != null) {
                for (LogPosition p : logs.values()) {
                    if (p.recovering) { // the recovery of the stream this one replaces never came in
                        p.epoch = p.keptEpoch;
                        p.offset = p.keptOffset;
                    }
                    Cursor.Entry from = recover == null ? null : recover.get(p.log);
                    p.recovering = from != null;
                    if (from != null) {
                        p.keptEpoch = p.epoch;
                        p.keptOffset = p.offset;
                        p.epoch = from.epoch();
                        p.offset = from.offset();
                        p.replayed = null;
                    }
                }
            }
            c.ready(id, resumed, cursor());
            c.flush();
        }
        if (previous != null) {
            previous.close();
        }
        drain();
        return attach;
    }

    /**
     * The recovery of attach number {@code attach} is in: says what could not be recovered, then
     * writes the replayed notifications (after the listen confirmations that lead the queue, before
     * every live notification), then the live ones, dropping those among {@code seams}' offsets.
     * Dropped when another stream attached since.
     */
    void recovered(int attach, List<Seam> seams, List<Slot> replayed, List<Missed> unrecoverable) {
        synchronized (out) {
            if (attach != attaches || closed || expiring) {
                return;
            }
            recovering = false;
            cursors.invalidate();
            if (!unrecoverable.isEmpty()) {
                if (missedKeys == null) {
                    missedKeys = new ArrayList<>(unrecoverable.size());
                }
                missedKeys.addAll(unrecoverable);
            }
            if (logs != null) {
                for (Seam seam : seams) {
                    LogPosition p = logs.get(seam.log());
                    if (p != null && p.recovering) {
                        p.replayed = seam.offsets();
                        p.seamStart = p.offset;
                        p.seamEnd = seam.end();
                        p.recovering = false;
                    }
                }
                for (LogPosition p : logs.values()) {
                    if (p.recovering) {
                        // not recovered (told missed): back to where this process stood, before
                        // anything queued meanwhile, so that none of that is taken for a duplicate
                        p.epoch = p.keptEpoch;
                        p.offset = p.keptOffset;
                        p.recovering = false;
                    }
                }
            }
            List<Outgoing> rest = new ArrayList<>(queue);
            queue.clear();
            int lead = 0;
            while (lead < rest.size() && rest.get(lead) instanceof ListenEvent) {
                queue.add(rest.get(lead++));
            }
            for (Slot slot : replayed) {
                queue.add(slot);
                replaying++;
                LogPosition p = logs == null ? null : logs.get(slot.position.log());
                if (p != null) {
                    p.pending++;
                }
            }
            queue.addAll(rest.subList(lead, rest.size()));
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
            clearQueue();
            recovering = false;
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
