package dev.tidings.core;

import java.util.Objects;

/**
 * A server notification on its way between replicas: what a transport carries. The payload is
 * the server notification as JSON, exactly as an outside producer would write it to a Kafka
 * topic; no client data is in it (Eliom's first of two serialisations).
 */
public final class Publication {

    private final String type;
    private final String key;
    private final byte[] payload;
    private final NotFor notFor;
    private final Object origin;
    private final Position position;
    /** {@link System#nanoTime()} when it was accepted, as near as this replica can tell. */
    final long accepted;
    /** Set when this replica published it: already validated and decoded, so dispatch reads nothing again. */
    final Checked<?, ?, ?> checked;

    /**
     * A publication as it arrives from elsewhere.
     *
     * @param type the notification type's name
     * @param key the key in its text form
     * @param payload the server notification as UTF-8 JSON; never modified
     * @param notFor who must not receive it
     * @param origin where it came from, for a log line should it be rejected (e.g. a topic,
     *     partition and offset); its {@code toString} is only called then; may be null
     */
    public Publication(String type, String key, byte[] payload, NotFor notFor, Object origin) {
        this(type, key, payload, notFor, origin, null, System.nanoTime());
    }

    /**
     * A publication that another process accepted at {@code publishedAtMillis} (epoch
     * milliseconds, e.g. a Kafka record's timestamp), so that delivery latency counts from then.
     */
    public Publication(String type, String key, byte[] payload, NotFor notFor, Object origin, long publishedAtMillis) {
        this(type, key, payload, notFor, origin, null,
                System.nanoTime() - Math.max(0, System.currentTimeMillis() - publishedAtMillis) * 1_000_000, null);
    }

    Publication(String type, String key, byte[] payload, NotFor notFor, Object origin, Checked<?, ?, ?> checked,
            long accepted) {
        this(type, key, payload, notFor, origin, checked, accepted, null);
    }

    private Publication(String type, String key, byte[] payload, NotFor notFor, Object origin, Checked<?, ?, ?> checked,
            long accepted, Position position) {
        this.type = Objects.requireNonNull(type);
        this.key = key;
        this.payload = Objects.requireNonNull(payload);
        this.notFor = Objects.requireNonNull(notFor);
        this.origin = origin;
        this.checked = checked;
        this.accepted = accepted;
        this.position = position;
    }

    /**
     * The same publication at a position of its transport's log (payload shared, not copied): what
     * a transport that keeps a log hands to the receiver and keeps for {@link Transport#replay}.
     */
    public Publication at(Position position) {
        return new Publication(type, key, payload, notFor, origin, checked, accepted, Objects.requireNonNull(position));
    }

    public String type() {
        return type;
    }

    public String key() {
        return key;
    }

    public byte[] payload() {
        return payload;
    }

    public NotFor notFor() {
        return notFor;
    }

    /** Its place in its transport's log; null when the transport keeps none (it cannot be recovered). */
    public Position position() {
        return position;
    }

    /** Where it came from, for logs; null when not known. */
    public Object origin() {
        return origin;
    }

    /**
     * A notification as parsed and validated on its way in.
     *
     * @param skipIdentity the identity {@code notfor} names, parsed; null when it names none
     */
    record Checked<I, K, S>(K key, S notification, I skipIdentity) {}
}
