package dev.tidings.core;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.ObjectReader;
import io.smallrye.mutiny.Uni;
import java.io.IOException;

/**
 * A notification type as this replica runs it: the type with its listener registry, its strict
 * JSON reader and the validation of keys, identities and notifications on their way in. Every
 * check a request or record needs is here, made once.
 */
final class RegisteredType<I, K, S, C> {

    final NotificationType<I, K, S, C> type;
    final ListenerRegistry registry = new ListenerRegistry();
    final TypeMeters meters = new TypeMeters();
    private final String name;
    private final ObjectMapper mapper;
    /** Reads a payload strictly: a value followed by anything else is not a notification. */
    private final ObjectReader reader;
    private final TidingsConfig.Limits limits;
    private final AccessRule listenRule;
    private final AccessRule notifyRule;
    private final String listenSetting;

    RegisteredType(NotificationType<I, K, S, C> type, ObjectMapper mapper, TidingsConfig config) {
        this.type = type;
        this.name = type.name();
        this.mapper = mapper;
        this.reader = mapper.readerFor(type.serverNotificationClass()).with(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);
        this.limits = config.limits();
        TidingsConfig.TypeAccess access = config.types().get(name);
        String listen = access == null ? "anyone" : access.listenRule();
        String notify = access == null ? null : access.notifyRule().orElse(null);
        this.listenSetting = "tidings.types." + name + ".listen=" + listen;
        this.listenRule = AccessRule.parse(listen, "tidings.types." + name + ".listen");
        this.notifyRule = notify == null ? new AccessRule.Group(config.notifierGroup())
                : AccessRule.parse(notify, "tidings.types." + name + ".notify");
    }

    /**
     * Checks that a caller may notify this key over an edge ({@code tidings.types.<type>.notify});
     * server code (no caller) always may. For {@code owner}, the key must be the caller's name.
     */
    void checkNotify(Caller caller, K key) {
        if (caller != null && !notifyRule.allows(caller, caller.name(), keyText(key))) {
            throw new TidingsException(TidingsException.Reason.FORBIDDEN, caller.name() + " may not notify type " + name
                    + " on this key (tidings.types." + name + ".notify, by default the notifier group)");
        }
    }

    String name() {
        return name;
    }

    // ---- the way in -----------------------------------------------------------------------------

    /** A key from its text form, or BAD_REQUEST. */
    K key(String text) {
        checkKeyText(text);
        try {
            return type.keys().parse(text);
        } catch (RuntimeException e) {
            throw bad("not a key of type " + name + ": " + e.getMessage());
        }
    }

    /** Checks a key given by server code as {@link #key(String)} checks one given as text. */
    K check(K key) {
        if (key == null) {
            throw bad("key is missing");
        }
        checkKeyText(keyText(key));
        return key;
    }

    private void checkKeyText(String text) {
        if (text == null || text.isEmpty()) {
            throw bad("key is missing");
        }
        if (text.length() > limits.maxKeyLength()) {
            throw bad("key is longer than " + limits.maxKeyLength() + " characters (tidings.limits.max-key-length)");
        }
    }

    String keyText(K key) {
        return type.keys().format(key);
    }

    /** The text form of a key of this type held untyped (a {@link ClientProcess.Listening}'s). */
    @SuppressWarnings("unchecked")
    String keyTextOf(Object key) {
        return keyText((K) key);
    }

    /** An identity from its text form, or BAD_REQUEST. */
    I identity(String text) {
        if (text == null || text.isEmpty()) {
            throw bad("identity is missing");
        }
        try {
            return type.identities().parse(text);
        } catch (RuntimeException e) {
            throw bad("not an identity of type " + name + ": " + e.getMessage());
        }
    }

    String identityText(I identity) {
        return type.identities().format(identity);
    }

    /** The identity a {@code notfor} names, parsed, or null. */
    I skipIdentity(NotFor notFor) {
        return notFor instanceof NotFor.Identity i ? identity(i.identity()) : null;
    }

    /** A server notification from a request's JSON, or BAD_REQUEST. */
    S read(byte[] json) {
        if (json == null || json.length == 0) {
            throw bad("notification is missing");
        }
        S notification;
        try {
            notification = reader.readValue(json);
        } catch (IOException | RuntimeException e) {
            throw bad("not a notification of type " + name + ": " + rootMessage(e));
        }
        if (notification == null) {
            throw bad("notification is null");
        }
        return notification;
    }

    /** The payload as server code gives it, written as JSON, or TOO_LARGE. */
    byte[] encode(S notification) {
        if (notification == null) {
            throw bad("notification is missing");
        }
        try {
            return checkSize(mapper.writeValueAsBytes(notification));
        } catch (JsonProcessingException e) {
            throw bad("notification cannot be written as JSON: " + e.getOriginalMessage());
        }
    }

