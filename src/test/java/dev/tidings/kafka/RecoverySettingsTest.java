package dev.tidings.kafka;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.quarkus.runtime.configuration.DurationConverter;
import io.smallrye.config.PropertiesConfigSource;
import io.smallrye.config.SmallRyeConfigBuilder;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Recovery settings that make no sense stop the Kafka transport at start, naming the setting, rather than act as another value. */
class RecoverySettingsTest {

    private static KafkaTransportConfig config(Map<String, String> settings) {
        return new SmallRyeConfigBuilder()
                .withConverter(Duration.class, 200, new DurationConverter())
                .withSources(new PropertiesConfigSource(settings, "test", 250))
                .withMapping(KafkaTransportConfig.class)
                .build()
                .getConfigMapping(KafkaTransportConfig.class);
    }

    @Test
    void aNegativeReadBackLimitIsRefusedAtStart() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> BroadcastConsumer.checkRecoverySettings(config(Map.of("tidings.kafka.recovery.max-read", "-1"))));
        assertTrue(e.getMessage().contains("tidings.kafka.recovery.max-read"), e.getMessage());
    }

    @Test
    void aNegativeTailIsRefusedAtStart() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> BroadcastConsumer.checkRecoverySettings(config(Map.of("tidings.kafka.recovery.tail-records", "-5"))));
        assertTrue(e.getMessage().contains("tidings.kafka.recovery.tail-records"), e.getMessage());
    }

    @Test
    void zeroTurnsReadingBackOffAndIsAcceptedAsIsAZeroTail() {
        KafkaTransportConfig off = config(Map.of("tidings.kafka.recovery.max-read", "0", "tidings.kafka.recovery.tail-records", "0"));
        assertDoesNotThrow(() -> BroadcastConsumer.checkRecoverySettings(off));
    }
}
