package dev.tidings.kafka;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.tidings.kafka.testing.KafkaBroker;
import dev.tidings.kafka.testing.Replica;
import dev.tidings.testing.SseClient;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.internals.RecordHeader;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * Three replicas of the packaged application, each a separate process on its own port, against a
 * real Kafka broker, with live SSE clients on each: they behave, to every client and notifier,
 * like one server.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class MultiReplicaIT {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Duration WAIT = Duration.ofSeconds(20);

    private static KafkaBroker broker;
    private static final List<Replica> replicas = new ArrayList<>();
    private static KafkaProducer<String, String> outside;
    private final List<SseClient> streams = new ArrayList<>();

    @BeforeAll
    static void startReplicas() {
        broker = KafkaBroker.shared();
        Map<String, String> settings = Map.of(
                "tidings.kafka.send-timeout", "2s",
                "tidings.kafka.health-timeout", "1s",
                "tidings.client.grace", "5s",
                "tidings.client.max-listens", "4");
        for (int i = 0; i < 3; i++) {
            replicas.add(Replica.launch("replica-" + i, broker.bootstrapServers(), settings));
        }
        replicas.forEach(Replica::awaitReady);
        outside = new KafkaProducer<>(Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers(),
                ProducerConfig.ACKS_CONFIG, "all"), new StringSerializer(), new StringSerializer());
    }

    @AfterAll
    static void stopReplicas() {
        if (outside != null) {
            outside.close(Duration.ofSeconds(2));
        }
        replicas.forEach(Replica::close);
    }

    @AfterEach
    void closeStreams() {
        streams.forEach(SseClient::close);
    }

    // ---- helpers ---------------------------------------------------------------------------------------

    private static Replica r(int i) {
        return replicas.get(i);
    }

    /** A live stream on a replica as an identity, listening on {@code type:key} pairs from the start. */
    private SseClient stream(Replica replica, String identity, String... listens) {
        String query = List.of(listens).stream()
                .map(l -> "listen=" + URLEncoder.encode(l, StandardCharsets.UTF_8))
                .collect(Collectors.joining("&"));
        SseClient s = SseClient.open(replica.uri("/notif/stream" + (query.isEmpty() ? "" : "?" + query)), "X-Identity", identity);
        streams.add(s);
        assertEquals(200, s.status());
        s.clientId();
        for (String l : listens) {
            String[] tk = l.split(":", 2);
            s.awaitListen(tk[0], tk[1], true);
        }
        return s;
    }

    private static String json(Object value) {
        try {
            return JSON.writeValueAsString(value);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    private static Replica.Answer notify(Replica replica, String type, String key, Object notification, Map<String, String> notFor) {
        Map<String, Object> body = new java.util.LinkedHashMap<>();
        body.put("key", key);
        body.put("notification", notification);
        if (notFor != null) {
            body.put("notfor", notFor);
        }
        return replica.post("/notif/" + type + "/notify", json(body));
    }

    private static void notifyOk(Replica replica, String type, String key, Object notification, Map<String, String> notFor) {
        Replica.Answer a = notify(replica, type, key, notification, notFor);
        assertEquals(202, a.status(), a.body());
    }

    private static void notifyOk(Replica replica, String type, String key, Object notification) {
        notifyOk(replica, type, key, notification, null);
    }

    private static List<String> data(SseClient s, String type, String key) {
        return s.dataOn(type, key).stream().map(JsonNode::toString).toList();
    }

    private static void awaitData(SseClient s, String type, String key, String expected) {
        await("stream receives " + expected + " on " + type + ":" + key).atMost(WAIT)
                .until(() -> data(s, type, key).contains(expected));
    }

    private void send(String topic, String key, String value, RecordHeader... headers) throws Exception {
        outside.send(new ProducerRecord<>(topic, null, key, value, List.of(headers))).get(10, TimeUnit.SECONDS);
    }

    private static long counter(Replica replica, String name) {
        try {
            return JSON.readTree(replica.get("/notif/stats").body()).get("counters").get(name).asLong();
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    private static JsonNode transportCheck(Replica replica) {
        try {
            JsonNode checks = JSON.readTree(replica.get("/q/health/ready").body()).get("checks");
            for (JsonNode check : checks) {
                if (check.get("name").asText().equals("tidings-transport")) {
                    return check.get("data");
                }
            }
            throw new IllegalStateException("no tidings-transport check");
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    private static Admin admin() {
        return Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers()));
    }

    // ---- the behaviour ---------------------------------------------------------------------------------

    @Test
    @Order(0)
    void everyReplicaReadsEveryPartitionWithClientIdsOfItsOwn() throws Exception {
        List<String> ids = replicas.stream().map(r -> transportCheck(r).get("client").asText()).toList();
        assertEquals(3, ids.stream().distinct().count(), "one client id per replica: " + ids);
        try (Admin admin = admin()) {
            int partitions = admin.describeTopics(List.of("tidings.feed", "tidings.chat", "tidings.control")).allTopicNames()
                    .get(10, TimeUnit.SECONDS).values().stream().mapToInt(d -> d.partitions().size()).sum();
            for (Replica r : replicas) {
                assertEquals(partitions, transportCheck(r).get("partitions").asInt(), r + " reads every partition");
            }
        }
    }

    @Test
    @Order(1)
    void aNotifyOnOneReplicaReachesListenersOnAllExactlyOnceInOrder() {
        List<SseClient> clients = List.of(stream(r(0), "ann", "feed:news"), stream(r(1), "ben", "feed:news"),
                stream(r(2), "cat", "feed:news"), stream(r(2), "dan", "feed:news"));
        SseClient elsewhere = stream(r(1), "eve", "feed:sport");
        // notifies from every replica in turn, each answered before the next: one order for all
        List<String> sent = new ArrayList<>();
        for (int i = 0; i < 30; i++) {
            notifyOk(r(i % 3), "feed", "news", Map.of("n", i));
            sent.add("{\"n\":" + i + "}");
        }
        notifyOk(r(1), "feed", "news", Map.of("n", "end"));
        sent.add("{\"n\":\"end\"}");
        for (SseClient c : clients) {
            awaitData(c, "feed", "news", "{\"n\":\"end\"}");
            assertEquals(sent, data(c, "feed", "news"), "every notification once, in notify order");
        }
        assertEquals(List.of(), elsewhere.notifications());
    }

    @Test
    @Order(2)
    void notForClientAndIdentityAcrossReplicas() {
        SseClient ann0 = stream(r(0), "ann", "feed:nf");
        SseClient ann1 = stream(r(1), "ann", "feed:nf");
        SseClient ben2 = stream(r(2), "ben", "feed:nf");
        notifyOk(r(2), "feed", "nf", Map.of("m", 1), Map.of("client", ann0.clientId()));
        notifyOk(r(1), "feed", "nf", Map.of("m", 2), Map.of("identity", "ann"));
        notifyOk(r(0), "feed", "nf", Map.of("m", 3), null);
        for (SseClient c : List.of(ann0, ann1, ben2)) {
            awaitData(c, "feed", "nf", "{\"m\":3}");
        }
        assertEquals(List.of("{\"m\":3}"), data(ann0, "feed", "nf"));
        assertEquals(List.of("{\"m\":1}", "{\"m\":3}"), data(ann1, "feed", "nf"));
        assertEquals(List.of("{\"m\":1}", "{\"m\":2}", "{\"m\":3}"), data(ben2, "feed", "nf"));
    }

    @Test
    @Order(3)
    void prepareIsDecidedPerIdentityOnEachClientsOwnReplica() {
        SseClient alice = stream(r(0), "alice", "chat:lobby");
        SseClient bob = stream(r(1), "bob", "chat:lobby");
        SseClient carol = stream(r(2), "carol", "chat:lobby");
        SseClient bob2 = stream(r(2), "bob", "chat:lobby");
        notifyOk(r(2), "chat", "lobby", Map.of("from", "alice", "text", "psst", "to", "bob"));
        notifyOk(r(0), "chat", "lobby", Map.of("from", "carol", "text", "hello all"));
        String secret = "{\"from\":\"alice\",\"text\":\"psst\",\"private\":true}";
        String open = "{\"from\":\"carol\",\"text\":\"hello all\",\"private\":false}";
        for (SseClient c : List.of(alice, bob, bob2, carol)) {
            awaitData(c, "chat", "lobby", open);
        }
        assertEquals(List.of(secret, open), data(alice, "chat", "lobby"));
        assertEquals(List.of(secret, open), data(bob, "chat", "lobby"));
        assertEquals(List.of(secret, open), data(bob2, "chat", "lobby"));
        assertEquals(List.of(open), data(carol, "chat", "lobby"), "blocked by prepare on carol's replica");
    }

    @Test
    @Order(4)
    void listenAndUnlistenSentToAReplicaThatDoesNotHoldTheClient() {
        SseClient ann = stream(r(0), "ann", "feed:mark");
        SseClient witness = stream(r(0), "wit", "feed:away");
        String client = ann.clientId();

        Replica.Answer listen = r(1).post("/notif/feed/listen", json(Map.of("client", client, "key", "away")));
        assertEquals(202, listen.status(), "forwarded to the replica holding the client: " + listen.body());
        ann.awaitListen("feed", "away", true);
        notifyOk(r(2), "feed", "away", Map.of("a", 1));
        awaitData(ann, "feed", "away", "{\"a\":1}");

        Replica.Answer unlisten = r(2).post("/notif/feed/unlisten", json(Map.of("client", client, "key", "away")));
        assertEquals(202, unlisten.status(), unlisten.body());
        ann.awaitListen("feed", "away", false);
        notifyOk(r(1), "feed", "away", Map.of("a", 2));
        // the witness on ann's replica got it, so ann's replica has dispatched it; then a later
        // notification on ann's other key shows ann's stream is past that point
        awaitData(witness, "feed", "away", "{\"a\":2}");
        notifyOk(r(1), "feed", "mark", Map.of("mark", 1));
        awaitData(ann, "feed", "mark", "{\"mark\":1}");
        assertEquals(List.of("{\"a\":1}"), data(ann, "feed", "away"));

        // a listen for a client that no replica holds is accepted (202) and changes nothing
        assertEquals(202, r(1).post("/notif/feed/listen", json(Map.of("client", "nobody-has-this", "key", "k"))).status());
    }

    @Test
    @Order(4)
    void aForwardedListenThatTheHoldingReplicaRefusesIsReportedOnTheClientsStream() {
        // max-listens is 4 on the replicas: the fifth listen is refused where the client lives.
        SseClient bea = stream(r(0), "bea", "feed:f1", "feed:f2", "feed:f3", "feed:f4");
        Replica.Answer listen = r(2).post("/notif/feed/listen", json(Map.of("client", bea.clientId(), "key", "f5")));
        assertEquals(202, listen.status(), "the receiving replica cannot know yet: " + listen.body());
        SseClient.Event refusal = bea.await(e -> e.event().equals("listen") && e.json().get("key").asText().equals("f5"));
        assertEquals("limit", refusal.json().get("error").asText());
        assertEquals(false, refusal.json().get("listening").asBoolean());
    }

    @Test
    @Order(5)
    void unlistenIdentityReachesEveryReplica() {
        SseClient ann0 = stream(r(0), "ann", "chat:room", "chat:mark");
        SseClient ann1 = stream(r(1), "ann", "chat:room", "chat:mark");
        SseClient ben0 = stream(r(0), "ben", "chat:room");
        SseClient ben1 = stream(r(1), "ben", "chat:room");
        Replica.Answer a = r(2).post("/notif/chat/unlisten-identity", json(Map.of("identity", "ann", "key", "room")));
        assertEquals(202, a.status(), a.body());
        ann0.awaitListen("chat", "room", false);
        ann1.awaitListen("chat", "room", false);
        notifyOk(r(2), "chat", "room", Map.of("from", "ben", "text", "still there?"));
        String msg = "{\"from\":\"ben\",\"text\":\"still there?\",\"private\":false}";
        awaitData(ben0, "chat", "room", msg);
        awaitData(ben1, "chat", "room", msg);
        notifyOk(r(2), "chat", "mark", Map.of("from", "ben", "text", "mark"));
        awaitData(ann0, "chat", "mark", "{\"from\":\"ben\",\"text\":\"mark\",\"private\":false}");
        awaitData(ann1, "chat", "mark", "{\"from\":\"ben\",\"text\":\"mark\",\"private\":false}");
        assertEquals(List.of(), data(ann0, "chat", "room"));
        assertEquals(List.of(), data(ann1, "chat", "room"));
    }

    @Test
    @Order(6)
    void disconnectOfAnIdentityReachesEveryReplica() {
        SseClient zed0 = stream(r(0), "zed", "feed:dc");
        SseClient zed2 = stream(r(2), "zed", "feed:dc");
        SseClient amy2 = stream(r(2), "amy", "feed:dc");
        Replica.Answer a = r(1).post("/notif/disconnect", json(Map.of("identity", "zed")));
        assertEquals(202, a.status(), a.body());
        await("zed's streams end on every replica").atMost(WAIT).until(() -> zed0.ended() && zed2.ended());
        notifyOk(r(1), "feed", "dc", Map.of("after", "disconnect"));
        awaitData(amy2, "feed", "dc", "{\"after\":\"disconnect\"}");
        assertFalse(amy2.ended());
    }

    @Test
    @Order(6)
    void closingAClientOnAReplicaThatDoesNotHoldItEndsItWhereItLives() {
        SseClient cal = stream(r(0), "cal", "feed:close");
        String id = cal.clientId();
        Replica.Answer mallory = r(1).delete("/notif/client/" + id, "mallory");
        assertEquals(202, mallory.status(), "forwarded: " + mallory.body());
        // Control messages of one client share a partition: once a later forwarded listen is
        // confirmed, mallory's close has been seen, and refused (cal's stream is still open).
        assertEquals(202, r(1).post("/notif/feed/listen", json(Map.of("client", id, "key", "after"))).status());
        cal.awaitListen("feed", "after", true);
        assertFalse(cal.ended(), "only the owner may close it");
        Replica.Answer owner = r(1).delete("/notif/client/" + id, "cal");
        assertEquals(202, owner.status(), owner.body());
        await("cal's stream ends on its own replica").atMost(WAIT).until(cal::ended);
        SseClient.Event last = cal.events().get(cal.events().size() - 1);
        assertEquals("closed", last.event());
        try (SseClient resume = SseClient.open(r(0).uri("/notif/stream?client=" + id), "X-Identity", "cal")) {
            assertEquals(404, resume.status(), "gone from its replica");
        }
    }

    @Test
    @Order(7)
    void anOutsideProducerReachesClientsAndAMalformedRecordIsSkipped() throws Exception {
        SseClient ann0 = stream(r(0), "ann", "feed:ext");
        SseClient ben2 = stream(r(2), "ben", "feed:ext");
        long bad0 = counter(r(0), "badPublications");
        send("tidings.feed", "ext", "{\"from\":\"billing\",\"due\":12}");
        send("tidings.feed", "ext", "{\"for\":\"ben only\"}",
                new RecordHeader(KafkaTransport.NOTFOR_IDENTITY_HEADER, "ann".getBytes(StandardCharsets.UTF_8)));
        send("tidings.feed", "ext", "this is { not json");
        send("tidings.feed", "ext", "{\"after\":\"the bad one\"}");
        for (SseClient c : List.of(ann0, ben2)) {
            awaitData(c, "feed", "ext", "{\"after\":\"the bad one\"}");
        }
        assertEquals(List.of("{\"from\":\"billing\",\"due\":12}", "{\"after\":\"the bad one\"}"), data(ann0, "feed", "ext"));
        assertEquals(List.of("{\"from\":\"billing\",\"due\":12}", "{\"for\":\"ben only\"}", "{\"after\":\"the bad one\"}"),
                data(ben2, "feed", "ext"));
        await().atMost(WAIT).until(() -> counter(r(0), "badPublications") == bad0 + 1);
    }

    @Test
    @Order(8)
    void brokerDownAnswers503QuicklyKeepsStreamsOpenAndDeliveryResumes() {
        SseClient ann0 = stream(r(0), "ann", "feed:down");
        SseClient ben1 = stream(r(1), "ben", "feed:down");
        notifyOk(r(2), "feed", "down", Map.of("before", true));
        awaitData(ann0, "feed", "down", "{\"before\":true}");
        awaitData(ben1, "feed", "down", "{\"before\":true}");
        try {
            broker.stop();
            long t0 = System.nanoTime();
            Replica.Answer a = notify(r(1), "feed", "down", Map.of("during", true), null);
            long took = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
            assertEquals(503, a.status(), a.body());
            assertTrue(a.body().contains("\"error\""), a.body());
            assertTrue(took < 4000, "503 after " + took + " ms, send-timeout is 2s");
            await("replicas not ready while the broker is down").atMost(WAIT)
                    .until(() -> replicas.stream().noneMatch(Replica::ready));
            await("the outage is logged").atMost(WAIT).until(() -> r(1).log().contains("unreachable; notify answers 503"));
        } finally {
            broker.start();
        }
        await("replicas ready again").atMost(Duration.ofSeconds(60)).until(() -> replicas.stream().allMatch(Replica::ready));
        await("and its end").atMost(WAIT).until(() -> r(1).log().contains("reachable again; delivery resumes"));
        assertFalse(ann0.ended(), "streams stay open through the outage");
        assertFalse(ben1.ended(), "streams stay open through the outage");
        int[] attempt = {0};
        await("a notify is accepted after the restart").atMost(Duration.ofSeconds(60))
                .until(() -> notify(r(2), "feed", "down", Map.of("after", ++attempt[0]), null).status() == 202);
        String after = "{\"after\":" + attempt[0] + "}";
        awaitData(ann0, "feed", "down", after);
        awaitData(ben1, "feed", "down", after);
        assertFalse(data(ann0, "feed", "down").contains("{\"during\":true}"));
    }

    @Test
    @Order(9)
    void aFrozenReplicaGoesOnWhereItStopped() throws Exception {
        SseClient gus2 = stream(r(2), "gus", "feed:lost");
        SseClient hal0 = stream(r(0), "hal", "feed:lost");
        notifyOk(r(0), "feed", "lost", Map.of("n", 0));
        awaitData(gus2, "feed", "lost", "{\"n\":0}");
        List<String> sent = new ArrayList<>(List.of("{\"n\":0}"));
        // as a long GC pause or a network partition looks to the broker: there is no group to lose
        r(2).freeze();
        try {
            for (int i = 1; i <= 5; i++) {
                notifyOk(r(i % 2), "feed", "lost", Map.of("n", i));
                sent.add("{\"n\":" + i + "}");
            }
            awaitData(hal0, "feed", "lost", "{\"n\":5}");
        } finally {
            r(2).thaw();
        }
        awaitData(gus2, "feed", "lost", "{\"n\":5}");
        notifyOk(r(1), "feed", "lost", Map.of("n", "after"));
        sent.add("{\"n\":\"after\"}");
        awaitData(gus2, "feed", "lost", "{\"n\":\"after\"}");
        assertEquals(sent, data(gus2, "feed", "lost"), "every notification once, in order");
        assertEquals(sent, data(hal0, "feed", "lost"));
        r(2).awaitReady();
    }
}
