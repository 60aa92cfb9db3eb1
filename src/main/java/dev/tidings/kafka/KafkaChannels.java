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
import org.apache.kafka.clients.producer.ProducerConfig;
import org.eclipse.microprofile.config.Config;
import org.jboss.logging.Logger;

/**
 * The settings of the Kafka transport's outgoing channel on SmallRye Reactive Messaging's Kafka
 * connector ({@code smallrye-kafka}). Three layers, the connector's own:
 *
 * <ol>
 *   <li>{@code application.properties}: what never changes ({@code mp.messaging.outgoing.tidings-out.*}:
 *       byte-array serializers). Users may add any connector attribute or Kafka client property
 *       there, and every {@code kafka.*} property reaches the producer (Quarkus' default Kafka
 *       configuration).
 *   <li>The channel configuration bean below ({@code @Identifier("tidings-out")}, found by the
 *       connector by channel name): what is only known at run time, such as this replica's client id.
 *   <li>{@link #customize}: the client properties that Tidings' guarantees depend on, applied
 *       last, over anything configured (with a warning when a configured value is replaced).
 * </ol>
 *
 * <p>The broadcast consumption is not a channel: see {@link BroadcastConsumer} for why.
 */
@ApplicationScoped
public class KafkaChannels implements ClientCustomizer<Map<String, Object>> {

    /** The channel publications and control messages are written to. */
    public static final String OUT = "tidings-out";

    private static final Logger LOG = Logger.getLogger(KafkaChannels.class);

    private final KafkaTransportConfig config;
    private final Instance<OpenTelemetry> openTelemetry;
    /** This replica's own Kafka client ids: host name and {@code quarkus.uuid}. */
    private final String replicaId;

    @Inject
    public KafkaChannels(KafkaTransportConfig config, Instance<OpenTelemetry> openTelemetry, Config mpConfig) {
        this.config = config;
        this.openTelemetry = openTelemetry;
        String uuid = mpConfig.getOptionalValue("quarkus.uuid", String.class).orElseGet(() -> UUID.randomUUID().toString());
        this.replicaId = "tidings-" + hostName() + "-" + uuid;
    }

    /** The prefix of this replica's Kafka client ids, unique to it. */
    String clientId() {
        return replicaId;
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

    /**
     * The fixed producer properties: sends are acknowledged by every in-sync replica, without
     * duplicates, within {@code tidings.kafka.send-timeout}.
     */
    @Override
    public Map<String, Object> customize(String channel, Config channelConfig, Map<String, Object> client) {
        if (OUT.equals(channel)) {
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
