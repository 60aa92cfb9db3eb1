package dev.tidings.core;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.ObjectReader;
import io.quarkus.arc.ClientProxy;
import io.quarkus.runtime.StartupEvent;
import io.smallrye.mutiny.TimeoutException;
import io.smallrye.mutiny.Uni;
import io.vertx.core.Vertx;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.enterprise.inject.Any;
import jakarta.enterprise.inject.Instance;
import jakarta.inject.Inject;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import org.jboss.logging.Logger;

/**
 * The hub: notification types, client processes, who listens where, and the {@code prepare}
 * pipeline. It knows nothing of HTTP or Kafka: the edges call it with text keys and JSON, the
 * {@link Transport} feeds it publications, and it writes to {@link ClientConnection}s.
 *
 * <p>A notification goes: {@code notify} → {@link Transport#publish} → (every replica)
 * {@link #onPublication} → one {@link Slot} per listening identity, queued at each of its client
 * processes in notify order → {@code prepare} once per identity → the slot is filled with a frame
 * serialised once per distinct client notification → each client process writes it when it
 * reaches the head of its queue.
 */
@ApplicationScoped
public class Tidings implements Transport.Receiver {

    private static final Logger LOG = Logger.getLogger(Tidings.class);
    private static final SecureRandom RANDOM = new SecureRandom();

    private final ObjectMapper mapper;
    private final Vertx vertx;
    private final TidingsConfig config;
    private final Instance<NotificationType<?, ?, ?, ?>> typeBeans;
    private final Instance<Transport> transports;

    private final Map<String, NotificationType<?, ?, ?, ?>> types = new LinkedHashMap<>();
    private final Map<String, ListenerRegistry> registries = new ConcurrentHashMap<>();
    /** Per type: reads a payload strictly (a value followed by anything else is not a notification). */
    private final Map<String, ObjectReader> readers = new ConcurrentHashMap<>();
    private final Map<String, ClientProcess> clients = new ConcurrentHashMap<>();
    private final Map<java.util.concurrent.Executor, DrainLane> lanes = new ConcurrentHashMap<>();
    /** Live client processes per caller name, for {@code tidings.client.max-per-identity}. */
    private final Map<String, Integer> perCaller = new ConcurrentHashMap<>();
    private final Counters counters = new Counters();
    private final LogLimiter badPublicationLog = new LogLimiter(LOG, 10_000);
    private final LogLimiter prepareLog = new LogLimiter(LOG, 10_000);
    private Transport transport;

    @Inject
    public Tidings(ObjectMapper mapper, Vertx vertx, TidingsConfig config,
            @Any Instance<NotificationType<?, ?, ?, ?>> typeBeans, @Any Instance<Transport> transports) {
        this.mapper = mapper;
        this.vertx = vertx;
        this.config = config;
        this.typeBeans = typeBeans;
        this.transports = transports;
    }

    void start(@Observes StartupEvent event) {
        for (NotificationType<?, ?, ?, ?> bean : typeBeans) {
            register(ClientProxy.unwrap(bean));
        }
        for (String name : config.simpleTypes().orElse(List.of())) {
            register(SimpleNotificationType.of(name.trim()));
        }
        List<Transport> active = transports.stream().toList();
        if (active.size() != 1) {
            throw new IllegalStateException("tidings.transport=" + config.transport()
                    + " matches " + active.size() + " transports; use local or kafka");
        }
        transport = active.get(0);
        transport.start(this);
        LOG.infof("Tidings started: types %s, %s transport", types.keySet(), config.transport());
    }

    private void register(NotificationType<?, ?, ?, ?> type) {
        if (types.containsKey(type.name())) {
            throw new IllegalStateException("two notification types are named " + type.name());
        }
        type.bind(this);
        types.put(type.name(), type);
        registries.put(type.name(), new ListenerRegistry());
        readers.put(type.name(), mapper.readerFor(type.serverNotificationClass())
                .with(DeserializationFeature.FAIL_ON_TRAILING_TOKENS));
    }

