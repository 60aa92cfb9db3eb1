package dev.tidings.core;

import java.util.concurrent.atomic.AtomicLong;

/**
 * What this replica holds in all, so that a few identities cannot take the whole heap:
 * {@code tidings.limits.max-clients} client processes and {@code tidings.limits.max-listens}
 * listens. Past either, a new one is refused with {@link TidingsException.Reason#CAPACITY}.
 */
final class Capacity {

    private final TidingsConfig.Limits limits;
    private final AtomicLong listens = new AtomicLong();

    Capacity(TidingsConfig.Limits limits) {
        this.limits = limits;
    }

    void checkClients(int held) {
        if (held >= limits.maxClients()) {
            throw full(held + " client processes, the limit (tidings.limits.max-clients)");
        }
    }

    /** Takes one listen from the budget, or refuses. */
    void takeListen() {
        long max = limits.maxListens();
        if (listens.getAndUpdate(n -> n < max ? n + 1 : n) >= max) {
            throw full(max + " listens, the limit (tidings.limits.max-listens)");
        }
    }

    void releaseListens(int count) {
        listens.addAndGet(-count);
    }

    private TidingsException full(String what) {
        return new TidingsException(TidingsException.Reason.CAPACITY, "this replica holds " + what + "; try again later",
                null, limits.retryAfter());
    }
}
