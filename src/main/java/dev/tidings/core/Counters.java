package dev.tidings.core;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.atomic.LongAdder;

/** What went through this replica since it started, for {@code /notif/stats} and benchmarks. */
final class Counters {
    final LongAdder published = new LongAdder();
    final LongAdder received = new LongAdder();
    final LongAdder deliveries = new LongAdder();
    final LongAdder blocked = new LongAdder();
    final LongAdder prepareFailures = new LongAdder();
    final LongAdder prepareTimeouts = new LongAdder();
    final LongAdder overflows = new LongAdder();
    final LongAdder noListener = new LongAdder();
    final LongAdder badPublications = new LongAdder();

    Map<String, Long> snapshot() {
        Map<String, Long> m = new LinkedHashMap<>();
        m.put("published", published.sum());
        m.put("received", received.sum());
        m.put("deliveries", deliveries.sum());
        m.put("blocked", blocked.sum());
        m.put("prepareFailures", prepareFailures.sum());
        m.put("prepareTimeouts", prepareTimeouts.sum());
        m.put("overflows", overflows.sum());
        m.put("noListener", noListener.sum());
        m.put("badPublications", badPublications.sum());
        return m;
    }
}