    // ---- lookups -----------------------------------------------------------------------------

    /** The registered type of that name. */
    public NotificationType<?, ?, ?, ?> type(String name) {
        NotificationType<?, ?, ?, ?> t = types.get(name);
        if (t == null) {
            throw new TidingsException(TidingsException.Reason.UNKNOWN_TYPE, "no notification type named " + name);
        }
        return t;
    }

    public Collection<NotificationType<?, ?, ?, ?>> types() {
        return types.values();
    }

    private ClientProcess client(String clientId) {
        ClientProcess c = clientId == null ? null : clients.get(clientId);
        if (c == null) {
            throw unknownClient(clientId);
        }
        return c;
    }

    private static TidingsException unknownClient(String clientId) {
        return new TidingsException(TidingsException.Reason.UNKNOWN_CLIENT,
                "no client process " + clientId + " here (never opened, closed, or past its grace period)");
    }

    private <K> K parseKey(NotificationType<?, K, ?, ?> type, String text) {
        if (text == null || text.isEmpty()) {
            throw new TidingsException(TidingsException.Reason.BAD_REQUEST, "key is missing");
        }
        if (text.length() > config.limits().maxKeyLength()) {
            throw new TidingsException(TidingsException.Reason.BAD_REQUEST,
                    "key is longer than " + config.limits().maxKeyLength() + " characters (tidings.limits.max-key-length)");
        }
        try {
            return type.parseKey(text);
        } catch (RuntimeException e) {
            throw new TidingsException(TidingsException.Reason.BAD_REQUEST,
                    "not a key of type " + type.name() + ": " + e.getMessage());
        }
    }

    private <I> I parseIdentity(NotificationType<I, ?, ?, ?> type, String text) {
        try {
            return type.parseIdentity(text);
        } catch (RuntimeException e) {
            throw new TidingsException(TidingsException.Reason.BAD_REQUEST,
                    "not an identity of type " + type.name() + ": " + e.getMessage());
        }
    }

    private static void checkOwner(ClientProcess c, Caller requester) {
        if (requester != null && !requester.anonymous() && !requester.name().equals(c.caller.name())) {
            throw new TidingsException(TidingsException.Reason.FORBIDDEN,
                    "client " + c.id + " belongs to another identity");
        }
    }

    // ---- client processes (Eliom's init / deinit) --------------------------------------------

    /** Eliom's {@code init}: a new client process for this caller. It ends after the grace period unless a stream attaches. */
    public String init(Caller caller) {
        int max = config.client().maxPerIdentity();
        int open = perCaller.merge(caller.name(), 1, Integer::sum);
        if (open > max) {
            perCaller.computeIfPresent(caller.name(), (name, n) -> n == 1 ? null : n - 1);
            throw new TidingsException(TidingsException.Reason.LIMIT, caller.name() + " has " + max
                    + " client processes already, the limit (tidings.client.max-per-identity)");
        }
        String id = newClientId();
        ClientProcess c = new ClientProcess(id, caller, config.client(), counters);
        clients.put(id, c);
        startGrace(c);
        return id;
    }

    /** Checks that a caller may resume this client process: it exists here and is the caller's own. */
    public void checkResumable(String clientId, Caller caller) {
        ClientProcess c = client(clientId);
        if (!c.caller.name().equals(caller.name())) {
            throw new TidingsException(TidingsException.Reason.FORBIDDEN,
                    "client " + clientId + " belongs to another identity");
        }
    }

    /** Gives a client process its stream; see {@link ClientConnection} for what is written. */
    public void attach(String clientId, ClientConnection connection, boolean resumed, Long lastEventId) {
        client(clientId).attach(connection, resumed, lastEventId, vertx::cancelTimer,
                executor -> lanes.computeIfAbsent(executor, DrainLane::new));
    }

