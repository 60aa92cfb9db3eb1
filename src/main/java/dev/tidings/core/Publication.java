package dev.tidings.core;

/**
 * A server notification on its way between replicas: what a transport carries. The payload is
 * the server notification as JSON, exactly as an outside producer would write it to a Kafka
 * topic; no client data is in it (Eliom's first of two serialisations).
 *
 * @param type the notification type's name
 * @param key the key in its text form
 * @param payload the server notification as UTF-8 JSON
 * @param decoded the payload already bound to the type's server notification class, when the
 *     publisher is in this JVM (saves parsing it again); null when it came from elsewhere
 * @param notFor who must not receive it
 */
public record Publication(String type, String key, byte[] payload, Object decoded, NotFor notFor) {

    /** The same publication without the in-process shortcut, as it would arrive from another replica. */
    public Publication withoutDecoded() {
        return decoded == null ? this : new Publication(type, key, payload, null, notFor);
    }
}
