package dev.tidings.core;

import io.quarkus.arc.Arc;
import io.quarkus.arc.ClientProxy;
import io.smallrye.mutiny.Uni;
import java.lang.reflect.ParameterizedType;
import java.lang.reflect.Type;
import java.lang.reflect.TypeVariable;
import java.util.HashMap;
import java.util.Map;
import java.util.Objects;
import org.jboss.logging.Logger;

/**
 * One kind of data that clients listen on: a chat room, a document, a user's inbox. This is
 * Eliom's {@code Eliom_notif.Make} functor as a class: subclass it, make the subclass a CDI bean,
 * and Tidings registers it under {@link #name()}.
 *
 * <pre>{@code
 * @ApplicationScoped
 * public class ChatType extends NotificationType<String, String, ChatMessage, ChatView> {
 *     public ChatType() { super("chat", ChatMessage.class); }      // string keys, caller name as identity
 *
 *     @Override public Uni<ChatView> prepare(String identity, ChatMessage m) {
 *         return m.isFor(identity) ? deliver(ChatView.of(m)) : block();
 *     }
 * }
 * }</pre>
 *
 * <p>What a subclass decides is Eliom's {@code ARG}: {@link #prepare} (what one identity sees of
 * a notification, or nothing), and optionally {@link #identify} (who a caller listens as; the
 * caller's name by default) and {@link #mayListen}. Keys and identities have a text form given by
 * {@link Keys} to the constructor; they compare with {@code equals}/{@code hashCode}.
 *
 * <p>The final methods are Eliom's {@code S}: {@link #listen}, {@link #unlisten},
 * {@link #unlistenIdentity}, {@link #notify}, {@link #clean}. Each takes effect when called, as
 * Eliom's do, also as a bare statement and also from the application's own start-up code; the
 * {@code Uni} it returns is already running and may be awaited or subscribed to for the outcome
 * (for {@code notify}: the transport holds the notification). A failure nobody handles is logged.
 * Bad arguments (an unparseable key, an oversized notification) throw {@link TidingsException}
 * at once.
 *
 * @param <I> who listens (a user, a chat window)
 * @param <K> the key listened on
 * @param <S> the server notification, as notified and as carried between replicas
 * @param <C> the client notification, what one client receives after {@link #prepare}
 */
public abstract class NotificationType<I, K, S, C> {

    private static final LogLimiter UNHANDLED = new LogLimiter(Logger.getLogger(NotificationType.class), 10_000);

    private final String name;
    private final Class<S> serverNotification;
    private final Keys<K> keys;
    private final Keys<I> identities;
    private volatile Tidings hub;

    /**
     * A type with string keys whose identity is the caller's name ({@code I} and {@code K} must
     * be {@code String}).
     *
     * @param name unique name, used in URLs, topic names and on the wire: letters, digits,
     *     {@code -}, {@code _} and {@code .}
     * @param serverNotification the class JSON server notifications are bound to
     */
    @SuppressWarnings("unchecked")
    protected NotificationType(String name, Class<S> serverNotification) {
        this(name, serverNotification, (Keys<K>) Keys.string(), (Keys<I>) Keys.string());
        requireString(0, "identity");
        requireString(1, "key");
    }

    /** A type with the given keys whose identity is the caller's name ({@code I} must be {@code String}). */
    @SuppressWarnings("unchecked")
    protected NotificationType(String name, Class<S> serverNotification, Keys<K> keys) {
        this(name, serverNotification, keys, (Keys<I>) Keys.string());
        requireString(0, "identity");
    }

    /** A type with the given keys and identities. */
    protected NotificationType(String name, Class<S> serverNotification, Keys<K> keys, Keys<I> identities) {
        if (name == null || !name.matches("[A-Za-z0-9._-]{1,64}")) {
            throw new IllegalArgumentException("bad notification type name: " + name);
        }
        this.name = name;
        this.serverNotification = Objects.requireNonNull(serverNotification);
        this.keys = Objects.requireNonNull(keys);
        this.identities = Objects.requireNonNull(identities);
    }

    public final String name() {
        return name;
    }

    final Class<S> serverNotificationClass() {
        return serverNotification;
    }

    /** The text form of this type's keys. */
    public final Keys<K> keys() {
        return keys;
    }

    /** The text form of this type's identities. */
    public final Keys<I> identities() {
        return identities;
    }

    // ---- Eliom's ARG: override these -------------------------------------------------------

    /**
     * Eliom's {@code get_identity}: which identity a caller listens as. Called once per client
     * process and type; a failure is not remembered, so the next listen asks again. By default
     * the caller's name, read with the type's identity {@link Keys}.
     */
    public Uni<I> identify(Caller caller) {
        return Uni.createFrom().item(() -> identities.parse(caller.name()));
    }

    /**
     * Whether this identity may listen on this key at all (a 403 otherwise). Blocking single
     * notifications belongs in {@link #prepare}; this refuses the listen itself.
     */
    public Uni<Boolean> mayListen(I identity, K key) {
        return Uni.createFrom().item(Boolean.TRUE);
    }

