package dev.tidings.kafka;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
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
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.Collectors;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.RecordsToDelete;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.common.utils.Utils;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Recovery by cursor across replicas on a real broker, with replicas as separate processes killed
 * with SIGKILL: a client that reopens its stream on another replica with its last event id gets
 * every notification it missed exactly once, in order, prepared for it there, then the live ones;
 * and where the log cannot serve the cursor, it is told which keys may have gaps.
 */
class KafkaRecoveryIT {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Duration WAIT = Duration.ofSeconds(30);
    private static final Map<String, String> SETTINGS = Map.of(
            "tidings.kafka.send-timeout", "2s",
            "tidings.kafka.health-timeout", "1s",
            "tidings.client.grace", "5s");

    private static KafkaBroker broker;
    private final List<Replica> replicas = new ArrayList<>();
    private final List<SseClient> streams = new ArrayList<>();

    @BeforeAll
    static void startBroker() {
        broker = KafkaBroker.shared();
    }

    @AfterEach
    void stopAll() {
        streams.forEach(SseClient::close);
        replicas.forEach(Replica::close);
    }

    private Replica replica(String name) {
        return replica(name, Map.of());
    }

    private Replica replica(String name, Map<String, String> more) {
        Map<String, String> settings = new java.util.HashMap<>(SETTINGS);
        settings.putAll(more);
        Replica r = Replica.launch(name, broker.bootstrapServers(), settings);
        replicas.add(r);
        return r;
    }

    /** A stream as an identity with its listens in the URL, as a native EventSource reconnects; the cursor is optional. */
    private SseClient stream(Replica replica, String identity, String cursor, String... listens) {
        String query = List.of(listens).stream()
                .map(l -> "listen=" + URLEncoder.encode(l, StandardCharsets.UTF_8))
                .collect(Collectors.joining("&"));
        SseClient s = cursor == null
                ? SseClient.open(replica.uri("/notif/stream?" + query), "X-Identity", identity)
                : SseClient.open(replica.uri("/notif/stream?" + query), "X-Identity", identity, "Last-Event-ID", cursor);
        streams.add(s);
        assertEquals(200, s.status());
        s.clientId();
        return s;
    }

    /**
     * Once the stream has ended (its replica died or drained it), the id of its last event that
     * carried one: what a browser sends as Last-Event-ID when it reconnects.
     */
    private static String lastCursor(SseClient s) {
        await("the stream ends with its replica").atMost(WAIT).until(s::ended);
        String cursor = null;
        for (SseClient.Event e : s.events()) {
            if (e.id() != null && !e.id().isEmpty()) {
                cursor = e.id();
            }
        }
        assertNotNull(cursor, "the stream carried an event id");
        return cursor;
    }