    /** The stream ended (client went away); the grace period starts. */
    public void detach(String clientId, ClientConnection connection) {
        ClientProcess c = clients.get(clientId);
        if (c != null && c.detach(connection)) {
            startGrace(c);
        }
    }

    private void startGrace(ClientProcess c) {
        long delay = Math.max(1, config.client().grace().toMillis());
        c.startGrace(() -> vertx.setTimer(delay, timerId -> {
            if (c.expire(timerId)) {
                deinit(c, null);
            }
        }), vertx::cancelTimer);
    }

    /** Eliom's {@code deinit}, at once: the client process and all its listens are gone. */
    public void deinit(String clientId, Caller requester) {
        ClientProcess c = client(clientId);
        checkOwner(c, requester);
        deinit(c, "closed");
    }

    /**
     * Ends a client process at once, wherever it lives. Completes with true when it was ended on
     * this replica, false when the request was forwarded to the others.
     */
    public Uni<Boolean> close(String clientId, Caller requester) {
        return Uni.createFrom().deferred(() -> {
            if (clientId != null && !clients.containsKey(clientId) && transport.distributed()) {
                String asker = requester == null || requester.anonymous() ? null : requester.name();
                return transport.control(new Control.Close(clientId, asker)).replaceWith(false);
            }
            deinit(clientId, requester);
            return Uni.createFrom().item(true);
        });
    }

    private void deinit(ClientProcess c, String reason) {
        synchronized (c) {
            if (c.closed()) {
                return;
            }
            c.close().forEach((l, identity) -> registries.get(l.type().name()).remove(l.key(), identity, c));
        }
        clients.remove(c.id, c);
        perCaller.computeIfPresent(c.caller.name(), (name, n) -> n == 1 ? null : n - 1);
        c.hangUp(reason);
    }

    private static String newClientId() {
        byte[] bytes = new byte[16];
        RANDOM.nextBytes(bytes);
        return Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
    }

    // ---- listen / unlisten ---------------------------------------------------------------------

    /**
     * Listens or unlistens by text key, as the edges call it. Completes with true when applied on
     * this replica, false when the client lives elsewhere and the request was forwarded to it.
     */
    public Uni<Boolean> listen(String typeName, String clientId, String keyText, Caller requester, boolean listening) {
        return Uni.createFrom().deferred(() -> listenTyped(type(typeName), clientId, keyText, requester, listening));
    }

    private <I, K> Uni<Boolean> listenTyped(NotificationType<I, K, ?, ?> type, String clientId, String keyText,
            Caller requester, boolean listening) {
        K key = parseKey(type, keyText);
        ClientProcess c = clients.get(clientId == null ? "" : clientId);
        if (c == null) {
            if (clientId != null && transport.distributed()) {
                return transport.control(new Control.Listen(type.name(), clientId, keyText, listening,
                        requester == null || requester.anonymous() ? null : requester.name())).replaceWith(false);
            }
            throw unknownClient(clientId);
        }
        Uni<Void> done = listening ? listen(type, c, key, requester) : unlisten(type, c, key, requester);
        return done.replaceWith(true);
    }

    <I, K> Uni<Void> listen(NotificationType<I, K, ?, ?> type, String clientId, K key, Caller requester) {
        return Uni.createFrom().deferred(() -> {
            ClientProcess c = clients.get(clientId);
            if (c == null && transport.distributed()) {
                return transport.control(new Control.Listen(type.name(), clientId, type.formatKey(key), true, null));
            }
            return listen(type, client(clientId), key, requester);
        });
    }

    <I, K> Uni<Void> unlisten(NotificationType<I, K, ?, ?> type, String clientId, K key, Caller requester) {
        return Uni.createFrom().deferred(() -> {
            ClientProcess c = clients.get(clientId);
            if (c == null && transport.distributed()) {
                return transport.control(new Control.Listen(type.name(), clientId, type.formatKey(key), false, null));
            }
            return unlisten(type, client(clientId), key, requester);
        });
    }