    /**
     * Eliom's {@code prepare}: what this identity receives of a server notification,
     * {@link #deliver(Object) deliver(c)} (Eliom's {@code Some c}) or {@link #block()} (Eliom's
     * {@code None}). Tidings calls it once per (identity, notification), however many client
     * processes the identity has open, and serialises equal results once. It must not block the
     * calling thread; slow work belongs in the returned {@code Uni}, which is abandoned after
     * {@code tidings.prepare.timeout}.
     */
    public abstract Uni<C> prepare(I identity, S notification);

    /** In {@link #prepare}: this identity receives {@code clientNotification}. */
    protected static <C> Uni<C> deliver(C clientNotification) {
        return Uni.createFrom().item(Objects.requireNonNull(clientNotification, "deliver(null): use block()"));
    }

    /** In {@link #prepare}: this identity receives nothing of this notification. */
    protected static <C> Uni<C> block() {
        return Uni.createFrom().nullItem();
    }

    /** True for {@link SimpleNotificationType}: prepare is the identity, so the payload is reused byte for byte. */
    boolean passesThrough() {
        return false;
    }

    // ---- Eliom's S: the operations --------------------------------------------------------

    /** Makes a client process listen on a key, on whichever replica holds it; confirmed on its stream with {@code event: listen}. */
    public final Uni<Void> listen(String clientId, K key) {
        return started("listen", hub().listen(this, clientId, key, true));
    }

    /**
     * Makes a client process stop listening on a key. Works for any client id, which covers
     * Eliom's {@code Ext.unlisten} (stopping another client process).
     */
    public final Uni<Void> unlisten(String clientId, K key) {
        return started("unlisten", hub().listen(this, clientId, key, false));
    }

    /**
     * Makes every client process of an identity stop listening on a key, on every replica
     * (Ocsigen Start's {@code unlisten_user}).
     */
    public final Uni<Void> unlistenIdentity(I identity, K key) {
        return started("unlistenIdentity", hub().unlistenIdentity(this, identity, key));
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
        return started("notify", hub().notify(this, key, notification, notFor));
    }

    /** A {@link NotFor} skipping every client process of this identity. */
    public final NotFor notFor(I identity) {
        return NotFor.identity(identities.format(identity));
    }

    /**
     * Eliom's {@code clean}: drops keys left with no listener on this replica. Tidings already
     * drops a key when its last listener goes, so there is normally nothing to drop.
     */
    public final void clean() {
        hub().clean(this);
    }

    final void bind(Tidings owner) {
        if (hub != null && hub != owner) {
            throw new IllegalStateException("notification type " + name + " is already bound");
        }
        hub = owner;
    }

    /**
     * The hub this type is registered with. Called before Tidings has started (from another
     * start-up observer, say), it starts Tidings first rather than fail.
     */
    private Tidings hub() {
        Tidings t = hub;
        if (t == null) {
            ClientProxy.unwrap(Arc.container().instance(Tidings.class).get()).start();
            t = hub;
            if (t == null) {
                throw new IllegalStateException("notification type " + name
                        + " is not registered; make it a CDI bean (e.g. @ApplicationScoped)");
            }
        }
        return t;
    }

    /** Runs the operation now; whoever subscribes to the result later gets the same outcome. */
    private Uni<Void> started(String operation, Uni<Void> action) {
        Uni<Void> once = action.memoize().indefinitely();
        once.subscribe().with(done -> { }, failure -> UNHANDLED.warn("%s on notification type %s failed: %s",
                operation, name, failure.getMessage()));
        return once;
    }

    /** Fails at construction when a constructor meant for string keys or identities is used with another type. */
    private void requireString(int index, String what) {
        Type actual = typeArgument(getClass(), index);
        if (actual instanceof Class<?> c && c != String.class) {
            throw new IllegalArgumentException("notification type " + name + " has " + what + "s of " + c.getName()
                    + ": pass a Keys<" + c.getSimpleName() + "> for them to the constructor");
        }
    }

    /** The actual type of one of NotificationType's parameters for this class, or a type variable if unresolved. */
    private static Type typeArgument(Class<?> start, int index) {
        Map<TypeVariable<?>, Type> bindings = new HashMap<>();
        Class<?> c = start;
        while (c != null && c != NotificationType.class) {
            Type sup = c.getGenericSuperclass();
            if (sup instanceof ParameterizedType p) {
                Class<?> raw = (Class<?>) p.getRawType();
                TypeVariable<?>[] vars = raw.getTypeParameters();
                Type[] args = p.getActualTypeArguments();
                for (int i = 0; i < vars.length; i++) {
                    bindings.put(vars[i], args[i] instanceof TypeVariable<?> v ? bindings.getOrDefault(v, v) : args[i]);
                }
                c = raw;
            } else {
                c = (Class<?>) sup;
            }
        }
        return bindings.get(NotificationType.class.getTypeParameters()[index]);
    }
}