    /** The payload, if it is within {@code tidings.limits.max-payload}; else TOO_LARGE. */
    byte[] checkSize(byte[] payload) {
        if (payload.length > limits.maxPayload()) {
            throw new TidingsException(TidingsException.Reason.TOO_LARGE, "notification is " + payload.length
                    + " bytes, over the limit of " + limits.maxPayload() + " (tidings.limits.max-payload)");
        }
        return payload;
    }

    /**
     * Validates the rest of a publication that came from elsewhere (another replica, an outside
     * producer), whose key was already read.
     *
     * @throws IllegalArgumentException with what is wrong with it
     */
    Publication.Checked<I, K, S> check(Publication p, K key) {
        if (p.payload().length > limits.maxPayload()) {
            throw new IllegalArgumentException("payload of " + p.payload().length
                    + " bytes is over tidings.limits.max-payload");
        }
        S notification;
        try {
            notification = reader.readValue(p.payload());
        } catch (IOException | RuntimeException e) {
            throw new IllegalArgumentException("payload is not a notification of this type: " + rootMessage(e));
        }
        if (notification == null) {
            throw new IllegalArgumentException("payload is null");
        }
        try {
            return new Publication.Checked<>(key, notification, skipIdentity(p.notFor()));
        } catch (TidingsException e) {
            throw new IllegalArgumentException("bad notfor: " + e.getMessage());
        }
    }

    // ---- listens ----------------------------------------------------------------------------------

    /**
     * Makes a client process listen on a key, as the identity its caller has for this type, if
     * {@link NotificationType#mayListen} agrees. The confirmation is queued before the registry
     * changes, so that it precedes every notification the new listen brings.
     */
    Uni<Void> listen(ClientProcess c, K key) {
        return c.identity(this).chain(identity -> {
            if (!listenRule.allows(c.caller, identityText(identity), keyText(key))) {
                throw new TidingsException(TidingsException.Reason.LISTEN_REFUSED,
                        identityText(identity) + " may not listen on this key (" + listenSetting + ")");
            }
            return type.mayListen(identity, key).map(allowed -> {
                if (!Boolean.TRUE.equals(allowed)) {
                    throw new TidingsException(TidingsException.Reason.LISTEN_REFUSED,
                            "type " + name + " refuses this listen for " + identityText(identity));
                }
                synchronized (c) {
                    if (c.closed()) {
                        throw ClientTable.unknown(c.id);
                    }
                    boolean added = c.addListen(new ClientProcess.Listening(this, key), identity);
                    c.queueListenEvent(new ClientProcess.ListenEvent(name, keyText(key), true, null, null));
                    if (added) {
                        registry.add(key, identity, c);
                    }
                }
                c.drain();
                return null;
            });
        });
    }

    /** Listens or unlistens, as a request asks. */
    Uni<Void> change(ClientProcess c, K key, boolean listening) {
        if (listening) {
            return listen(c, key);
        }
        unlisten(c, key);
        return Uni.createFrom().voidItem();
    }

    /** Makes a client process stop listening on a key (confirmed even when it was not listening). */
    void unlisten(ClientProcess c, K key) {
        synchronized (c) {
            if (c.closed()) {
                throw ClientTable.unknown(c.id);
            }
            Object identity = c.removeListen(new ClientProcess.Listening(this, key));
            if (identity != null) {
                registry.remove(key, identity, c);
            }
            c.queueListenEvent(new ClientProcess.ListenEvent(name, keyText(key), false, null, null));
        }
        c.drain();
    }

    /** Makes every client process of an identity here stop listening on a key. */
    void unlistenIdentity(I identity, K key) {
        for (ClientProcess c : registry.clientsOf(key, identity)) {
            try {
                unlisten(c, key);
            } catch (TidingsException e) {
                // closed meanwhile: nothing left to unlisten
            }
        }
    }

    /**
     * A listen change forwarded from another replica was refused here. Its caller already had its
     * 202, so the refusal goes where the client waits for the confirmation: on its stream, with the
     * key's unchanged state.
     */
    void refuse(ClientProcess c, String keyText, Throwable failure) {
        TidingsException.Reason reason = failure instanceof TidingsException t ? t.reason() : TidingsException.Reason.BAD_REQUEST;
        boolean listening;
        try {
            K key = key(keyText);
            synchronized (c) {
                listening = c.listensOn(new ClientProcess.Listening(this, key));
            }
        } catch (TidingsException badKey) {
            listening = false;
        }
        c.queueListenEvent(new ClientProcess.ListenEvent(name, keyText, listening, reason, failure.getMessage()));
        c.drain();
    }

    private static TidingsException bad(String message) {
        return new TidingsException(TidingsException.Reason.BAD_REQUEST, message);
    }

    static String rootMessage(Throwable e) {
        Throwable t = e;
        while (t.getCause() != null && t.getCause() != t) {
            t = t.getCause();
        }
        String m = t instanceof JsonProcessingException j ? j.getOriginalMessage() : t.getMessage();
        return m == null ? t.getClass().getSimpleName() : m;
    }

    @Override
    public String toString() {
        return name;
    }
}
