package dev.tidings.core;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.BiConsumer;

/**
 * Who listens on which key of one notification type: key → identity → client processes. Eliom
 * keeps the same table (key → set of (identity, tab)).
 *
 * <p>All changes to one key, and every dispatch on it, run inside {@link ConcurrentHashMap}'s
 * per-bin lock for that key. That makes a dispatch atomic with respect to listens on the same
 * key: every client sees notifications of one key in one order. A key whose last listener leaves
 * is removed at once, so an idle registry is empty.
 */
final class ListenerRegistry {

    private final ConcurrentHashMap<Object, Map<Object, List<ClientProcess>>> byKey = new ConcurrentHashMap<>();
    private final LongAdder listens = new LongAdder();

    void add(Object key, Object identity, ClientProcess client) {
        byKey.compute(key, (k, identities) -> {
            Map<Object, List<ClientProcess>> m = identities == null ? new HashMap<>(4) : identities;
            m.computeIfAbsent(identity, i -> new ArrayList<>(2)).add(client);
            return m;
        });
        listens.increment();
    }

    void remove(Object key, Object identity, ClientProcess client) {
        byKey.computeIfPresent(key, (k, identities) -> {
            List<ClientProcess> clients = identities.get(identity);
            if (clients != null && clients.remove(client)) {
                listens.decrement();
                if (clients.isEmpty()) {
                    identities.remove(identity);
                }
            }
            return identities.isEmpty() ? null : identities;
        });
    }

    boolean hasListeners(Object key) {
        return byKey.containsKey(key);
    }

    /**
     * Runs {@code visit} for each identity listening on the key with its client processes, under
     * the key's lock. The visitor must be quick and must not change this registry.
     */
    void forEachIdentity(Object key, BiConsumer<Object, List<ClientProcess>> visit) {
        byKey.computeIfPresent(key, (k, identities) -> {
            identities.forEach(visit);
            return identities;
        });
    }

    /** A copy of the client processes of one identity on one key. */
    List<ClientProcess> clientsOf(Object key, Object identity) {
        List<ClientProcess> copy = new ArrayList<>();
        byKey.computeIfPresent(key, (k, identities) -> {
            List<ClientProcess> clients = identities.get(identity);
            if (clients != null) {
                copy.addAll(clients);
            }
            return identities;
        });
        return copy;
    }

    int keys() {
        return byKey.size();
    }

    long listens() {
        return listens.sum();
    }

    /** Eliom's {@code clean}: drops keys left with nobody. */
    void clean() {
        for (Object key : byKey.keySet()) {
            byKey.computeIfPresent(key, (k, identities) -> {
                identities.values().removeIf(List::isEmpty);
                return identities.isEmpty() ? null : identities;
            });
        }
    }
}
