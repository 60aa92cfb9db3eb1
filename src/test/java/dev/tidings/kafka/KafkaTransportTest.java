package dev.tidings.kafka;

import static io.restassured.RestAssured.given;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.startsWith;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.tidings.core.Caller;
import dev.tidings.core.ClientConnection;
import dev.tidings.core.NotFor;
import dev.tidings.core.Tidings;
import dev.tidings.core.TidingsException;
import dev.tidings.kafka.testing.KafkaBroker;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import io.smallrye.mutiny.Uni;
import io.smallrye.reactive.messaging.kafka.KafkaClientService;
import jakarta.enterprise.inject.Instance;
import jakarta.inject.Inject;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewPartitions;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.internals.RecordHeader;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * The Kafka transport against a real broker, through the hub's Java API (the HTTP edge is tested
 * elsewhere): every notification goes out to the broker and comes back before it reaches a client.
 */
@QuarkusTest
@TestProfile(KafkaTestProfile.class)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class KafkaTransportTest {

    private static final Duration WAIT = Duration.ofSeconds(20);
    private static final String FEED = "kt-feed";

    @Inject
    Tidings tidings;

    @Inject
    ObjectMapper mapper;

    @Inject
    Instance<KafkaTransport> transport;

    @Inject
    KafkaClientService kafka;

    private static KafkaProducer<byte[], byte[]> outside;

    @BeforeAll
    static void outsideProducer() {
        outside = new KafkaProducer<>(Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, KafkaBroker.shared().bootstrapServers(),
                ProducerConfig.ACKS_CONFIG, "all"), new ByteArraySerializer(), new ByteArraySerializer());
    }

    @AfterAll
    static void closeProducer() {
        if (outside != null) {
            outside.close(Duration.ofSeconds(2));
        }
    }

    @BeforeEach
    void ready() {
        await("readiness").atMost(Duration.ofSeconds(60))
                .until(() -> given().get("/q/health/ready").statusCode() == 200);
    }

    /** A client process with a stream that records what it receives. */
    final class Client implements ClientConnection {
        final String id;
        final List<String> data = new CopyOnWriteArrayList<>();
        final List<String> listens = new CopyOnWriteArrayList<>();
        final AtomicBoolean closed = new AtomicBoolean();

        Client(String identity) {
            id = tidings.open(Caller.named(identity));
            tidings.attach(id, this, false, null);
        }

        Client listen(String type, String key) {
            assertTrue(tidings.listen(type, id, key, null, true).await().atMost(WAIT));
            return this;
        }

        @Override
        public void ready(String clientId, boolean resumed, byte[] cursor) {}

        @Override
        public void notification(byte[] cursor, byte[] frame) {
            try {
                var node = mapper.readTree(frame);
                data.add(node.get("key").asText() + "=" + mapper.writeValueAsString(node.get("data")));
            } catch (Exception e) {
                data.add("UNPARSABLE " + new String(frame, StandardCharsets.UTF_8));
            }
        }

        @Override
        public void listen(String type, String key, boolean listening, byte[] cursor) {
            listens.add(type + ":" + key + ":" + listening);
        }

        @Override
        public void missed(dev.tidings.core.Missed missed) {
            data.add("MISSED");
        }

        @Override
        public boolean writable() {
            return true;
        }

        @Override
        public void whenWritable(Runnable task) {
            task.run();
        }

        @Override
        public void listenRefused(String type, String key, boolean listening, TidingsException.Reason refusal, String message) {
            listens.add(type + ":" + key + ":" + listening + ":" + refusal);
        }

        @Override
        public void ended(String reason) {
            data.add("ENDED " + reason);
        }

        @Override
        public void close() {
            closed.set(true);
        }

        void end() {
            tidings.close(id, null).await().atMost(WAIT);
        }
    }

    private void notify(String key, String json, NotFor notFor) throws Exception {
        tidings.notify(FEED, key, json.getBytes(StandardCharsets.UTF_8), notFor, null).await().atMost(WAIT);
    }

    private static void awaitData(Client c, String expected) {
        await(c.id + " receives " + expected).atMost(WAIT).until(() -> c.data.contains(expected));
    }

    private long counter(String name) {
        return tidings.stats().counters().get(name);
    }

    private void send(String topic, String key, String value, RecordHeader... headers) throws Exception {
        send(topic, null, key, value, headers);
    }

    private void send(String topic, Integer partition, String key, String value, RecordHeader... headers) throws Exception {
        outside.send(new ProducerRecord<>(topic, partition, key == null ? null : key.getBytes(StandardCharsets.UTF_8),
                value == null ? null : value.getBytes(StandardCharsets.UTF_8), List.of(headers))).get(10, TimeUnit.SECONDS);
    }

    @Test
    @Order(0)
    void theConnectorPublishesAndAPlainConsumerReadsEveryPartition() {
        assertNotNull(kafka.getProducer(KafkaChannels.OUT), "the connector's producer");
        // the connector's own checks for its channel next to the transport's
        given().get("/q/health/ready").then().statusCode(200)
                .body("checks.find { it.name == 'SmallRye Reactive Messaging - readiness check' }.data.'tidings-out'", equalTo("[OK]"))
                .body("checks.find { it.name == 'tidings-transport' }.data.state", equalTo("reading"))
                .body("checks.find { it.name == 'tidings-transport' }.data.partitions", equalTo(15));
        String client = given().get("/q/health/ready").then().extract().path("checks.find { it.name == 'tidings-transport' }.data.client");
        assertTrue(client.startsWith("tidings-") && client.length() > "tidings-".length() + 30, "client ids of its own: " + client);
        given().get("/q/health/live").then().statusCode(200)
                .body("checks.find { it.name == 'tidings-consumer' }.status", equalTo("UP"));
    }

    @Test
    @Order(2)
    void theKafkaClientsMetricsAreInPrometheusConsumerLagIncluded() throws Exception {
        notify("metrics", "{}", NotFor.none()); // the producer has sent at least once
        await().atMost(WAIT).untilAsserted(() -> {
            String metrics = given().get("/q/metrics").then().statusCode(200).extract().asString();
            // Micrometer's Kafka binder, bound by Quarkus to the connector's clients
            assertTrue(metrics.contains("kafka_consumer_fetch_manager_records_lag_max"), "consumer lag");
            assertTrue(metrics.contains("kafka_producer_record_send_total"), "producer sends");
            String client = given().get("/q/health/ready").then().extract().path("checks.find { it.name == 'tidings-transport' }.data.client");
            assertTrue(metrics.contains("client_id=\"" + client + "-consumer\""), "the broadcast consumer's, tagged with its client id");
            assertTrue(metrics.contains("client_id=\"" + client + "-producer\""), "the connector's producer's");
        });
    }

    @Test
    @Order(1)
    void notifyComesBackThroughKafkaOnceAndInOrder() throws Exception {
        Client a = new Client("alice").listen(FEED, "k1");
        Client b = new Client("bob").listen(FEED, "k1");
        Client other = new Client("carol").listen(FEED, "k2");
        long received = counter("received");
        List<Uni<Void>> sent = new ArrayList<>();
        for (int i = 0; i < 200; i++) {
            sent.add(tidings.notify(FEED, "k1", ("{\"n\":" + i + "}").getBytes(StandardCharsets.UTF_8), NotFor.none(), null));
        }
        for (Uni<Void> u : sent) {
            u.await().atMost(WAIT); // subscribed in order: the records go out in this order
        }
        notify("k1", "{\"n\":\"end\"}", NotFor.none());
        awaitData(a, "k1={\"n\":\"end\"}");
        awaitData(b, "k1={\"n\":\"end\"}");
        for (Client c : List.of(a, b)) {
            assertEquals(201, c.data.size(), "each notification exactly once: " + c.data);
            for (int i = 0; i < 200; i++) {
                assertEquals("k1={\"n\":" + i + "}", c.data.get(i));
            }
        }
        assertEquals(List.of(), other.data);
        assertTrue(counter("received") - received >= 201);
        a.end();
        b.end();
        other.end();
    }

    @Test
    @Order(2)
    void notForClientAndIdentityTravelInHeaders() throws Exception {
        Client a1 = new Client("alice").listen(FEED, "nf");
        Client a2 = new Client("alice").listen(FEED, "nf");
        Client b = new Client("bob").listen(FEED, "nf");
        notify("nf", "{\"m\":1}", NotFor.client(a1.id));
        notify("nf", "{\"m\":2}", NotFor.identity("alice"));
        notify("nf", "{\"m\":3}", NotFor.none());
        for (Client c : List.of(a1, a2, b)) {
            awaitData(c, "nf={\"m\":3}");
        }
        assertEquals(List.of("nf={\"m\":3}"), a1.data);
        assertEquals(List.of("nf={\"m\":1}", "nf={\"m\":3}"), a2.data);
        assertEquals(List.of("nf={\"m\":1}", "nf={\"m\":2}", "nf={\"m\":3}"), b.data);
        a1.end();
        a2.end();
        b.end();
    }

    @Test
    @Order(3)
    void outsideProducerReachesClients() throws Exception {
        Client a = new Client("alice").listen(FEED, "out");
        Client b = new Client("bob").listen(FEED, "out");
        send("tidings.kt-feed", "out", "{\"from\":\"billing\",\n  \"total\": 12}");
        send("tidings.kt-feed", "out", "{\"only\":\"bob\"}",
                new RecordHeader(KafkaTransport.NOTFOR_IDENTITY_HEADER, "alice".getBytes(StandardCharsets.UTF_8)));
        send("tidings.kt-feed", "out", "[1,2,3]");
        awaitData(a, "out=[1,2,3]");
        awaitData(b, "out=[1,2,3]");
        assertEquals(List.of("out={\"from\":\"billing\",\"total\":12}", "out=[1,2,3]"), a.data);
        assertEquals(List.of("out={\"from\":\"billing\",\"total\":12}", "out={\"only\":\"bob\"}", "out=[1,2,3]"), b.data);
        a.end();
        b.end();
    }

    @Test
    @Order(4)
    void badRecordsAreCountedAndSkipped() throws Exception {
        Client a = new Client("alice").listen(FEED, "bad");
        long bad = counter("badPublications");
        send("tidings.kt-feed", null, "{\"no\":\"key\"}");
        send("tidings.kt-feed", "bad", "this is not JSON");
        send("tidings.kt-feed", "bad", "{\"a\":1} trailing junk");
        send("tidings.kt-feed", "bad", "{\"big\":\"" + "x".repeat(2000) + "\"}");
        send("tidings.kt-feed", "bad", "{\"both\":\"headers\"}",
                new RecordHeader(KafkaTransport.NOTFOR_IDENTITY_HEADER, "bob".getBytes(StandardCharsets.UTF_8)),
                new RecordHeader(KafkaTransport.NOTFOR_CLIENT_HEADER, "x".getBytes(StandardCharsets.UTF_8)));
        send("tidings.kt-feed", "bad", null);
        send("tidings.control", "x", "{\"op\":\"explode\"}");
        send("tidings.control", "x", "not json at all");
        send("tidings.kt-feed", "bad", "{\"good\":true}");
        awaitData(a, "bad={\"good\":true}");
        await("bad records counted").atMost(WAIT).until(() -> counter("badPublications") - bad == 8);
        assertEquals(List.of("bad={\"good\":true}"), a.data);
        notify("bad", "{\"still\":\"working\"}", NotFor.none());
        awaitData(a, "bad={\"still\":\"working\"}");
        a.end();
    }

    @Test
    @Order(4)
    void recordsForKeysNobodyListensOnAreSkippedAndCounted() throws Exception {
        Client a = new Client("alice").listen(FEED, "heard");
        long noListener = counter("noListener");
        long bad = counter("badPublications");
        for (int i = 0; i < 100; i++) {
            send("tidings.kt-feed", "unheard-" + i, i % 2 == 0 ? "{\"n\":" + i + "}" : "not even JSON: never read");
        }
        send("tidings.kt-feed", "heard", "{\"after\":\"the unheard\"}");
        awaitData(a, "heard={\"after\":\"the unheard\"}");
        await("unheard records counted").atMost(WAIT).until(() -> counter("noListener") - noListener == 100);
        assertEquals(bad, counter("badPublications"), "a value nobody listens to is never parsed");
        assertEquals(List.of("heard={\"after\":\"the unheard\"}"), a.data);
        a.end();
    }

    @Test
    @Order(5)
    void controlMessagesCrossTheControlTopic() throws Exception {
        Client a1 = new Client("alice").listen(FEED, "ctl");
        Client a2 = new Client("alice").listen(FEED, "ctl");
        Client b = new Client("bob").listen(FEED, "ctl");
        tidings.unlistenIdentity(FEED, "alice", "ctl").await().atMost(WAIT);
        await().atMost(WAIT).until(() -> a1.listens.contains(FEED + ":ctl:false") && a2.listens.contains(FEED + ":ctl:false"));
        assertFalse(b.listens.contains(FEED + ":ctl:false"));

        // A listen for a client this replica does not hold goes to the control topic (202, not 404).
        assertFalse(tidings.listen(FEED, "no-such-client-anywhere", "ctl", null, true).await().atMost(WAIT));

        // What another replica writes to the control topic when it forwards a listen.
        send("tidings.control", a1.id, "{\"op\":\"listen\",\"type\":\"kt-feed\",\"client\":\"" + a1.id
                + "\",\"key\":\"ctl2\",\"listening\":true,\"requester\":null}");
        await().atMost(WAIT).until(() -> a1.listens.contains(FEED + ":ctl2:true"));
        notify("ctl", "{\"x\":1}", NotFor.none());
        notify("ctl2", "{\"x\":2}", NotFor.none());
        awaitData(a1, "ctl2={\"x\":2}");
        awaitData(b, "ctl={\"x\":1}");
        assertEquals(List.of("ctl2={\"x\":2}"), a1.data);
        assertEquals(List.of(), a2.data);

        tidings.disconnect("bob").await().atMost(WAIT);
        await().atMost(WAIT).until(() -> b.closed.get());
        a1.end();
        a2.end();
    }

    @Test
    @Order(6)
    void aTypeCanHaveItsOwnTopic() throws Exception {
        assertEquals("custom.other-topic", transport.get().topics().get("kt-other"));
        assertEquals("tidings.kt-feed", transport.get().topics().get(FEED));
        Client a = new Client("alice").listen("kt-other", "own");
        tidings.notify("kt-other", "own", "{\"via\":\"notify\"}".getBytes(StandardCharsets.UTF_8), NotFor.none(), null).await().atMost(WAIT);
        send("custom.other-topic", "own", "{\"via\":\"outside\"}");
        awaitData(a, "own={\"via\":\"outside\"}");
        assertEquals(List.of("own={\"via\":\"notify\"}", "own={\"via\":\"outside\"}"), a.data);
        a.end();
    }

    @Test
    @Order(7)
    void brokerDownFailsWithinTheSendTimeoutThenDeliveryResumes() throws Exception {
        KafkaBroker broker = KafkaBroker.shared();
        Client a = new Client("alice").listen(FEED, "outage");
        notify("outage", "{\"before\":true}", NotFor.none());
        awaitData(a, "outage={\"before\":true}");
        try {
            broker.stop();
            long t0 = System.nanoTime();
            TidingsException failure = null;
            try {
                notify("outage", "{\"during\":true}", NotFor.none());
            } catch (TidingsException e) {
                failure = e;
            }
            long took = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
            assertNotNull(failure, "notify while the broker is down");
            assertEquals(TidingsException.Reason.UNAVAILABLE, failure.reason());
            assertTrue(took < 3500, "unavailable after " + took + " ms (send-timeout 2s)");
            await("not ready while the broker is down").atMost(WAIT)
                    .until(() -> given().get("/q/health/ready").statusCode() == 503);
        } finally {
            broker.start();
        }
        await("ready again").atMost(Duration.ofSeconds(60))
                .until(() -> given().get("/q/health/ready").statusCode() == 200);
        assertFalse(a.closed.get(), "the client's stream stayed open");
        // the producer reconnects by itself; the first sends after the restart may still time out
        int[] attempt = {0};
        await("a notify is acknowledged after the restart").atMost(Duration.ofSeconds(60)).until(() -> {
            try {
                notify("outage", "{\"after\":" + (++attempt[0]) + "}", NotFor.none());
                return true;
            } catch (TidingsException e) {
                return false;
            }
        });
        awaitData(a, "outage={\"after\":" + attempt[0] + "}");
        assertFalse(a.data.contains("outage={\"during\":true}"));
        a.end();
    }

    @Test
    @Order(8)
    void aPartitionAddedLaterIsReadFromItsBeginning() throws Exception {
        Client a = new Client("alice").listen(FEED, "late");
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, KafkaBroker.shared().bootstrapServers()))) {
            int partitions = admin.describeTopics(List.of("tidings.kt-feed")).allTopicNames().get(10, TimeUnit.SECONDS)
                    .get("tidings.kt-feed").partitions().size();
            admin.createPartitions(Map.of("tidings.kt-feed", NewPartitions.increaseTo(partitions + 1))).all().get(10, TimeUnit.SECONDS);
            // written to the new partition at once, before this replica's consumer can know of it
            send("tidings.kt-feed", partitions, "late", "{\"in\":\"the new partition\"}");
        }
        awaitData(a, "late={\"in\":\"the new partition\"}");
        await("ready, reading the new partition too").atMost(WAIT).until(() -> {
            var r = given().get("/q/health/ready");
            return r.statusCode() == 200 && r.jsonPath().getInt("checks.find { it.name == 'tidings-transport' }.data.partitions") == 16;
        });
        a.end();
    }
}
