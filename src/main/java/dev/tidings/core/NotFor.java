package dev.tidings.core;

import java.util.Objects;

/**
 * Who a notification must skip, as Eliom's {@code ?notfor}: {@link Nobody}, one client process
 * ({@link Client}, Eliom's {@code `Me}: the tab that caused the change), or every client process
 * of one identity ({@link Identity}, Eliom's {@code `Id}).
 *
 * <p>Identities are carried in their text form ({@link NotificationType#notFor(Object)} formats
 * one) so that the same value travels unchanged over REST, Kafka headers and the Java API.
 */
public sealed interface NotFor {

    /** Skip nobody. */
    record Nobody() implements NotFor {}

    /** Skip the client process with this id (the tab that made the change). */
    record Client(String id) implements NotFor {
        public Client {
            requireText(id, "client id");
        }
    }

    /** Skip every client process of this identity, given in its text form. */
    record Identity(String identity) implements NotFor {
        public Identity {
            requireText(identity, "identity");
        }
    }

    static NotFor none() {
        return new Nobody();
    }

    static NotFor client(String clientId) {
        return new Client(clientId);
    }

    static NotFor identity(String identity) {
        return new Identity(identity);
    }

    private static void requireText(String value, String what) {
        if (Objects.requireNonNull(value, what).isEmpty()) {
            throw new IllegalArgumentException("notfor needs a non-empty " + what);
        }
    }
}