    private <I, K> Uni<Void> listen(NotificationType<I, K, ?, ?> type, ClientProcess c, K key, Caller requester) {
        checkOwner(c, requester);
        return c.identity(type).chain(identity -> type.mayListen(identity, key).map(allowed -> {
            if (!Boolean.TRUE.equals(allowed)) {
                throw new TidingsException(TidingsException.Reason.LISTEN_REFUSED,
                        "type " + type.name() + " refuses this listen for " + type.formatIdentity(identity));
            }
            synchronized (c) {
                if (c.closed()) {
                    throw unknownClient(c.id);
                }
                boolean added = c.addListen(new ClientProcess.Listening(type, key), identity);
                // The confirmation is queued before the registry change, so that it precedes
                // every notification the new listen brings.
                c.queueConfirm(type.name(), type.formatKey(key), true);
                if (added) {
                    registries.get(type.name()).add(key, identity, c);
                }
            }
            c.drain();
            return null;
        }));
    }

    private <I, K> Uni<Void> unlisten(NotificationType<I, K, ?, ?> type, ClientProcess c, K key, Caller requester) {
        checkOwner(c, requester);
        synchronized (c) {
            if (c.closed()) {
                throw unknownClient(c.id);
            }
            Object identity = c.removeListen(new ClientProcess.Listening(type, key));
            if (identity != null) {
                registries.get(type.name()).remove(key, identity, c);
            }
            c.queueConfirm(type.name(), type.formatKey(key), false);
        }
        c.drain();
        return Uni.createFrom().voidItem();
    }

    /** Makes every client process of an identity, on every replica, stop listening on a key. */
    public Uni<Void> unlistenIdentity(String typeName, String identityText, String keyText) {
        return Uni.createFrom().deferred(() -> {
            NotificationType<?, ?, ?, ?> type = type(typeName);
            parseKey(type, keyText);
            if (identityText == null || identityText.isEmpty()) {
                throw new TidingsException(TidingsException.Reason.BAD_REQUEST, "identity is missing");
            }
            parseIdentity(type, identityText);
            return transport.control(new Control.UnlistenIdentity(typeName, identityText, keyText));
        });
    }

    private <I, K> void unlistenIdentityHere(NotificationType<I, K, ?, ?> type, String identityText, String keyText) {
        K key = parseKey(type, keyText);
        I identity = parseIdentity(type, identityText);
        for (ClientProcess c : registries.get(type.name()).clientsOf(key, identity)) {
            try {
                unlisten(type, c, key, null);
            } catch (TidingsException e) {
                // closed meanwhile: nothing left to unlisten
            }
        }
    }

    /**
     * A listen forwarded from another replica was refused here. Its requester already had its 202,
     * so the refusal goes where the client waits for the confirmation: on its stream, as an
     * {@code event: listen} with the key's unchanged state and the error.
     */
    private void refuseForwardedListen(ClientProcess c, Control.Listen l, Throwable failure) {
        TidingsException.Reason reason = failure instanceof TidingsException t ? t.reason() : TidingsException.Reason.BAD_REQUEST;
        boolean listening = c.listening().stream()
                .anyMatch(h -> h.type().name().equals(l.type()) && keyText(h).equals(l.key()));
        c.queueRefusal(l.type(), l.key(), listening, reason.name().toLowerCase(java.util.Locale.ROOT), failure.getMessage());
        c.drain();
    }

    @SuppressWarnings({"unchecked", "rawtypes"})
    private static String keyText(ClientProcess.Listening l) {
        return ((NotificationType) l.type()).formatKey(l.key());
    }

    /** Ends every client process of a caller, on every replica. */
    public Uni<Void> disconnect(String callerName) {
        return transport.control(new Control.Disconnect(callerName));
    }

