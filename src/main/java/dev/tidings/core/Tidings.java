package dev.tidings.core;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.quarkus.arc.ClientProxy;
import io.quarkus.runtime.StartupEvent;
import io.smallrye.mutiny.Uni;
import io.vertx.core.Vertx;
import jakarta.annotation.Priority;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.enterprise.inject.Any;
import jakarta.enterprise.inject.Instance;
import jakarta.inject.Inject;
import jakarta.interceptor.Interceptor;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Supplier;
import org.jboss.logging.Logger;

/**
 * The hub, as the edges (HTTP, the Java API of {@link NotificationType}) see it: client processes
 * open, attach and end; listens, notifications, disconnects; stats. It knows nothing of HTTP or
 * Kafka: the edges call it with text keys and JSON, the {@link Transport} carries publications and
 * control messages between replicas, and it writes to {@link ClientConnection}s.
 *
 * <p>A notification goes: {@code notify} (validated once, here) → {@link Transport#publish} →
 * (every replica) {@link Inbox} → {@link Dispatcher}: one {@link Slot} per listening identity,
 * queued at each of its client processes in notify order → {@code prepare} once per identity →
 * the slot filled with a frame serialised once per distinct client notification → each client
 * process writes it when it reaches the head of its queue.
 */
@ApplicationScoped
public class Tidings {

    private static final Logger LOG = Logger.getLogger(Tidings.class);

    private final ObjectMapper mapper;
    private final TidingsConfig config;
    private final Supplier<List<NotificationType<?, ?, ?, ?>>> typeBeans;
    private final Supplier<List<Transport>> transports;
    private final Counters counters = new Counters();
    private final ClientTable clients;
    private final Dispatcher dispatcher;
    private final Map<String, RegisteredType<?, ?, ?, ?>> types = new LinkedHashMap<>();
    private volatile boolean started;
    private volatile Timings timings = Timings.NONE;
    private volatile Transport transport;
    private OwnerRoute route;
    private Recoveries recoveries;

    @Inject
    Tidings(ObjectMapper mapper, Vertx vertx, TidingsConfig config,
            @Any Instance<NotificationType<?, ?, ?, ?>> typeBeans, @Any Instance<Transport> transports) {
        this(mapper, vertx, config,
                () -> typeBeans.stream().<NotificationType<?, ?, ?, ?>>map(ClientProxy::unwrap).toList(),
                () -> transports.stream().toList());
    }

    /** Without CDI: the given types (plus {@code tidings.simple-types}) on the given transport. */
    Tidings(ObjectMapper mapper, Vertx vertx, TidingsConfig config,
            Supplier<List<NotificationType<?, ?, ?, ?>>> typeBeans, Supplier<List<Transport>> transports) {
        this.mapper = mapper;
        this.config = config;
        this.typeBeans = typeBeans;
        this.transports = transports;
        this.clients = new ClientTable(config, counters, () -> timings, vertx, () -> transport);
        this.dispatcher = new Dispatcher(mapper, config.prepare().timeout(), () -> timings);
    }

    /** Starts before the application's own start-up observers, so that they may notify. */
    void onStart(@Observes @Priority(Interceptor.Priority.PLATFORM_BEFORE) StartupEvent event) {
        start();
    }

    /** Registers the types and starts the transport; once, whoever asks first. */
    void start() {
        if (!started) {
            startOnce();
        }
    }

    private synchronized void startOnce() {
        if (started) {
            return;
        }
        List<NotificationType<?, ?, ?, ?>> all = new ArrayList<>(typeBeans.get());
        for (String name : config.simpleTypes().orElse(List.of())) {
            all.add(SimpleNotificationType.of(name.trim()));
        }
        for (NotificationType<?, ?, ?, ?> type : all) {
            if (types.containsKey(type.name())) {
                throw new IllegalStateException("two notification types are named " + type.name());
            }
            types.put(type.name(), new RegisteredType<>(type, mapper, config));
        }
        for (String configured : config.types().keySet()) {
            if (!types.containsKey(configured)) {
                throw new IllegalStateException("tidings.types." + configured + " names no notification type; types are "
                        + types.keySet());
            }
        }
        List<Transport> active = transports.get();
        if (active.size() != 1) {
            throw new IllegalStateException("tidings.transport=" + config.transport()
                    + " matches " + active.size() + " transports; use local or kafka");
        }
        transport = active.get(0);
        route = new OwnerRoute(clients, transport);
        if (config.recovery().maxReplay() < 0) {
            throw new IllegalStateException("tidings.recovery.max-replay must not be negative (0: never replay)");
        }
        recoveries = new Recoveries(transport, dispatcher, counters, config.recovery().maxReplay());
        transport.start(new Inbox(Map.copyOf(types), clients, dispatcher, counters));
        types.values().forEach(t -> t.type.bind(this));
        started = true;
        LOG.infof("Tidings started: types %s, %s transport", types.keySet(), config.transport());
    }

