package dev.tidings.core;

import io.vertx.core.Vertx;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.function.Supplier;

/**
 * The client processes of this replica (Eliom's {@code init} / {@code deinit}): who they belong
 * to, how many each principal holds, and their end, after a grace period without a stream or at
 * once.
 */
final class ClientTable {

    private static final SecureRandom RANDOM = new SecureRandom();

    private final Map<String, ClientProcess> clients = new ConcurrentHashMap<>();
    /** Live client processes per principal, for {@code tidings.client.max-per-identity}. */
    private final Map<String, Integer> perCaller = new ConcurrentHashMap<>();
    private final Map<Executor, DrainLane> lanes = new ConcurrentHashMap<>();
    private final TidingsConfig.Client config;
    private final Capacity capacity;
    private final ClientProcess.Services services;

    ClientTable(TidingsConfig config, Counters counters, Supplier<Timings> timings, Vertx vertx,
            Supplier<Transport> transport) {
        this.config = config.client();
        this.capacity = new Capacity(config.limits());
        this.services = new ClientProcess.Services(config.client(), capacity, counters, timings, vertx,
                executor -> lanes.computeIfAbsent(executor, DrainLane::new), c -> end(c, null), transport);
    }

    /** A new client process; it ends after the grace period unless a stream attaches. */
    ClientProcess open(Caller caller) {
        capacity.checkClients(clients.size());
        int max = config.maxPerIdentity();
        int open = perCaller.merge(caller.name(), 1, Integer::sum);
        if (open > max) {
            release(caller);
            throw new TidingsException(TidingsException.Reason.LIMIT, caller.name() + " has " + max
                    + " client processes already, the limit (tidings.client.max-per-identity)");
        }
        ClientProcess c = new ClientProcess(newId(), caller, services);
        clients.put(c.id, c);
        c.startGrace();
        return c;
    }

    /** The client process of that id here, or null. */
    ClientProcess find(String clientId) {
        return clientId == null ? null : clients.get(clientId);
    }

    /** The client process of that id here, or UNKNOWN_CLIENT. */
    ClientProcess get(String clientId) {
        ClientProcess c = find(clientId);
        if (c == null) {
            throw unknown(clientId);
        }
        return c;
    }

    /**
     * Checks that a caller may act on a client process: an anonymous caller (demo mode, knowing
     * the unguessable id) or server code (null) may; a named one only on its own.
     */
    static void checkOwner(ClientProcess c, Caller caller) {
        if (caller != null && !caller.anonymous() && !caller.name().equals(c.caller.name())) {
            throw new TidingsException(TidingsException.Reason.FORBIDDEN, "client " + c.id + " belongs to another identity");
        }
    }

    /** Ends a client process at once with all its listens; {@code reason} goes to its stream (null: none). */
    void end(ClientProcess c, String reason) {
        synchronized (c) {
            if (c.closed()) {
                return;
            }
            c.close().forEach((l, identity) -> l.type().registry.remove(l.key(), identity, c));
        }
        clients.remove(c.id, c);
        release(c.caller);
        c.hangUp(reason);
    }

    /** Ends every client process of a principal here. */
    void endAll(String callerName, String reason) {
        clients.values().stream().filter(c -> c.caller.name().equals(callerName)).forEach(c -> end(c, reason));
    }

    int size() {
        return clients.size();
    }

    int streams() {
        return (int) clients.values().stream().filter(ClientProcess::attached).count();
    }

    private void release(Caller caller) {
        perCaller.computeIfPresent(caller.name(), (name, n) -> n == 1 ? null : n - 1);
    }

    static TidingsException unknown(String clientId) {
        return new TidingsException(TidingsException.Reason.UNKNOWN_CLIENT,
                "no client process " + clientId + " here (never opened, closed, or past its grace period)");
    }

    private static String newId() {
        byte[] bytes = new byte[16];
        RANDOM.nextBytes(bytes);
        return Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
    }
}
