package dev.tidings.core;

import com.fasterxml.jackson.databind.JsonNode;
import io.smallrye.mutiny.Uni;

/**
 * Eliom's {@code Make_Simple}: a notification type whose notifications reach every listener
 * unchanged. The identity is the caller's name. Because nothing is prepared per client, a
 * notification is serialised once and the same bytes go to every listener.
 *
 * <p>{@link #of(String)} makes one with string keys and any JSON as notification; that is what
 * {@code tidings.simple-types} declares from configuration alone.
 *
 * @param <K> the key
 * @param <N> the notification, for server and client alike
 */
public abstract class SimpleNotificationType<K, N> extends NotificationType<String, K, N, N> {

    /** A simple type with string keys. */
    protected SimpleNotificationType(String name, Class<N> notification) {
        super(name, notification);
    }

    /** A simple type with the given keys. */
    protected SimpleNotificationType(String name, Class<N> notification, Keys<K> keys) {
        super(name, notification, keys, Keys.string());
    }

    /** A simple type with string keys and arbitrary JSON notifications. */
    public static SimpleNotificationType<String, JsonNode> of(String name) {
        return new SimpleNotificationType<>(name, JsonNode.class) {
        };
    }

    @Override
    public final Uni<String> identify(Caller caller) {
        return Uni.createFrom().item(caller.name());
    }

    @Override
    public final Uni<N> prepare(String identity, N notification) {
        return Uni.createFrom().item(notification);
    }

    @Override
    final boolean passesThrough() {
        return true;
    }
}