    private OwnerRoute route() {
        start();
        return route;
    }

    private RegisteredType<?, ?, ?, ?> registered(String typeName) {
        start();
        RegisteredType<?, ?, ?, ?> t = types.get(typeName);
        if (t == null) {
            throw new TidingsException(TidingsException.Reason.UNKNOWN_TYPE, "no notification type named " + typeName);
        }
        return t;
    }

    @SuppressWarnings("unchecked")
    private <I, K, S, C> RegisteredType<I, K, S, C> registered(NotificationType<I, K, S, C> type) {
        return (RegisteredType<I, K, S, C>) registered(type.name());
    }

    // ---- client processes (Eliom's init / deinit) --------------------------------------------

    /** Eliom's {@code init}: a new client process for this caller; it ends after the grace period unless a stream attaches. */
    public String open(Caller caller) {
        return clients.open(caller).id;
    }

    /** Checks that a caller may resume this client process: it exists here and is the caller's own. */
    public void checkResumable(String clientId, Caller caller) {
        ClientProcess c = clients.get(clientId);
        if (!c.caller.name().equals(caller.name())) {
            throw new TidingsException(TidingsException.Reason.FORBIDDEN, "client " + clientId + " belongs to another identity");
        }
    }

    /**
     * Gives a client process its stream; see {@link ClientConnection} for what is written. With a
     * cursor (the stream's {@code Last-Event-ID}), the stream first receives what the transport's
     * logs hold after it on the process's keys, or {@code missed} for the keys they cannot recover.
     *
     * @param from the cursor to recover from ({@link Cursor#parse}); null: none
     */
    public void attach(String clientId, ClientConnection connection, boolean resumed, Cursor from) {
        ClientProcess c = clients.get(clientId);
        if (from == null) {
            c.attach(connection, resumed, null, null);
        } else {
            start();
            recoveries.attach(c, connection, resumed, from);
        }
    }

    /** The stream ended (the client went away); the grace period starts. */
    public void detach(String clientId, ClientConnection connection) {
        ClientProcess c = clients.find(clientId);
        if (c != null) {
            c.detach(connection);
        }
    }

    /** Ends a client process of this replica at once, telling its stream nothing (one whose stream never opened). */
    public void discard(String clientId) {
        ClientProcess c = clients.find(clientId);
        if (c != null) {
            clients.end(c, null);
        }
    }

    /**
     * Eliom's {@code deinit}, at once and wherever the client process lives. Completes with true
     * when it was ended on this replica, false when the request was forwarded to the others.
     */
    public Uni<Boolean> close(String clientId, Caller caller) {
        return Uni.createFrom().deferred(() -> route().run(clientId, caller, c -> {
            clients.end(c, "closed");
            return Uni.createFrom().voidItem();
        }, () -> new Control.Close(clientId, OwnerRoute.principal(caller))));
    }

    /** Ends every client process of a principal, on every replica. */
    public Uni<Void> disconnect(String callerName) {
        return Uni.createFrom().deferred(() -> {
            start();
            return transport.control(new Control.Disconnect(callerName));
        });
    }

    // ---- listen / unlisten ---------------------------------------------------------------------

    /**
     * Listens or unlistens by text key, as the edges call it. Completes with true when applied on
     * this replica, false when the client lives elsewhere and the request was forwarded to it.
     */
    public Uni<Boolean> listen(String typeName, String clientId, String keyText, Caller caller, boolean listening) {
        return Uni.createFrom().deferred(() -> changeListen(registered(typeName), clientId, keyText, caller, listening));
    }

    private <K> Uni<Boolean> changeListen(RegisteredType<?, K, ?, ?> type, String clientId, String keyText,
            Caller caller, boolean listening) {
        return changeListen(type, clientId, type.key(keyText), caller, listening);
    }

    private <K> Uni<Boolean> changeListen(RegisteredType<?, K, ?, ?> type, String clientId, K key, Caller caller,
            boolean listening) {
        return route().run(clientId, caller, c -> type.change(c, key, listening),
                () -> new Control.Listen(type.name(), clientId, type.keyText(key), listening, OwnerRoute.principal(caller)));
    }

