package dev.tidings.kafka;

import io.smallrye.common.annotation.Identifier;
import io.smallrye.reactive.messaging.ClientCustomizer;
import io.opentelemetry.api.OpenTelemetry;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Instance;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Inject;
import java.net.InetAddress;
import java.util.HashMap;
import java.util.Map;
import java.util.Objects;
import java.util.UUID;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.CooperativeStickyAssignor;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.eclipse.microprofile.config.Config;
import org.jboss.logging.Logger;

/**
 * The settings of the Kafka transport's two channels on SmallRye Reactive Messaging's Kafka
 * connector ({@code smallrye-kafka}). Three layers, the connector's own:
 *
 * <ol>
 *   <li>{@code application.properties}: what never changes ({@code mp.messaging.incoming.tidings-in.*}:
 *       batch consumption, byte-array deserializers, no commits, paused until the topics exist;
 *       {@code mp.messaging.outgoing.tidings-out.*}: byte-array serializers). Users may add any
 *       connector attribute or Kafka client property there, and every {@code kafka.*} property
 *       reaches both clients (Quarkus' default Kafka configuration).
 *   <li>The channel configuration beans below ({@code @Identifier("tidings-in")} and
 *       {@code @Identifier("tidings-out")}, found by the connector by channel name): what is only
 *       known at run time, such as the topics of the registered types and this replica's group.
 *   <li>{@link #customize}: the client properties that Tidings' guarantees depend on, applied
 *       last, over anything configured (with a warning when a configured value is replaced).
 * </ol>
 */
@ApplicationScoped
public class KafkaChannels implements ClientCustomizer<Map<String, Object>> {

    /** The broadcast channel every replica reads: every type's topic and the control topic. */
    public static final String IN = "tidings-in";
    /** The channel publications and control messages are written to. */
    public static final String OUT = "tidings-out";

    private static final Logger LOG = Logger.getLogger(KafkaChannels.class);

    private final KafkaTransportConfig config;
    private final Instance<KafkaTransport> transport;
    private final Instance<OpenTelemetry> openTelemetry;
    private final BroadcastConsumer consumer;
    /** This replica's own consumer group and client ids: no two replicas share a group. */
    private final String replicaId;
    /** {@code kafka.group.id}, which the other Kafka clients of the application may use, but this channel must not. */
    private final String sharedGroup;

    @Inject
    public KafkaChannels(KafkaTransportConfig config, Instance<KafkaTransport> transport, Instance<OpenTelemetry> openTelemetry,
            BroadcastConsumer consumer, Config mpConfig) {
        this.config = config;
        this.transport = transport;
        this.openTelemetry = openTelemetry;
        this.consumer = consumer;
        String uuid = mpConfig.getOptionalValue("quarkus.uuid", String.class).orElseGet(() -> UUID.randomUUID().toString());
        this.replicaId = "tidings-" + hostName() + "-" + uuid;
        this.sharedGroup = mpConfig.getOptionalValue("kafka.group.id", String.class).orElse(null);
    }

    /** The group of this replica's consumer: unique, so that every replica reads every record. */
    String groupId() {
        return replicaId;
    }

    /** Run-time settings of the incoming channel; {@code mp.messaging.incoming.tidings-in.*} overrides them. */
    @Produces
    @Identifier(IN)
    Map<String, Object> incoming() {
        if (sharedGroup != null) {
            LOG.warnf("Ignoring kafka.group.id=%s on channel %s: every replica reads every record in a group of its own (%s)",
                    sharedGroup, IN, replicaId);
        }
        Map<String, Object> m = new HashMap<>();
        m.put("topics", String.join(",", started().all()));
        m.put(ConsumerConfig.GROUP_ID_CONFIG, replicaId);
        m.put(ConsumerConfig.CLIENT_ID_CONFIG, replicaId + "-consumer");
        // how soon partitions added later, or topics created after start, are read
        m.put(ConsumerConfig.METADATA_MAX_AGE_CONFIG, Long.toString(Math.max(1, config.metadataRefresh().toMillis())));
        m.put("tracing-enabled", Boolean.toString(openTelemetry.isResolvable()));
        return m;
    }

