package dev.tidings.kafka.testing;

import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;
import java.util.Map;

/** Points a Quarkus test at the shared test broker and switches Tidings to the Kafka transport. */
public class KafkaBrokerResource implements QuarkusTestResourceLifecycleManager {

    @Override
    public Map<String, String> start() {
        KafkaBroker broker = KafkaBroker.shared();
        return Map.of("kafka.bootstrap.servers", broker.bootstrapServers(), "tidings.transport", "kafka");
    }

    @Override
    public void stop() {
        // shared by every Kafka test of this JVM; a shutdown hook stops it
    }
}