    /** The Java API's listen and unlisten: server code may act on any client process. */
    <K> Uni<Void> listen(NotificationType<?, K, ?, ?> type, String clientId, K key, boolean listening) {
        RegisteredType<?, K, ?, ?> t = registered(type);
        K checked = t.check(key);
        return Uni.createFrom().deferred(() -> changeListen(t, clientId, checked, null, listening)).replaceWithVoid();
    }

    /** Makes every client process of an identity, on every replica, stop listening on a key. */
    public Uni<Void> unlistenIdentity(String typeName, String identityText, String keyText) {
        return Uni.createFrom().deferred(() -> {
            RegisteredType<?, ?, ?, ?> type = registered(typeName);
            type.key(keyText);
            type.identity(identityText);
            return transport.control(new Control.UnlistenIdentity(typeName, identityText, keyText));
        });
    }

    <I, K> Uni<Void> unlistenIdentity(NotificationType<I, K, ?, ?> type, I identity, K key) {
        RegisteredType<I, K, ?, ?> t = registered(type);
        if (identity == null) {
            throw new TidingsException(TidingsException.Reason.BAD_REQUEST, "identity is missing");
        }
        return transport.control(new Control.UnlistenIdentity(t.name(), t.identityText(identity), t.keyText(t.check(key))));
    }

    /** Eliom's {@code clean} for one type. */
    void clean(NotificationType<?, ?, ?, ?> type) {
        registered(type).registry.clean();
    }

    // ---- notify --------------------------------------------------------------------------------

    /**
     * Notifies by text key and JSON, as the edges call it, if the caller may notify this type
     * ({@code tidings.types.<type>.notify}). The JSON travels on exactly as it came: a simple
     * type delivers it byte for byte (numbers of any size and precision unchanged).
     *
     * @param caller who asks; null for trusted server code
     */
    public Uni<Void> notify(String typeName, String keyText, byte[] notificationJson, NotFor notFor, Caller caller) {
        return Uni.createFrom().deferred(() -> notifyJson(registered(typeName), keyText, notificationJson, notFor, caller));
    }

    private <I, K, S> Uni<Void> notifyJson(RegisteredType<I, K, S, ?> type, String keyText, byte[] json, NotFor notFor,
            Caller caller) {
        K key = type.key(keyText);
        type.checkNotify(caller, key);
        Uni<Void> published = publish(type, key, type.read(json), type.checkSize(json), notFor);
        type.meters.fromRest.increment();
        return published;
    }

    /** The Java API's notify: checked now, published by the returned {@code Uni}. */
    <I, K, S> Uni<Void> notify(NotificationType<I, K, S, ?> type, K key, S notification, NotFor notFor) {
        RegisteredType<I, K, S, ?> t = registered(type);
        Uni<Void> published = publish(t, t.check(key), notification, t.encode(notification), notFor);
        t.meters.fromJava.increment();
        return published;
    }

    private <I, K, S> Uni<Void> publish(RegisteredType<I, K, S, ?> type, K key, S notification, byte[] payload,
            NotFor notFor) {
        if (notFor == null) {
            throw new TidingsException(TidingsException.Reason.BAD_REQUEST, "notfor is missing (use NotFor.none())");
        }
        Publication.Checked<I, K, S> checked = new Publication.Checked<>(key, notification, type.skipIdentity(notFor));
        counters.published.increment();
        return transport.publish(new Publication(type.name(), type.keyText(key), payload, notFor, null, checked,
                System.nanoTime()));
    }

    // ---- stats -----------------------------------------------------------------------------------

    public Stats stats() {
        start();
        Map<String, Stats.TypeStats> perType = new TreeMap<>();
        types.forEach((name, t) -> perType.put(name, new Stats.TypeStats(t.registry.keys(), t.registry.listens(),
                t.meters.notifications(), t.meters.deliveries.sum(), t.meters.blocked.sum(),
                t.meters.prepareFailures.sum() + t.meters.prepareTimeouts.sum())));
        List<TypeMeters> meters = types.values().stream().map(t -> t.meters).toList();
        return new Stats(clients.size(), clients.streams(), perType, counters.snapshot(meters));
    }

    /** Reports delivery latencies and prepare durations to {@code timings} from now on (a metrics edge does). */
    public void timeWith(Timings timings) {
        this.timings = timings == null ? Timings.NONE : timings;
    }
}
