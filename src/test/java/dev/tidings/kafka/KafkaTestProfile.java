package dev.tidings.kafka;

import dev.tidings.kafka.testing.KafkaBrokerResource;
import io.quarkus.test.junit.QuarkusTestProfile;
import java.util.List;
import java.util.Map;

/** Tidings on the Kafka transport against the test broker, with two pass-through types of its own. */
public class KafkaTestProfile implements QuarkusTestProfile {

    @Override
    public Map<String, String> getConfigOverrides() {
        return Map.of(
                "tidings.transport", "kafka",
                "quarkus.http.test-port", "0",
                "tidings.simple-types", "kt-feed,kt-other",
                "tidings.kafka.send-timeout", "2s",
                "tidings.kafka.topics.kt-other", "custom.other-topic",
                "tidings.kafka.health-timeout", "1s",
                "tidings.kafka.metadata-refresh", "2s",
                "tidings.limits.max-payload", "1024",
                "quarkus.log.category.\"org.apache.kafka\".level", "WARN");
    }

    @Override
    public List<TestResourceEntry> testResources() {
        return List.of(new TestResourceEntry(KafkaBrokerResource.class));
    }
}
