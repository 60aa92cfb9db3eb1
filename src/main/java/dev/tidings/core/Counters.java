package dev.tidings.core;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.atomic.LongAdder;

/** What went through this replica since it started, for {@code /notif/stats} and benchmarks. */
final class Counters {
    final LongAdder published = new LongAdder();
    final LongAdder received = new LongAdder();
    final LongAdder overflows = new LongAdder();
    /** Streams told {@code event: missed} by a recovery, by reason (every {@link Missed#REASONS} but overflow). */
    final Map<String, LongAdder> missed = new LinkedHashMap<>();
    final LongAdder noListener = new LongAdder();
    final LongAdder badPublications = new LongAdder();

    Counters() {
        for (String reason : Missed.REASONS) {
            if (!reason.equals(Missed.OVERFLOW)) {
                missed.put(reason, new LongAdder());
            }
        }
    }

    /** The totals, the per-type ones summed over {@code types}. */
    Map<String, Long> snapshot(Iterable<TypeMeters> types) {
        long deliveries = 0;
        long blocked = 0;
        long prepareFailures = 0;
        long prepareTimeouts = 0;
        for (TypeMeters t : types) {
            deliveries += t.deliveries.sum();
            blocked += t.blocked.sum();
            prepareFailures += t.prepareFailures.sum();
            prepareTimeouts += t.prepareTimeouts.sum();
        }
        Map<String, Long> m = new LinkedHashMap<>();
        m.put("published", published.sum());
        m.put("received", received.sum());
        m.put("deliveries", deliveries);
        m.put("blocked", blocked);
        m.put("prepareFailures", prepareFailures);
        m.put("prepareTimeouts", prepareTimeouts);
        m.put("overflows", overflows.sum());
        missed.forEach((reason, n) -> m.put(Missed.counterName(reason), n.sum()));
        m.put("noListener", noListener.sum());
        m.put("badPublications", badPublications.sum());
        return m;
    }
}