    /** Run-time settings of the outgoing channel; {@code mp.messaging.outgoing.tidings-out.*} overrides them. */
    @Produces
    @Identifier(OUT)
    Map<String, Object> outgoing() {
        Map<String, Object> m = new HashMap<>();
        m.put(ProducerConfig.CLIENT_ID_CONFIG, replicaId + "-producer");
        m.put("tracing-enabled", Boolean.toString(openTelemetry.isResolvable()));
        return m;
    }

    private Topics started() {
        if (!transport.isResolvable()) {
            throw new IllegalStateException("the " + IN + " channel is enabled but tidings.transport is not kafka");
        }
        Topics topics = transport.get().topicsInUse();
        if (topics == null) {
            throw new IllegalStateException("the Kafka transport has not started: Tidings starts it before the channels");
        }
        return topics;
    }

    /**
     * The fixed client properties: the consumer reads in a group of its own from the newest record,
     * commits nothing, and skips records nobody listens on in its poll ({@link SkipUnlistened});
     * the producer's sends are acknowledged by every in-sync replica, without
     * duplicates, within {@code tidings.kafka.send-timeout}.
     */
    @Override
    public Map<String, Object> customize(String channel, Config channelConfig, Map<String, Object> client) {
        if (IN.equals(channel)) {
            fix(channel, client, ConsumerConfig.GROUP_ID_CONFIG, replicaId);
            fix(channel, client, ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
            fix(channel, client, ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "latest");
            fix(channel, client, ConsumerConfig.ALLOW_AUTO_CREATE_TOPICS_CONFIG, "false");
            // one member per group: a rebalance only ever adds partitions, it never takes any away
            fix(channel, client, ConsumerConfig.PARTITION_ASSIGNMENT_STRATEGY_CONFIG, CooperativeStickyAssignor.class.getName());
            // records nobody here listens on are dropped inside the poll, before the connector wraps them
            Object interceptors = client.get(ConsumerConfig.INTERCEPTOR_CLASSES_CONFIG);
            client.put(ConsumerConfig.INTERCEPTOR_CLASSES_CONFIG, interceptors == null || String.valueOf(interceptors).isBlank()
                    ? SkipUnlistened.class.getName() : interceptors + "," + SkipUnlistened.class.getName());
            client.put(SkipUnlistened.CONSUMER, consumer);
        } else if (OUT.equals(channel)) {
            long sendTimeout = Math.max(1, config.sendTimeout().toMillis());
            fix(channel, client, ProducerConfig.ACKS_CONFIG, "all");
            fix(channel, client, ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "true");
            client.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, Long.toString(sendTimeout));
            client.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, Long.toString(sendTimeout));
            // the client insists on delivery.timeout.ms >= linger.ms + request.timeout.ms
            long linger = Long.parseLong(String.valueOf(client.getOrDefault(ProducerConfig.LINGER_MS_CONFIG, "5")));
            long requestTimeout = Long.parseLong(String.valueOf(client.getOrDefault(ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, "30000")));
            client.put(ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, Long.toString(Math.max(1, Math.min(requestTimeout, sendTimeout - linger))));
        }
        return client;
    }

    private static void fix(String channel, Map<String, Object> client, String key, String value) {
        Object configured = client.put(key, value);
        if (configured != null && !Objects.equals(String.valueOf(configured), value)) {
            LOG.warnf("Ignoring %s=%s on channel %s: the Kafka transport needs %s", key, configured, channel, value);
        }
    }

    private static String hostName() {
        try {
            return InetAddress.getLocalHost().getHostName();
        } catch (Exception e) {
            return "host";
        }
    }
}
