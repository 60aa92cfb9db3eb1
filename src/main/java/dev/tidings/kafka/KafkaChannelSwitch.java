package dev.tidings.kafka;

import io.smallrye.config.ConfigSourceInterceptor;
import io.smallrye.config.ConfigSourceInterceptorContext;
import io.smallrye.config.ConfigValue;
import java.util.Set;

/**
 * Switches the Kafka transport's connector channel on with {@code tidings.transport=kafka}
 * and off otherwise: {@code mp.messaging.outgoing.tidings-out.enabled} follows
 * {@code tidings.transport} unless it is set (the connector's own default, true, does not count). A disabled channel is never created, so on the in-process transport (the default) the
 * connector makes no Kafka client and tries no connection.
 *
 * <p>Registered in {@code META-INF/services/io.smallrye.config.ConfigSourceInterceptor}.
 */
public class KafkaChannelSwitch implements ConfigSourceInterceptor {

    private static final Set<String> SWITCHES = Set.of(
            "mp.messaging.outgoing." + KafkaChannels.OUT + ".enabled",
            // Quarkus reads the channels' settings under this name first
            "quarkus.messaging.outgoing." + KafkaChannels.OUT + ".enabled");

    /** The ordinal of the connector's attribute defaults (SmallRye Config's default values), which this overrides. */
    private static final int DEFAULTS = Integer.MIN_VALUE;

    @Override
    public ConfigValue getValue(ConfigSourceInterceptorContext context, String name) {
        ConfigValue value = context.proceed(name);
        if (!SWITCHES.contains(name) || (value != null && value.getConfigSourceOrdinal() != DEFAULTS)) {
            return value;
        }
        ConfigValue transport = context.proceed("tidings.transport");
        boolean kafka = transport != null && "kafka".equals(transport.getValue());
        return ConfigValue.builder().withName(name).withValue(Boolean.toString(kafka))
                .withConfigSourceName("tidings.transport (" + KafkaChannelSwitch.class.getSimpleName() + ")").build();
    }
}
