package dev.tidings.kafka;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.smallrye.config.PropertiesConfigSource;
import io.smallrye.config.SmallRyeConfig;
import io.smallrye.config.SmallRyeConfigBuilder;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The connector's channel follows {@code tidings.transport} unless they are switched explicitly. */
class KafkaChannelSwitchTest {

    private static final String OUT = "mp.messaging.outgoing.tidings-out.enabled";

    private static SmallRyeConfig config(Map<String, String> properties) {
        return new SmallRyeConfigBuilder()
                .withInterceptors(new KafkaChannelSwitch())
                // the connector's attribute default, which does not count as a setting
                .withDefaultValue(OUT, "true")
                .withSources(new PropertiesConfigSource(new HashMap<>(properties), "test", 250))
                .build();
    }

    @Test
    void offOnTheLocalTransport() {
        SmallRyeConfig c = config(Map.of());
        assertEquals(false, c.getValue(OUT, Boolean.class));
        assertEquals(false, config(Map.of("tidings.transport", "local")).getValue(OUT, Boolean.class));
    }

    @Test
    void onWithKafka() {
        SmallRyeConfig c = config(Map.of("tidings.transport", "kafka"));
        assertEquals(true, c.getValue(OUT, Boolean.class));
    }

    @Test
    void anExplicitSettingWins() {
        assertEquals(false, config(Map.of("tidings.transport", "kafka", OUT, "false")).getValue(OUT, Boolean.class));
        assertEquals(true, config(Map.of(OUT, "true")).getValue(OUT, Boolean.class));
    }

    @Test
    void otherPropertiesAreUntouched() {
        assertEquals("x", config(Map.of("mp.messaging.incoming.other.enabled", "x")).getRawValue("mp.messaging.incoming.other.enabled"));
        assertEquals(null, config(Map.of()).getRawValue("mp.messaging.incoming.other.enabled"));
    }
}