    /** Eliom's {@code clean} for one type. */
    void clean(NotificationType<?, ?, ?, ?> type) {
        registries.get(type.name()).clean();
    }

    // ---- notify --------------------------------------------------------------------------------

    /** Notifies by text key and JSON, as the edges call it. */
    public Uni<Void> notify(String typeName, String keyText, JsonNode notification, NotFor notFor) {
        return Uni.createFrom().deferred(() -> notifyJson(type(typeName), keyText, notification, notFor));
    }

    private <I, K, S> Uni<Void> notifyJson(NotificationType<I, K, S, ?> type, String keyText, JsonNode json, NotFor notFor) {
        K key = parseKey(type, keyText);
        if (json == null || json.isMissingNode()) {
            throw new TidingsException(TidingsException.Reason.BAD_REQUEST, "notification is missing");
        }
        S notification;
        try {
            notification = mapper.treeToValue(json, type.serverNotificationClass());
        } catch (JsonProcessingException | IllegalArgumentException e) {
            throw new TidingsException(TidingsException.Reason.BAD_REQUEST,
                    "not a notification of type " + type.name() + ": " + rootMessage(e));
        }
        if (notification == null) {
            throw new TidingsException(TidingsException.Reason.BAD_REQUEST, "notification is null");
        }
        return notifyTyped(type, key, notification, notFor);
    }

    <I, K, S> Uni<Void> notify(NotificationType<I, K, S, ?> type, K key, S notification, NotFor notFor) {
        return Uni.createFrom().deferred(() -> notifyTyped(type, key, notification, notFor));
    }

    private <I, K, S> Uni<Void> notifyTyped(NotificationType<I, K, S, ?> type, K key, S notification, NotFor notFor) {
        if (notFor.kind() == NotFor.Kind.IDENTITY) {
            parseIdentity(type, notFor.value());
        }
        byte[] payload;
        try {
            payload = mapper.writeValueAsBytes(notification);
        } catch (JsonProcessingException e) {
            throw new TidingsException(TidingsException.Reason.BAD_REQUEST, "notification cannot be written as JSON: " + e.getMessage());
        }
        if (payload.length > config.limits().maxPayload()) {
            throw new TidingsException(TidingsException.Reason.TOO_LARGE, "notification is " + payload.length
                    + " bytes, over the limit of " + config.limits().maxPayload() + " (tidings.limits.max-payload)");
        }
        counters.published.increment();
        return transport.publish(new Publication(type.name(), type.formatKey(key), payload, notification, notFor));
    }

    private static String rootMessage(Throwable e) {
        Throwable t = e;
        while (t.getCause() != null && t.getCause() != t) {
            t = t.getCause();
        }
        String m = t instanceof JsonProcessingException j ? j.getOriginalMessage() : t.getMessage();
        return m == null ? t.getClass().getSimpleName() : m;
    }

    // ---- what the transport delivers -------------------------------------------------------------

    @Override
    public void onPublication(Publication publication) {
        counters.received.increment();
        NotificationType<?, ?, ?, ?> type = types.get(publication.type());
        if (type == null) {
            rejectPublication(publication, "unknown type");
            return;
        }
        dispatch(type, publication);
    }

    /** Counts and (rate-limited) logs a publication that cannot be delivered; never throws. */
    public void rejectPublication(Publication publication, String why) {
        counters.badPublications.increment();
        badPublicationLog.warn("Skipped a publication of type %s key %s: %s", publication.type(), publication.key(), why);
    }

    /** True when somebody on this replica listens on that key: lets a transport skip a record without parsing it. */
    public boolean hasListeners(String typeName, String keyText) {
        NotificationType<?, ?, ?, ?> type = types.get(typeName);
        if (type == null || keyText == null) {
            return false;
        }
        try {
            return registries.get(typeName).hasListeners(type.parseKey(keyText));
        } catch (RuntimeException e) {
            return false;
        }
    }

