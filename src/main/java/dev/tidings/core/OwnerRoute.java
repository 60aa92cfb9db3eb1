package dev.tidings.core;

import io.smallrye.mutiny.Uni;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * Where a request about one client process runs: here when this replica holds the process (after
 * checking that the caller may act on it), else on the replica that does, by a control message
 * over the transport. Listen, unlisten and close all go this way.
 */
final class OwnerRoute {

    private final ClientTable clients;
    private final Transport transport;

    OwnerRoute(ClientTable clients, Transport transport) {
        this.clients = clients;
        this.transport = transport;
    }

    /**
     * Completes with true when applied here, false when forwarded (the owner checks the caller
     * there and reports a refusal on the client's stream); UNKNOWN_CLIENT when no replica can hold it.
     */
    Uni<Boolean> run(String clientId, Caller caller, Function<ClientProcess, Uni<Void>> here, Supplier<Control> forward) {
        ClientProcess c = clients.find(clientId);
        if (c == null) {
            if (clientId != null && transport.distributed()) {
                return transport.control(forward.get()).replaceWith(false);
            }
            throw ClientTable.unknown(clientId);
        }
        ClientTable.checkOwner(c, caller);
        return here.apply(c).replaceWith(true);
    }

    /** The principal name a forwarded request carries: none for server code and anonymous callers. */
    static String principal(Caller caller) {
        return caller == null || caller.anonymous() ? null : caller.name();
    }

    /** The caller a forwarded request stands for, as {@link #principal} recorded it. */
    static Caller caller(String principal) {
        return principal == null ? null : Caller.named(principal);
    }
}
