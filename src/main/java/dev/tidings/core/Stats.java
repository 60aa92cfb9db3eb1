package dev.tidings.core;

import java.util.Map;

/**
 * Live counts, so that leaks show: after every client has gone and the grace period has passed,
 * {@code clients} and every type's {@code keys} and {@code listens} are zero.
 *
 * @param clients live client processes, with or without an open stream
 * @param streams client processes with an open stream right now
 * @param types per type: keys with at least one listener, and listens
 * @param counters totals since start (deliveries, blocked, prepare failures, overflows, …)
 */
public record Stats(int clients, int streams, Map<String, TypeStats> types, Map<String, Long> counters) {

    /**
     * @param notifications taken in, by where from: {@code rest}, {@code java} (published here),
     *     {@code transport} (read from the transport)
     * @param deliveries events written to streams
     * @param blocked identities a prepare blocked
     * @param prepareFailures prepares that failed or timed out
     */
    public record TypeStats(int keys, long listens, Map<String, Long> notifications, long deliveries, long blocked,
            long prepareFailures) {}
}