    /** Counts a record skipped because nobody here listens on its key. */
    public void skippedNoListener() {
        counters.received.increment();
        counters.noListener.increment();
    }

    @SuppressWarnings("unchecked")
    private <I, K, S, C> void dispatch(NotificationType<I, K, S, C> type, Publication p) {
        ListenerRegistry registry = registries.get(type.name());
        K key;
        try {
            key = type.parseKey(p.key());
        } catch (RuntimeException e) {
            rejectPublication(p, "bad key: " + e.getMessage());
            return;
        }
        if (!registry.hasListeners(key)) {
            counters.noListener.increment();
            return;
        }
        if (p.payload().length > config.limits().maxPayload()) {
            rejectPublication(p, "payload of " + p.payload().length + " bytes is over tidings.limits.max-payload");
            return;
        }
        S notification;
        try {
            notification = p.decoded() != null
                    ? (S) p.decoded()
                    : readers.get(type.name()).<S>readValue(p.payload());
            if (notification == null) {
                throw new IOException("null notification");
            }
        } catch (IOException | RuntimeException e) {
            rejectPublication(p, "payload is not a notification of this type: " + rootMessage(e));
            return;
        }
        I skipIdentity = null;
        String skipClient = null;
        if (p.notFor().kind() == NotFor.Kind.IDENTITY) {
            try {
                skipIdentity = type.parseIdentity(p.notFor().value());
            } catch (RuntimeException e) {
                rejectPublication(p, "bad notfor identity");
                return;
            }
        } else if (p.notFor().kind() == NotFor.Kind.CLIENT) {
            skipClient = p.notFor().value();
        }
        byte[] prefix = framePrefix(type.name(), type.formatKey(key));
        if (type.passesThrough()) {
            Slot slot = new Slot();
            queue(registry, key, skipIdentity, skipClient, (identity, clients) -> slot);
            if (slot.hasTargets()) {
                slot.complete(frame(prefix, singleLine(p.payload())));
            }
            return;
        }
        List<Map.Entry<I, Slot>> work = new ArrayList<>();
        queue(registry, key, skipIdentity, skipClient, (identity, clients) -> {
            Slot slot = new Slot();
            work.add(Map.entry((I) identity, slot));
            return slot;
        });
        Map<Object, byte[]> serialised = new ConcurrentHashMap<>();
        for (Map.Entry<I, Slot> job : work) {
            prepare(type, job.getKey(), notification, job.getValue(), prefix, serialised);
        }
    }

    private interface SlotMaker {
        Slot slotFor(Object identity, List<ClientProcess> clients);
    }

    /** Queues a slot at every listening client process, except those {@code notfor} names, under the key's lock. */
    private static void queue(ListenerRegistry registry, Object key, Object skipIdentity, String skipClient, SlotMaker slots) {
        registry.forEachIdentity(key, (identity, clients) -> {
            if (identity.equals(skipIdentity)) {
                return;
            }
            Slot slot = null;
            for (ClientProcess c : clients) {
                if (c.id.equals(skipClient)) {
                    continue;
                }
                if (slot == null) {
                    slot = slots.slotFor(identity, clients);
                }
                slot.target(c);
                c.enqueue(slot);
            }
        });
    }

    private <I, S, C> void prepare(NotificationType<I, ?, S, C> type, I identity, S notification, Slot slot,
            byte[] prefix, Map<Object, byte[]> serialised) {
        Uni<C> prepared;
        try {
            prepared = type.prepare(identity, notification);
            if (prepared == null) {
                throw new IllegalStateException("prepare returned no Uni (emit a null item to block)");
            }
        } catch (RuntimeException e) {
            prepareFailed(type, identity, e, slot);
            return;
        }
        prepared.ifNoItem().after(config.prepare().timeout()).fail()
                .subscribe().with(client -> {
                    if (client == null) {
                        counters.blocked.increment();
                        slot.complete(null);
                        return;
                    }
                    byte[] frame;
                    try {
                        frame = serialised.computeIfAbsent(client, c -> frame(prefix, json(c)));
                    } catch (RuntimeException e) {
                        prepareFailed(type, identity, e, slot);
                        return;
                    }
                    slot.complete(frame);
                }, failure -> prepareFailed(type, identity, failure, slot));
    }