    private static String json(Object value) {
        try {
            return JSON.writeValueAsString(value);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    private static int send(Replica replica, String type, String key, Object notification, Map<String, String> notFor) {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("key", key);
        body.put("notification", notification);
        if (notFor != null) {
            body.put("notfor", notFor);
        }
        return replica.post("/notif/" + type + "/notify", json(body)).status();
    }

    /** Writes {@code {"n":from}} … {@code {"n":to-1}} on a key of the feed topic as an outside service would; returns them as sent. */
    private static List<String> notifyFromOutside(String key, int from, int to) throws Exception {
        List<String> sent = new ArrayList<>();
        try (KafkaProducer<String, String> outside = new KafkaProducer<>(Map.of(
                ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers(), ProducerConfig.ACKS_CONFIG, "all"),
                new StringSerializer(), new StringSerializer())) {
            for (int i = from; i < to; i++) {
                outside.send(new ProducerRecord<>("tidings.feed", key, json(Map.of("n", i)))).get(10, TimeUnit.SECONDS);
                sent.add(json(Map.of("n", i)));
            }
        }
        return sent;
    }

    private static List<String> data(SseClient s, String type, String key) {
        return s.dataOn(type, key).stream().map(JsonNode::toString).toList();
    }

    private static List<JsonNode> missed(SseClient s) {
        return s.events().stream().filter(e -> e.event().equals("missed")).map(SseClient.Event::json).toList();
    }

    /**
     * Notifies from one replica, one after the other, until stopped: on {@code feed:<key>} a
     * numbered sequence, every 7th also a notification not for {@code notForClient}, and on
     * {@code chat:<key>} public messages, messages private to bob and private to dave.
     */
    private static final class Flow implements Runnable {
        final Replica via;
        final String key;
        final String notForClient;
        final List<String> feedForBob = Collections.synchronizedList(new ArrayList<>());
        final List<String> chatForBob = Collections.synchronizedList(new ArrayList<>());
        final List<Integer> failures = Collections.synchronizedList(new ArrayList<>());
        final AtomicBoolean stop = new AtomicBoolean();
        final int from;
        volatile int sent;
        Thread thread;

        Flow(Replica via, String key, String notForClient) {
            this(via, key, notForClient, 0);
        }

        /** Numbers from {@code from} on; no notification excludes anybody when {@code notForClient} is null. */
        Flow(Replica via, String key, String notForClient, int from) {
            this.via = via;
            this.key = key;
            this.notForClient = notForClient;
            this.from = from;
        }

        Flow start() {
            thread = new Thread(this, "flow");
            thread.start();
            return this;
        }

        @Override
        public void run() {
            for (int i = from; !stop.get(); i++) {
                step(i);
                sent = i + 1 - from;
            }
        }

        private void step(int i) {
            Map<String, Object> n = Map.of("n", i);
            check(send(via, "feed", key, n, null));
            feedForBob.add(json(n));
            if (notForClient != null && i % 7 == 3) {
                check(send(via, "feed", key, Map.of("notForBob", i), Map.of("client", notForClient)));
            }
            if (i % 5 == 0) {
                check(send(via, "chat", key, Map.of("from", "alice", "text", "public " + i), null));
                chatForBob.add(json(Map.of("from", "alice", "text", "public " + i, "private", false)));
            } else if (i % 5 == 1) {
                check(send(via, "chat", key, Map.of("from", "alice", "to", "bob", "text", "for bob " + i), null));
                chatForBob.add(json(Map.of("from", "alice", "text", "for bob " + i, "private", true)));
            } else if (i % 5 == 2) {
                check(send(via, "chat", key, Map.of("from", "alice", "to", "dave", "text", "for dave " + i), null));
            }
        }

        private void check(int status) {
            if (status != 202) {
                failures.add(status);
            }
        }

        void finish() throws InterruptedException {
            stop.set(true);
            thread.join(30_000);
        }
    }

    private static List<String> concat(List<String> a, List<String> b) {
        List<String> all = new ArrayList<>(a);
        all.addAll(b);
        return all;
    }

    private static void awaitReady(Replica... rs) {
        for (Replica r : rs) {
            r.awaitReady();
        }
    }

    /** JSON with members in the order the chat view writes them, for comparison. */
    private static List<String> normalised(List<String> jsons) {
        return jsons.stream().map(j -> {
            try {
                JsonNode n = JSON.readTree(j);
                return json(Map.of("from", n.get("from").asText(), "text", n.get("text").asText(), "private",
                        n.get("private").asBoolean()));
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        }).toList();
    }

    // ---- the behaviour ---------------------------------------------------------------------------------

    @Test
    void aClientWhoseReplicaIsKilledRecoversEverythingOnTheOtherExactlyOnce() throws Exception {
        Replica a = replica("rec-a");
        Replica b = replica("rec-b");
        awaitReady(a, b);
        SseClient bob = stream(a, "bob", null, "feed:k1", "chat:k1");
        Flow flow = new Flow(b, "k1", bob.clientId()).start();
        try {
            await("bob receives on replica a").atMost(WAIT).until(() -> data(bob, "feed", "k1").size() >= 20);
            a.kill();
            String cursor = lastCursor(bob);
            int sentAtKill = flow.sent;
            await("notifies go on meanwhile").atMost(WAIT).until(() -> flow.sent >= sentAtKill + 30);
            SseClient bob2 = stream(b, "bob", cursor, "feed:k1", "chat:k1");
            await("bob receives live ones on replica b").atMost(WAIT)
                    .until(() -> data(bob2, "feed", "k1").size() > flow.sent - sentAtKill);
            flow.finish();
            check(flow, bob, bob2);
        } finally {
            flow.stop.set(true);
        }
    }

    private static void check(Flow flow, SseClient before, SseClient after) {
        String last = flow.feedForBob.get(flow.feedForBob.size() - 1);
        await("the last notification arrives").atMost(WAIT).until(() -> data(after, "feed", "k1").contains(last));
        assertEquals(List.of(), flow.failures, "the replica that stayed answered every notify with 202");
        assertEquals(List.of(), missed(after), "nothing missed");
        List<String> feed = concat(data(before, "feed", "k1"), data(after, "feed", "k1"));
        assertEquals(flow.feedForBob, feed, "every notification exactly once, in order, none not for bob's tab");
        String lastChat = flow.chatForBob.get(flow.chatForBob.size() - 1);
        await("the last chat message arrives").atMost(WAIT)
                .until(() -> normalised(data(after, "chat", "k1")).contains(lastChat));
        assertEquals(flow.chatForBob, normalised(concat(data(before, "chat", "k1"), data(after, "chat", "k1"))),
                "public and bob's private messages once each, in order; none of dave's");
    }

    @Test
    void aCursorFromBeforeBothReplicasRestartedRecoversFromTheTopic() throws Exception {
        Replica a = replica("rec-c");
        awaitReady(a);
        SseClient bob = stream(a, "bob", null, "feed:k2");
        List<String> sent = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            assertEquals(202, send(a, "feed", "k2", Map.of("n", i), null));
            sent.add(json(Map.of("n", i)));
        }
        await().atMost(WAIT).until(() -> data(bob, "feed", "k2").size() == 5);
        a.kill();
        String cursor = lastCursor(bob);
        // no replica runs: an outside service keeps notifying through the topic
        sent.addAll(notifyFromOutside("k2", 5, 12));
        Replica d = replica("rec-d");
        awaitReady(d);
        SseClient bob2 = stream(d, "bob", cursor, "feed:k2");
        assertEquals(202, send(d, "feed", "k2", Map.of("n", 12), null));
        sent.add(json(Map.of("n", 12)));
        await("recovered from the topic, then live").atMost(WAIT).until(() -> data(bob2, "feed", "k2").size() >= 8);
        assertEquals(List.of(), missed(bob2));
        assertEquals(sent, concat(data(bob, "feed", "k2"), data(bob2, "feed", "k2")));
    }

    @Test
    void aCursorOlderThanTheLogIsToldWhichKeysMayHaveGaps() throws Exception {
        Replica a = replica("rec-e");
        Replica b = replica("rec-f");
        awaitReady(a, b);
        SseClient bob = stream(a, "bob", null, "feed:k3");
        assertEquals(202, send(b, "feed", "k3", Map.of("n", 0), null));
        await().atMost(WAIT).until(() -> data(bob, "feed", "k3").size() == 1);
        a.kill();
        String cursor = lastCursor(bob);
        for (int i = 1; i < 4; i++) {
            assertEquals(202, send(b, "feed", "k3", Map.of("n", i), null));
        }
        // retention takes the partition's records up to its end
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers()));
                KafkaConsumer<String, String> probe = new KafkaConsumer<>(Map.of(
                        ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers()),
                        new StringDeserializer(), new StringDeserializer())) {
            int partitions = probe.partitionsFor("tidings.feed").size();
            TopicPartition tp = new TopicPartition("tidings.feed",
                    Utils.toPositive(Utils.murmur2("k3".getBytes(StandardCharsets.UTF_8))) % partitions);
            long end = probe.endOffsets(List.of(tp)).get(tp);
            admin.deleteRecords(Map.of(tp, RecordsToDelete.beforeOffset(end))).all().get(10, TimeUnit.SECONDS);
        }
        // replica b still holds them in memory; a replica started now must read the topic
        Replica c = replica("rec-g");
        awaitReady(c);
        SseClient bob2 = stream(c, "bob", cursor, "feed:k3");
        List<JsonNode> missed = await("told").atMost(WAIT).until(() -> missed(bob2), m -> !m.isEmpty());
        String text = missed.get(0).toString();
        assertTrue(text.contains("\"feed\"") && text.contains("\"k3\""), "names the type and key: " + text);
        assertEquals(202, send(c, "feed", "k3", Map.of("n", "live"), null));
        await("live ones go on").atMost(WAIT).until(() -> data(bob2, "feed", "k3").contains("{\"n\":\"live\"}"));
    }

    @Test
    void aCursorFurtherBehindThanTheReadBackLimitIsToldWhichKeysMayHaveGapsInsteadOfReadingThemAll() throws Exception {
        Replica a = replica("rec-m");
        awaitReady(a);
        SseClient bob = stream(a, "bob", null, "feed:k6");
        assertEquals(202, send(a, "feed", "k6", Map.of("n", 0), null));
        await().atMost(WAIT).until(() -> data(bob, "feed", "k6").size() == 1);
        a.kill();
        String cursor = lastCursor(bob);
        List<String> behind = notifyFromOutside("k6", 1, 9);
        // started after those 8 records, so they must read them back from the topic: more than d
        // may, exactly as many as e may
        Replica d = replica("rec-n", Map.of("tidings.kafka.recovery.max-read", "5"));
        Replica e = replica("rec-o", Map.of("tidings.kafka.recovery.max-read", "8"));
        awaitReady(d, e);
        SseClient bobAtE = stream(e, "bob", cursor, "feed:k6");
        await("at the limit: read back").atMost(WAIT).until(() -> data(bobAtE, "feed", "k6").size() == behind.size());
        assertEquals(behind, data(bobAtE, "feed", "k6"));
        assertEquals(List.of(), missed(bobAtE), "nothing missed at the limit");
        SseClient bob2 = stream(d, "bob", cursor, "feed:k6");
        List<JsonNode> missed = await("told").atMost(WAIT).until(() -> missed(bob2), m -> !m.isEmpty());
        assertEquals("retention", missed.get(0).path("reason").asText(), missed.get(0).toString());
        assertEquals("[{\"type\":\"feed\",\"key\":\"k6\"}]", missed.get(0).path("keys").toString());
        assertEquals(202, send(d, "feed", "k6", Map.of("n", "live"), null));
        await("live ones go on").atMost(WAIT).until(() -> data(bob2, "feed", "k6").contains("{\"n\":\"live\"}"));
        assertEquals(List.of("{\"n\":\"live\"}"), data(bob2, "feed", "k6"), "nothing of the 8 was replayed");
    }

    /** A stream that ended (its replica drained it) reopened on another replica with its cursor, as a browser would. */
    private SseClient moved(SseClient ended, Replica to, String identity, String... listens) {
        return stream(to, identity, lastCursor(ended), listens);
    }

    @Test
    void aRollingRestartUnderAFlowLosesNothing() throws Exception {
        Replica a = replica("roll-a");
        Replica b = replica("roll-b");
        awaitReady(a, b);
        SseClient bob = stream(a, "bob", null, "feed:k4");
        SseClient carol = stream(b, "carol", null, "feed:k4");
        List<String> sent = new ArrayList<>();

        // a restarts (SIGTERM: drained, streams ended with a retry hint); b stays and takes the notifies
        Flow first = new Flow(b, "k4", null).start();
        await().atMost(WAIT).until(() -> data(bob, "feed", "k4").size() >= 10);
        a.close();
        SseClient bob2 = moved(bob, b, "bob", "feed:k4");
        Replica a2 = replica("roll-a2");
        awaitReady(a2);
        first.finish();
        sent.addAll(first.feedForBob);

        // then b restarts; a2 stays
        Flow second = new Flow(a2, "k4", null, first.sent).start();
        await().atMost(WAIT).until(() -> second.sent >= 10);
        b.close();
        SseClient bob3 = moved(bob2, a2, "bob", "feed:k4");
        SseClient carol2 = moved(carol, a2, "carol", "feed:k4");
        await().atMost(WAIT).until(() -> second.sent >= 30);
        second.finish();
        sent.addAll(second.feedForBob);

        assertEquals(List.of(), first.failures, "no 5xx from the replica that stayed");
        assertEquals(List.of(), second.failures, "no 5xx from the replica that stayed");
        String last = sent.get(sent.size() - 1);
        await().atMost(WAIT).until(() -> data(bob3, "feed", "k4").contains(last) && data(carol2, "feed", "k4").contains(last));
        for (SseClient s : List.of(bob2, bob3, carol2)) {
            assertEquals(List.of(), missed(s));
        }
        assertEquals(sent, concat(concat(data(bob, "feed", "k4"), data(bob2, "feed", "k4")), data(bob3, "feed", "k4")),
                "bob, moved twice: every acknowledged notification exactly once, in order");
        assertEquals(sent, concat(data(carol, "feed", "k4"), data(carol2, "feed", "k4")),
                "carol, moved once: the same");
    }

    @Test
    void aCursorFromALostLogIsToldWhichKeysMayHaveGaps() throws Exception {
        // a topic of this test's own, so that losing it disturbs no other test
        Map<String, String> ownTopic = Map.of("tidings.kafka.topics.feed", "tidings.feed-lost");
        Replica a = replica("lost-a", ownTopic);
        awaitReady(a);
        SseClient bob = stream(a, "bob", null, "feed:k5", "chat:k5");
        assertEquals(202, send(a, "feed", "k5", Map.of("n", 0), null));
        await().atMost(WAIT).until(() -> data(bob, "feed", "k5").size() == 1);
        a.kill();
        String cursor = lastCursor(bob);
        // the log is lost: the topic deleted and created again (a new topic id), as after a cluster rebuild
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers()))) {
            admin.deleteTopics(List.of("tidings.feed-lost")).all().get(10, TimeUnit.SECONDS);
            await("deleted").atMost(WAIT).until(() -> !admin.listTopics().names().get(5, TimeUnit.SECONDS).contains("tidings.feed-lost"));
        }
        Replica c = replica("lost-c", ownTopic); // creates it again at start
        awaitReady(c);
        SseClient bob2 = stream(c, "bob", cursor, "feed:k5", "chat:k5");
        List<JsonNode> missed = await("told").atMost(WAIT).until(() -> missed(bob2), m -> !m.isEmpty());
        String text = missed.toString();
        assertTrue(text.contains("\"feed\"") && text.contains("\"k5\""), "names the lost log's key: " + text);
        assertTrue(!text.contains("\"chat\""), "and not the key whose log is intact: " + text);
        assertEquals(202, send(c, "feed", "k5", Map.of("n", "live"), null));
        await("live ones go on").atMost(WAIT).until(() -> data(bob2, "feed", "k5").contains("{\"n\":\"live\"}"));
    }
}
