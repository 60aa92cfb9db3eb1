package dev.tidings.core;

import io.smallrye.mutiny.Uni;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.jboss.logging.Logger;

/**
 * Recovery by cursor: a stream opened with a {@code Last-Event-ID} first receives what the
 * transport's logs hold after the cursor on the keys the client process listens on, prepared for
 * its identity now, then the live notifications, with nothing twice at the seam.
 *
 * <p>The seam: the listens are live before the stream attaches, so every publication handed over
 * from then on is queued for the process. The process takes the cursor's positions and holds
 * every delivery; each log is asked for what it holds after the cursor's offset, up to at least
 * every publication handed over so far; that goes first, and the live notifications the replay
 * already brought are dropped ({@link LogPosition#admit}). What cannot be recovered (no position in
 * the cursor, another epoch, past retention) is said first, as {@code event: missed} naming the keys.
 */
final class Recoveries {

    private static final Logger LOG = Logger.getLogger(Recoveries.class);

    private final Transport transport;
    private final Dispatcher dispatcher;
    private final Counters counters;
    /** The most notifications one recovery replays ({@code tidings.recovery.max-replay}). */
    private final int maxReplay;
    private final LogLimiter rejectedLog = new LogLimiter(LOG, 10_000);

    Recoveries(Transport transport, Dispatcher dispatcher, Counters counters, int maxReplay) {
        this.transport = transport;
        this.dispatcher = dispatcher;
        this.counters = counters;
        this.maxReplay = maxReplay;
    }

    /** One log to recover: the keys of the process in it, with the identity each is held as. */
    private static final class Plan {
        final String log;
        final RegisteredType<?, ?, ?, ?> type;
        final Cursor.Entry from;
        final Map<String, Object> identities = new LinkedHashMap<>();

        Plan(String log, RegisteredType<?, ?, ?, ?> type, Cursor.Entry from) {
            this.log = log;
            this.type = type;
            this.from = from;
        }

        List<Missed.Key> keys() {
            return identities.keySet().stream().map(k -> new Missed.Key(type.name(), k)).toList();
        }
    }

    /** A plan whose log answered: the publications of it on the process's keys, and where the answer ends. */
    private record Answered(Plan plan, long end, List<Publication> publications) {}

    /** Attaches the stream and recovers from the cursor, as the class comment says. */
    void attach(ClientProcess c, ClientConnection connection, boolean resumed, Cursor cursor) {
        Map<String, Plan> plans = new LinkedHashMap<>();
        List<Missed.Key> unsupported = new ArrayList<>();
        c.listensWithIdentities().forEach((listening, identity) -> {
            RegisteredType<?, ?, ?, ?> type = listening.type();
            String key = type.keyTextOf(listening.key());
            String log = transport.logOf(type.name(), key);
            if (log == null) {
                unsupported.add(new Missed.Key(type.name(), key));
                return;
            }
            plans.computeIfAbsent(log, l -> new Plan(l, type, cursor.entry(l))).identities.put(key, identity);
        });
        List<Missed> unrecoverable = new ArrayList<>();
        missed(unrecoverable, Replay.UNSUPPORTED, unsupported);
        List<Missed.Key> notInCursor = new ArrayList<>();
        Map<String, Cursor.Entry> recover = new HashMap<>();
        List<Plan> replays = new ArrayList<>();
        for (Plan plan : plans.values()) {
            if (plan.from == null) {
                notInCursor.addAll(plan.keys());
            } else {
                recover.put(plan.log, plan.from);
                replays.add(plan);
            }
        }
        missed(unrecoverable, Missed.CURSOR, notInCursor);
        int attach = c.attach(connection, resumed, cursor.clientId(), recover);
        if (replays.isEmpty()) {
            c.recovered(attach, List.of(), List.of(), unrecoverable);
            return;
        }
        List<Uni<Replay>> asked = new ArrayList<>(replays.size());
        for (Plan plan : replays) {
            asked.add(Uni.createFrom().deferred(() -> transport.replay(plan.log, plan.from.epoch(), plan.from.offset(),
                            plan.identities.keySet()))
                    .onFailure().recoverWithItem(failure -> {
                        rejectedLog.warn("Replay of log %s failed: %s", plan.log, failure);
                        return Replay.lost(Missed.UNAVAILABLE);
                    }));
        }
        Uni.join().all(asked).andFailFast().subscribe().with(
                answers -> apply(c, attach, replays, answers, unrecoverable),
                failure -> c.recovered(attach, List.of(), List.of(), unrecoverable));
    }