    private <I> void prepareFailed(NotificationType<I, ?, ?, ?> type, I identity, Throwable failure, Slot slot) {
        if (failure instanceof TimeoutException) {
            counters.prepareTimeouts.increment();
            prepareLog.warn("prepare of type %s for %s took longer than %s; not delivered to it",
                    type.name(), type.formatIdentity(identity), config.prepare().timeout());
        } else {
            counters.prepareFailures.increment();
            prepareLog.warn("prepare of type %s for %s failed; not delivered to it: %s",
                    type.name(), type.formatIdentity(identity), failure);
        }
        slot.complete(null);
    }

    private byte[] json(Object value) {
        try {
            return mapper.writeValueAsBytes(value);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("client notification cannot be written as JSON", e);
        }
    }

    private byte[] framePrefix(String type, String key) {
        try {
            return ("{\"type\":" + mapper.writeValueAsString(type) + ",\"key\":" + mapper.writeValueAsString(key)
                    + ",\"data\":").getBytes(StandardCharsets.UTF_8);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    private static byte[] frame(byte[] prefix, byte[] data) {
        byte[] frame = new byte[prefix.length + data.length + 1];
        System.arraycopy(prefix, 0, frame, 0, prefix.length);
        System.arraycopy(data, 0, frame, prefix.length, data.length);
        frame[frame.length - 1] = '}';
        return frame;
    }

    /**
     * JSON from outside may be pretty-printed; an SSE {@code data:} line must not break. Raw line
     * breaks can only be whitespace between tokens in valid JSON, so a space does instead.
     */
    private static byte[] singleLine(byte[] json) {
        byte[] copy = null;
        for (int i = 0; i < json.length; i++) {
            if (json[i] == '\n' || json[i] == '\r') {
                if (copy == null) {
                    copy = json.clone();
                }
                copy[i] = ' ';
            }
        }
        return copy == null ? json : copy;
    }

    @Override
    public void onControl(Control control) {
        try {
            if (control instanceof Control.Listen l) {
                ClientProcess c = clients.get(l.client());
                if (c != null) {
                    Caller requester = l.requester() == null ? null : Caller.named(l.requester());
                    listenTyped(type(l.type()), l.client(), l.key(), requester, l.listening())
                            .subscribe().with(ok -> { }, e -> refuseForwardedListen(c, l, e));
                }
            } else if (control instanceof Control.UnlistenIdentity u) {
                unlistenIdentityHere(type(u.type()), u.identity(), u.key());
            } else if (control instanceof Control.Close close) {
                ClientProcess c = clients.get(close.client());
                if (c != null) {
                    checkOwner(c, close.requester() == null ? null : Caller.named(close.requester()));
                    deinit(c, "closed");
                }
            } else if (control instanceof Control.Disconnect d) {
                clients.values().stream()
                        .filter(c -> c.caller.name().equals(d.caller()))
                        .forEach(c -> deinit(c, "disconnected"));
            }
        } catch (TidingsException e) {
            badPublicationLog.warn("Skipped a control message %s: %s", control, e.getMessage());
        }
    }

    // ---- stats -----------------------------------------------------------------------------------

    public Stats stats() {
        Map<String, Stats.TypeStats> perType = new TreeMap<>();
        registries.forEach((name, r) -> perType.put(name, new Stats.TypeStats(r.keys(), r.listens())));
        int streams = (int) clients.values().stream().filter(ClientProcess::attached).count();
        return new Stats(clients.size(), streams, perType, counters.snapshot());
    }
}
