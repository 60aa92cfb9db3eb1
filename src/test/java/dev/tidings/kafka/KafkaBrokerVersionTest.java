package dev.tidings.kafka;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Paths;
import org.apache.kafka.common.utils.AppInfoParser;
import org.junit.jupiter.api.Test;

/** The test broker (kafka_2.13, pinned in the pom as kafka.version) runs the client's version. */
class KafkaBrokerVersionTest {

    @Test
    void brokerMatchesTheClientFromTheQuarkusBom() throws Exception {
        String classpath = Files.readString(Paths.get("target", "kafka-broker", "classpath.txt"));
        String client = AppInfoParser.getVersion();
        assertTrue(classpath.contains("kafka_2.13-" + client + ".jar"),
                "set <kafka.version> in pom.xml to " + client + ", the kafka-clients version of the Quarkus BOM");
    }
}
