package dev.tidings.core;

import io.smallrye.mutiny.Uni;
import java.util.Objects;

/**
 * One kind of data that clients listen on: a chat room, a document, a user's inbox. This is
 * Eliom's {@code Eliom_notif.Make} functor as a class: subclass it, make the subclass a CDI bean,
 * and Tidings registers it under {@link #name()} at start-up.
 *
 * <p>The overridable methods are Eliom's {@code ARG}: how a caller becomes an {@code identity},
 * how keys are read and written, and {@link #prepare}, which turns the server notification into
 * what one identity may see, or blocks it. The final methods are Eliom's {@code S}: listen,
 * unlisten, notify, clean. They may be called as soon as the application has started.
 *
 * <p>Keys and identities are compared with {@code equals}/{@code hashCode}. Server and client
 * notifications travel as JSON, bound by Jackson to the classes given to the constructor.
 *
 * @param <I> who listens (a user, a chat window)
 * @param <K> the key listened on
 * @param <S> the server notification, as notified and as carried between replicas
 * @param <C> the client notification, what one client receives after {@link #prepare}
 */
public abstract class NotificationType<I, K, S, C> {

    private final String name;
    private final Class<S> serverNotification;
    private volatile Tidings tidings;

    /**
     * @param name unique name, used in URLs, topic names and on the wire: letters, digits,
     *     {@code -}, {@code _} and {@code .}
     * @param serverNotification the class JSON server notifications are bound to
     */
    protected NotificationType(String name, Class<S> serverNotification) {
        if (name == null || !name.matches("[A-Za-z0-9._-]{1,64}")) {
            throw new IllegalArgumentException("bad notification type name: " + name);
        }
        this.name = name;
        this.serverNotification = Objects.requireNonNull(serverNotification);
    }

    public final String name() {
        return name;
    }

    final Class<S> serverNotificationClass() {
        return serverNotification;
    }

    // ---- Eliom's ARG: override these -------------------------------------------------------

    /** Eliom's {@code get_identity}: which identity a caller listens as. Called once per client process. */
    public abstract Uni<I> identify(Caller caller);

    /** Reads an identity from its text form (REST {@code notfor}, Kafka headers). */
    public abstract I parseIdentity(String text);

    /** The text form of an identity; the inverse of {@link #parseIdentity}. */
    public String formatIdentity(I identity) {
        return identity.toString();
    }

    /**
     * Reads a key from its text form.
     *
     * @throws IllegalArgumentException when the text is not a key of this type (answered with 400)
     */
    public abstract K parseKey(String text);

    /** The text form of a key, as clients see it; the inverse of {@link #parseKey}. */
    public String formatKey(K key) {
        return key.toString();
    }

    /**
     * Whether this identity may listen on this key at all (a 403 otherwise). Blocking single
     * notifications belongs in {@link #prepare}; this refuses the listen itself.
     */
    public Uni<Boolean> mayListen(I identity, K key) {
        return Uni.createFrom().item(Boolean.TRUE);
    }

    /**
     * Eliom's {@code prepare}: what this identity receives of a server notification. Emit
     * {@code null} to block it for this identity. Tidings calls it once per (identity,
     * notification), however many client processes the identity has open, and serialises equal
     * results once. It must not block the calling thread; slow work belongs in the returned
     * {@code Uni}, which is abandoned after {@code tidings.prepare.timeout}.
     */
    public abstract Uni<C> prepare(I identity, S notification);

    /** True for {@link SimpleNotificationType}: prepare is the identity, so the payload is reused byte for byte. */
    boolean passesThrough() {
        return false;
    }

    // ---- Eliom's S: the operations --------------------------------------------------------

    /** Makes a client process listen on a key; confirmed on its stream with {@code event: listen}. */
    public final Uni<Void> listen(String clientId, K key) {
        return tidings().listen(this, clientId, key, null);
    }

    /**
     * Makes a client process stop listening on a key. Works for any client id, which covers
     * Eliom's {@code Ext.unlisten} (stopping another client process).
     */
    public final Uni<Void> unlisten(String clientId, K key) {
        return tidings().unlisten(this, clientId, key, null);
    }

    /**
     * Makes every client process of an identity stop listening on a key, on every replica
     * (Ocsigen Start's {@code unlisten_user}).
     */
    public final Uni<Void> unlistenIdentity(I identity, K key) {
        return tidings().unlistenIdentity(name, formatIdentity(identity), formatKey(key));
    }

    /** Notifies every client process listening on the key. */
    public final Uni<Void> notify(K key, S notification) {
        return notify(key, notification, NotFor.none());
    }

    /**
     * Notifies every client process listening on the key except those {@code notFor} names. The
     * returned {@code Uni} completes once the transport has taken the notification (with Kafka: the
     * broker acknowledged it); delivery to clients is asynchronous.
     */
    public final Uni<Void> notify(K key, S notification, NotFor notFor) {
        return tidings().notify(this, key, notification, notFor);
    }

    /** A {@link NotFor} skipping every client process of this identity. */
    public final NotFor notFor(I identity) {
        return NotFor.identity(formatIdentity(identity));
    }

    /**
     * Eliom's {@code clean}: drops keys that nobody listens on any more. Tidings already drops a
     * key when its last listener goes, so this only sweeps what a concurrent race left behind.
     */
    public final void clean() {
        tidings().clean(this);
    }

    final void bind(Tidings owner) {
        if (tidings != null && tidings != owner) {
            throw new IllegalStateException("notification type " + name + " is already bound");
        }
        tidings = owner;
    }

    private Tidings tidings() {
        Tidings t = tidings;
        if (t == null) {
            throw new IllegalStateException("notification type " + name + " is not registered yet; is it a CDI bean?");
        }
        return t;
    }
}
