package dev.tidings.core;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

/** The core's settings; every limit is here and documented in the README. */
@ConfigMapping(prefix = "tidings")
public interface TidingsConfig {

    /** {@code local} (one replica, the default) or {@code kafka}. */
    @WithDefault("local")
    String transport();

    /** Names of pass-through types declared without Java code (string keys, any JSON). */
    Optional<List<String>> simpleTypes();

    Client client();

    Prepare prepare();

    Limits limits();

    interface Client {
        /** How long a client process outlives its stream, so that a reconnect resumes it. */
        @WithDefault("30s")
        Duration grace();

        /** Notifications waiting for one client (slow socket, pending prepare, detached) before it misses some. */
        @WithDefault("1000")
        int queueLength();

        /** Recent notifications kept per client for replay after {@code Last-Event-ID}. */
        @WithDefault("64")
        int replay();

        /** Client processes one identity may have at once (tabs, plus closed ones within their grace period). */
        @WithDefault("100")
        int maxPerIdentity();

        /** Keys one client process may listen on at once, over all types. */
        @WithDefault("1000")
        int maxListens();
    }

    interface Prepare {
        /** After this, a prepare is abandoned and the notification is not delivered to that identity. */
        @WithDefault("5s")
        Duration timeout();
    }

    interface Limits {
        /** Largest server notification (and request body) accepted, in bytes. */
        @WithDefault("65536")
        int maxPayload();

        /** Longest key, in characters. */
        @WithDefault("512")
        int maxKeyLength();
    }
}
