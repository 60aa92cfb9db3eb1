package dev.tidings.core;

import java.util.Map;
import java.util.Set;
import org.jboss.logging.Logger;

/**
 * What a {@link Transport} delivers to on this replica: publications go to the {@link Dispatcher}
 * (validated first when they came from elsewhere), control messages to the client processes
 * they name. Nothing here throws back into a transport: a bad record is counted and logged.
 */
final class Inbox implements Transport.Receiver {

    private static final Logger LOG = Logger.getLogger(Inbox.class);

    private final Map<String, RegisteredType<?, ?, ?, ?>> types;
    private final ClientTable clients;
    private final Dispatcher dispatcher;
    private final Counters counters;
    private final LogLimiter rejectedLog = new LogLimiter(LOG, 10_000);

    Inbox(Map<String, RegisteredType<?, ?, ?, ?>> types, ClientTable clients, Dispatcher dispatcher, Counters counters) {
        this.types = types;
        this.clients = clients;
        this.dispatcher = dispatcher;
        this.counters = counters;
    }

    @Override
    public Set<String> types() {
        return Set.copyOf(types.keySet());
    }

    @Override
    public boolean listensOn(String type, String key) {
        RegisteredType<?, ?, ?, ?> t = types.get(type);
        if (t == null || key == null) {
            return false;
        }
        try {
            return t.registry.hasListeners(t.type.keys().parse(key));
        } catch (RuntimeException e) {
            return false;
        }
    }

    @Override
    public void skipped(String type) {
        counters.received.increment();
        counters.noListener.increment();
        RegisteredType<?, ?, ?, ?> t = types.get(type);
        if (t != null) {
            t.meters.fromTransport.increment();
        }
    }

    @Override
    public void onPublication(Publication p) {
        counters.received.increment();
        RegisteredType<?, ?, ?, ?> type = types.get(p.type());
        if (type == null) {
            reject(p, "no notification type " + p.type() + " here");
            return;
        }
        deliver(type, p);
    }

    @SuppressWarnings("unchecked")
    private <I, K, S, C> void deliver(RegisteredType<I, K, S, C> type, Publication p) {
        Publication.Checked<I, K, S> n = (Publication.Checked<I, K, S>) p.checked;
        if (n == null) {
            type.meters.fromTransport.increment();
            K key;
            try {
                key = type.key(p.key());
            } catch (TidingsException e) {
                reject(p, e.getMessage());
                return;
            }
            if (!type.registry.hasListeners(key)) {
                counters.noListener.increment();
                return;
            }
            try {
                n = type.check(p, key);
            } catch (IllegalArgumentException e) {
                reject(p, e.getMessage());
                return;
            }
        } else if (!type.registry.hasListeners(n.key())) {
            counters.noListener.increment();
            return;
        }
        dispatcher.dispatch(type, n, p);
    }

    private void reject(Publication p, String why) {
        rejected(p.origin() != null ? p.origin() : p.type() + " key " + p.key(), why);
    }

    @Override
    public void rejected(Object origin, String why) {
        counters.badPublications.increment();
        rejectedLog.warn("Skipped a record (%s): %s", origin, why);
    }

    @Override
    public void onControl(Control control) {
        try {
            if (control instanceof Control.Listen l) {
                listen(l);
            } else if (control instanceof Control.UnlistenIdentity u) {
                unlistenIdentity(type(u.type()), u.identity(), u.key());
            } else if (control instanceof Control.Close close) {
                ClientProcess c = clients.find(close.client());
                if (c != null) {
                    ClientTable.checkOwner(c, OwnerRoute.caller(close.caller()));
                    clients.end(c, "closed");
                }
            } else if (control instanceof Control.Disconnect d) {
                clients.endAll(d.caller(), "disconnected");
            }
        } catch (TidingsException | IllegalArgumentException e) {
            rejected(control, e.getMessage());
        }
    }

    /** A listen change forwarded by another replica: applied if the client lives here; a refusal goes to its stream. */
    private void listen(Control.Listen l) {
        ClientProcess c = clients.find(l.client());
        if (c == null) {
            return; // another replica holds it
        }
        changeListen(type(l.type()), c, l);
    }

    private <K> void changeListen(RegisteredType<?, K, ?, ?> type, ClientProcess c, Control.Listen l) {
        io.smallrye.mutiny.Uni.createFrom().deferred(() -> {
            K key = type.key(l.key());
            ClientTable.checkOwner(c, OwnerRoute.caller(l.caller()));
            return type.change(c, key, l.listening());
        }).subscribe().with(done -> { }, failure -> type.refuse(c, l.key(), failure));
    }

    private <I, K> void unlistenIdentity(RegisteredType<I, K, ?, ?> type, String identity, String key) {
        type.unlistenIdentity(type.identity(identity), type.key(key));
    }

    private RegisteredType<?, ?, ?, ?> type(String name) {
        RegisteredType<?, ?, ?, ?> t = types.get(name);
        if (t == null) {
            throw new IllegalArgumentException("no notification type " + name + " here");
        }
        return t;
    }
}