    private void apply(ClientProcess c, int attach, List<Plan> plans, List<Replay> answers, List<Missed> unrecoverable) {
        List<ClientProcess.Seam> seams = new ArrayList<>();
        List<Slot> slots = new ArrayList<>();
        Map<String, List<Missed.Key>> lost = new LinkedHashMap<>();
        List<Answered> answered = new ArrayList<>(plans.size());
        for (int i = 0; i < plans.size(); i++) {
            Plan plan = plans.get(i);
            Replay answer = answers.get(i);
            if (!answer.honoured()) {
                lost.computeIfAbsent(answer.lost(), r -> new ArrayList<>()).addAll(plan.keys());
                continue;
            }
            List<Publication> asked = new ArrayList<>(answer.publications().size());
            for (Publication p : answer.publications()) {
                if (plan.identities.containsKey(p.key()) && p.position() != null && p.type().equals(plan.type.name())) {
                    asked.add(p); // else not asked for: a transport may hand back more
                }
            }
            answered.add(new Answered(plan, answer.end(), asked));
        }
        // the smallest replays first: the most logs recovered within max-replay, the same ones on every replica
        answered.sort(Comparator.comparingInt((Answered a) -> a.publications().size()).thenComparing(a -> a.plan().log));
        int room = maxReplay;
        for (Answered a : answered) {
            Plan plan = a.plan();
            if (a.publications().size() > room) {
                // more than the stream may be handed at once: like a queue overflow, for this log's keys;
                // nothing of it is prepared or held, and the log's position stays where the process stood
                lost.computeIfAbsent(Missed.OVERFLOW, r -> new ArrayList<>()).addAll(plan.keys());
                continue;
            }
            room -= a.publications().size();
            long[] offsets = new long[a.publications().size()];
            int n = 0;
            for (Publication p : a.publications()) {
                offsets[n++] = p.position().offset();
                Slot slot = replayed(plan.type, p, c, plan.identities.get(p.key()));
                if (slot != null) {
                    slots.add(slot);
                }
            }
            seams.add(new ClientProcess.Seam(plan.log, offsets, a.end()));
        }
        lost.forEach((reason, keys) -> missed(unrecoverable, reason, keys));
        c.recovered(attach, seams, slots, unrecoverable);
    }

    @SuppressWarnings("unchecked")
    private <I, K, S, C> Slot replayed(RegisteredType<I, K, S, C> type, Publication p, ClientProcess c, Object identity) {
        Publication.Checked<I, K, S> n = (Publication.Checked<I, K, S>) p.checked;
        if (n == null) {
            try {
                n = type.check(p, type.key(p.key()));
            } catch (TidingsException | IllegalArgumentException e) {
                rejectedLog.warn("Skipped a replayed record (%s): %s", p.origin(), e.getMessage());
                return null;
            }
        }
        return dispatcher.replay(type, n, p, c, (I) identity);
    }

    private void missed(List<Missed> into, String reason, List<Missed.Key> keys) {
        if (keys.isEmpty()) {
            return;
        }
        into.add(new Missed(reason, keys));
        java.util.concurrent.atomic.LongAdder counter =
                reason.equals(Missed.OVERFLOW) ? counters.overflows : counters.missed.get(reason);
        if (counter != null) {
            counter.increment();
        }
    }
}
