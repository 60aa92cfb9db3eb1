package dev.tidings.core;

/**
 * Who a notification must skip, as Eliom's {@code ?notfor}: nobody, one client process (Eliom's
 * {@code `Me}, the tab that caused the change), or every client process of one identity
 * (Eliom's {@code `Id}).
 *
 * <p>Identities are carried in their text form ({@link NotificationType#formatIdentity}) so that
 * the same value travels unchanged over REST, Kafka headers and the Java API.
 */
public record NotFor(Kind kind, String value) {

    public enum Kind { NONE, CLIENT, IDENTITY }

    private static final NotFor NONE = new NotFor(Kind.NONE, null);

    public NotFor {
        if ((kind == Kind.NONE) != (value == null)) {
            throw new IllegalArgumentException("notfor " + kind + " needs " + (value == null ? "a value" : "no value"));
        }
    }

    public static NotFor none() {
        return NONE;
    }

    /** Skip the client process with this id (the tab that made the change). */
    public static NotFor client(String clientId) {
        return new NotFor(Kind.CLIENT, clientId);
    }

    /** Skip every client process of this identity, given in its text form. */
    public static NotFor identity(String identity) {
        return new NotFor(Kind.IDENTITY, identity);
    }
}
