package dev.tidings.kafka;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;

/**
 * Settings of the Kafka transport ({@code tidings.transport=kafka}); every one is documented in
 * {@code docs/kafka.md}. Kafka client settings themselves come from {@code kafka.*}
 * ({@code kafka.bootstrap.servers} and any producer, consumer or admin property).
 */
@ConfigMapping(prefix = "tidings.kafka")
public interface KafkaTransportConfig {

    /** Topic of a type is this prefix followed by the type's name, unless {@link #topics()} names it. */
    @WithDefault("tidings.")
    String topicPrefix();

    /** Explicit topic per type name, e.g. {@code tidings.kafka.topics.chat=prod.chat-notifications}. */
    Map<String, String> topics();

    /** The topic carrying control messages (forwarded listen/unlisten, unlisten-identity, disconnect). */
    @WithDefault("tidings.control")
    String controlTopic();

    /**
     * How long a notify (or a forwarded listen) may wait for the broker's acknowledgement before it
     * fails as unavailable (HTTP 503). Bounds {@code max.block.ms} and {@code delivery.timeout.ms}.
     */
    @WithDefault("5s")
    Duration sendTimeout();

    /** Create missing topics at start with the admin client. */
    @WithDefault("true")
    boolean createTopics();

    /** Partitions of topics created at start; unset: the broker's {@code num.partitions}. */
    Optional<Integer> partitions();

    /** Replication factor of topics created at start; unset: the broker's {@code default.replication.factor}. */
    Optional<Short> replicationFactor();

    /** How long the readiness check waits for the broker to answer. */
    @WithDefault("2s")
    Duration healthTimeout();

    /** How often the consumer looks for partitions added to the topics while running. */
    @WithDefault("30s")
    Duration metadataRefresh();

    /**
     * {@code retention.ms} of the topics created at start: how far back a client's cursor can
     * recover from the log (docs/kafka.md, "Recovery"). Topics that exist already keep theirs.
     */
    @WithDefault("1h")
    Duration retention();

    /** Recovery by cursor after a client moved replica. */
    Recovery recovery();

    interface Recovery {

        /**
         * Records of each partition kept in memory, as read, for recoveries: a cursor within them
         * is served without asking the broker; an older one is read back from the topic. At least
         * one is kept: 0 keeps one.
         */
        @WithDefault("5000")
        int tailRecords();

        /** How long reading older records back from the broker may take before the keys are reported missed. */
        @WithDefault("10s")
        Duration readTimeout();

        /**
         * The most records (offsets) of one partition a recovery reads back from the broker. A
         * cursor further behind than this on a partition (a client away for an hour on a busy
         * partition, or a forged {@code Last-Event-ID} asking for the whole topic) is answered like
         * one past retention: the keys of that partition are reported missed. The reader is shared
         * by every recovery of this replica, so one such cursor must not keep it busy, and the others
         * waiting, for the whole read timeout. The limit is per partition: a client listening on keys
         * of several partitions may have up to this much of each read. 0: never read back.
         */
        @WithDefault("100000")
        int maxRead();
    }
}
