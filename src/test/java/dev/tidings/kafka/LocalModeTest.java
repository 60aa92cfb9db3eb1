package dev.tidings.kafka;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.nullValue;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;

import io.quarkus.test.junit.QuarkusTest;
import io.smallrye.reactive.messaging.ChannelRegistry;
import io.smallrye.reactive.messaging.kafka.KafkaClientService;
import jakarta.inject.Inject;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * On the in-process transport (the default, and the demo's) the Kafka connector's channel is
 * switched off, and the broadcast consumer never starts: no channel, no Kafka client, no Kafka thread, and readiness says {@code local}.
 */
@QuarkusTest
class LocalModeTest {

    @Inject
    KafkaClientService kafka;

    @Inject
    ChannelRegistry channels;

    @Test
    void theConnectorHasNoChannelAndNoClient() {
        assertNull(kafka.getProducer(KafkaChannels.OUT), "no producer");
        assertFalse(channels.getOutgoingNames().contains(KafkaChannels.OUT), "outgoing channels " + channels.getOutgoingNames());
    }

    @Test
    void noKafkaThreadRuns() {
        // the connector's polling and sending threads, and the Kafka clients' own network threads
        // (those of a Kafka-mode application tested earlier in this JVM end within moments)
        await("no Kafka thread").atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertEquals(List.of(),
                Thread.getAllStackTraces().keySet().stream().map(Thread::getName).filter(n -> n.contains("kafka")).toList()));
    }

    @Test
    void readinessSaysLocalAndNamesNoKafkaChannel() {
        given().get("/q/health/ready").then().statusCode(200)
                .body("checks.find { it.name == 'tidings-transport' }.status", equalTo("UP"))
                .body("checks.find { it.name == 'tidings-transport' }.data.transport", equalTo("local"))
                .body("checks.find { it.name.startsWith('SmallRye Reactive Messaging') }?.data?.'" + KafkaChannels.OUT + "'",
                        nullValue());
    }
}
