package dev.tidings.identity;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

/** How callers are identified. */
@ConfigMapping(prefix = "tidings.identity")
public interface IdentityConfig {

    enum Mode {
        /** Identity from header {@code X-Identity} or query {@code identity}; anyone may notify. Never in production. */
        DEMO,
        /** Identity from a verified MicroProfile JWT: its subject; notifying needs {@link #notifierGroup()}. */
        JWT
    }

    @WithDefault("jwt")
    Mode mode();

    /** The JWT group allowed to notify and to unlisten identities. */
    @WithDefault("notifier")
    String notifierGroup();

    /** A JWT group for operators: it may read {@code /notif/stats}, as the notifier group may. */
    @WithDefault("admin")
    String adminGroup();
}
