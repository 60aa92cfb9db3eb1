package dev.tidings.core;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.atomic.LongAdder;

/** What went through one type on this replica since it started: counted on the hot path without a lock or an allocation. */
final class TypeMeters {

    /** Notifications published through this replica's HTTP API. */
    final LongAdder fromRest = new LongAdder();
    /** Notifications published through the Java API here. */
    final LongAdder fromJava = new LongAdder();
    /** Notifications read from the transport (other replicas, outside producers, and this one's own when distributed). */
    final LongAdder fromTransport = new LongAdder();
    final LongAdder deliveries = new LongAdder();
    final LongAdder blocked = new LongAdder();
    final LongAdder prepareFailures = new LongAdder();
    final LongAdder prepareTimeouts = new LongAdder();

    Map<String, Long> notifications() {
        Map<String, Long> m = new LinkedHashMap<>();
        m.put("rest", fromRest.sum());
        m.put("java", fromJava.sum());
        m.put("transport", fromTransport.sum());
        return m;
    }
}
