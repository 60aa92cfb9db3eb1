package dev.tidings.core;

import java.util.List;

/**
 * What a client is told when notifications may have been lost for it ({@code event: missed}).
 *
 * @param reason {@link #OVERFLOW} (its queue overflowed; with keys, a recovery would have replayed
 *     more than {@code tidings.recovery.max-replay} on their logs), or why a recovery by cursor could not
 *     be honoured: {@link Replay#RETENTION}, {@link Replay#EPOCH}, {@link #CURSOR} (the cursor
 *     holds no position for the key's log), {@link Replay#UNSUPPORTED}, {@link #UNAVAILABLE}
 * @param keys the keys that may have gaps; empty means every key of the client
 */
public record Missed(String reason, List<Key> keys) {

    /**
     * The client's queue overflowed: everything queued was dropped, on every key; or, naming keys, a
     * recovery would have replayed more than {@code tidings.recovery.max-replay} on their logs.
     */
    public static final String OVERFLOW = "overflow";
    /** The cursor names no position for the key's log (made before the listen, or dropped to fit). */
    public static final String CURSOR = "cursor";
    /** The transport failed to answer the replay. */
    public static final String UNAVAILABLE = "unavailable";

    /** Every reason, for counting. */
    public static final List<String> REASONS =
            List.of(OVERFLOW, Replay.RETENTION, Replay.EPOCH, CURSOR, Replay.UNSUPPORTED, UNAVAILABLE);

    public Missed {
        keys = List.copyOf(keys);
    }

    /** One key of one type. */
    public record Key(String type, String key) {}

    /** The name under which {@code /notif/stats} counts the streams told {@code missed} for a reason. */
    public static String counterName(String reason) {
        return reason.equals(OVERFLOW) ? "overflows"
                : "missed" + Character.toUpperCase(reason.charAt(0)) + reason.substring(1);
    }

    static final Missed EVERYTHING_OVERFLOWED = new Missed(OVERFLOW, List.of());
}
