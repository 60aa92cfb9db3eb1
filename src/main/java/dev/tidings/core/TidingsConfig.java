package dev.tidings.core;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import io.smallrye.config.WithName;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** The core's settings; every limit is here and documented in the README. */
@ConfigMapping(prefix = "tidings")
public interface TidingsConfig {

    /** {@code local} (one replica, the default) or {@code kafka}. */
    @WithDefault("local")
    String transport();

    /** Names of pass-through types declared without Java code (string keys, any JSON). */
    Optional<List<String>> simpleTypes();

    /** Per notification type, by name: who may listen on it and who may notify it. */
    Map<String, TypeAccess> types();

    /**
     * The group whose members may notify a type that sets no notify rule (the same key the
     * identity edge reads; in demo mode every caller is in it).
     */
    @WithName("identity.notifier-group")
    @WithDefault("notifier")
    String notifierGroup();

    Client client();

    Prepare prepare();

    Limits limits();

    Recovery recovery();

    /** {@code tidings.types.<type>.*}: see {@link AccessRule} for the forms a rule takes. */
    interface TypeAccess {
        /** Who may listen on the type's keys: {@code anyone} (the default), {@code owner}, {@code claim:<name>}, {@code group:<name>}. */
        @WithName("listen")
        @WithDefault("anyone")
        String listenRule();

        /** Who may notify the type over the HTTP API, in the same forms; by default the notifier group. */
        @WithName("notify")
        Optional<String> notifyRule();

        /** Publications of this type the in-process log keeps for recovery; by default {@code tidings.recovery.retention-count}. */
        Optional<Integer> retentionCount();
    }

    /** The in-process transport's log, from which a stream recovers by cursor (Kafka keeps its own). */
    interface Recovery {
        /** Publications kept per type (the newest); a cursor older than them gets {@code missed}. */
        @WithDefault("10000")
        int retentionCount();

        /** How long a publication is kept at most. */
        @WithDefault("5m")
        Duration retentionTime();

        /**
         * The most notifications one recovery replays to a stream, over all its logs. A client further
         * behind (away long on a busy key, or a forged {@code Last-Event-ID} on the Kafka transport,
         * whose log holds far more than the in-process one) is told {@code missed} ({@code overflow})
         * for the keys of the logs that did not fit, and refetches them: replayed notifications wait in
         * memory until the stream takes them, so an old cursor must not make a replica hold a log's
         * worth for each stream. 0: never replay; negative: refused at start.
         */
        @WithDefault("10000")
        int maxReplay();
    }

    interface Client {
        /** How long a client process outlives its stream, so that a reconnect resumes it. */
        @WithDefault("30s")
        Duration grace();

        /** Notifications waiting for one client (slow socket, pending prepare, detached) before it misses some. */
        @WithDefault("1000")
        int queueLength();

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

        /** Client processes this replica holds at once, over all identities (503 beyond). */
        @WithDefault("50000")
        int maxClients();

        /** Listens this replica holds at once, over all client processes and types (503 beyond). */
        @WithDefault("1000000")
        long maxListens();

        /** What a 503 for a full replica suggests in {@code Retry-After}. */
        @WithDefault("10s")
        Duration retryAfter();
    }
}
