package dev.tidings.browser;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.tidings.kafka.testing.KafkaBroker;
import dev.tidings.kafka.testing.Replica;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * In Chromium, on the Kafka transport: the replica a page streams from is killed (SIGKILL) and
 * started again where the page expects it; meanwhile an outside service notifies through the
 * topic. Both the browser's own EventSource (no library, listens in its URL, reconnecting by
 * itself with Last-Event-ID) and a tidings.js client recover every notification once and in
 * order, private ones only where they belong, and are not told they missed anything.
 */
class KafkaPageRecoveryIT {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Map<String, String> SETTINGS = Map.of("tidings.kafka.send-timeout", "2s",
            "tidings.kafka.health-timeout", "1s", "tidings.client.grace", "5s");

    private Browser browser;
    private Replica replica;

    @BeforeEach
    void browser() {
        Browser.assumeInstalled();
        browser = new Browser("page", 1000, 700);
    }

    @AfterEach
    void close() {
        if (browser != null) {
            browser.close();
        }
        if (replica != null) {
            replica.close();
        }
    }

    private static String json(Object value) throws Exception {
        return JSON.writeValueAsString(value);
    }

    @Test
    void thePagesReplicaIsKilledAndItsStreamsRecoverFromTheTopic() throws Exception {
        KafkaBroker broker = KafkaBroker.shared();
        int port = KafkaBroker.freePort();
        String room = "page-" + UUID.randomUUID();
        replica = Replica.launch("page-a", broker.bootstrapServers(), SETTINGS, port).awaitReady();
        // any page of the replica's origin; the scripts below are the test's own
        browser.open("http://127.0.0.1:" + port + "/q/health/live");
        browser.js("""
                const seen = { ready: [], got: [], missed: [] };
                const es = new EventSource('/notif/stream?identity=bob&listen=' + encodeURIComponent('chat:' + arguments[0]));
                es.addEventListener('ready', (e) => seen.ready.push(JSON.parse(e.data).client));
                es.addEventListener('notification', (e) => seen.got.push(JSON.parse(e.data).data));
                es.addEventListener('missed', (e) => seen.missed.push(JSON.parse(e.data)));
                window.seen = seen;
                """, room);
        browser.jsAsync("""
                const room = arguments[0];
                import('/tidings.js').then((m) => {
                  const lib = { got: [], missed: [] };
                  const t = m.connect({ identity: 'carol', minDelay: 100, maxDelay: 1000 });
                  t.onNotification((data) => lib.got.push(data));
                  t.onMissed((missed) => lib.missed.push(missed));
                  window.lib = lib;
                  t.listen('chat', room).then(() => done(true), (e) => done(String(e)));
                });
                """, room);
        browser.untilJs("the EventSource is ready", "return window.seen.ready.length === 1");
        assertEquals(202, replica.post("/notif/chat/notify",
                json(Map.of("key", room, "notification", Map.of("from", "alice", "text", "before")))).status());
        browser.untilJs("both got the first", "return window.seen.got.length === 1 && window.lib.got.length === 1");

        replica.kill();
        try (KafkaProducer<String, String> outside = new KafkaProducer<>(Map.of(
                ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers(), ProducerConfig.ACKS_CONFIG, "all"),
                new StringSerializer(), new StringSerializer())) {
            for (int i = 1; i <= 10; i++) {
                outside.send(new ProducerRecord<>("tidings.chat", room, json(Map.of("from", "alice", "text", "during " + i))))
                        .get(10, TimeUnit.SECONDS);
            }
            outside.send(new ProducerRecord<>("tidings.chat", room, json(Map.of("from", "alice", "text", "for bob", "to", "bob"))))
                    .get(10, TimeUnit.SECONDS);
        }
        replica = Replica.launch("page-b", broker.bootstrapServers(), SETTINGS, port).awaitReady();
        browser.untilJs("the EventSource came back by itself", "return window.seen.ready.length === 2");
        assertEquals(202, replica.post("/notif/chat/notify",
                json(Map.of("key", room, "notification", Map.of("from", "alice", "text", "after")))).status());
        browser.untilJs("both got the last",
                "return window.seen.got.some(d => d.text === 'after') && window.lib.got.some(d => d.text === 'after')");

        List<String> during = java.util.stream.IntStream.rangeClosed(1, 10).mapToObj(i -> "during " + i).toList();
        List<String> forBob = new java.util.ArrayList<>(List.of("before"));
        forBob.addAll(during);
        forBob.add("for bob*");
        forBob.add("after");
        List<String> forCarol = new java.util.ArrayList<>(List.of("before"));
        forCarol.addAll(during);
        forCarol.add("after");
        assertEquals(forBob, browser.js("return window.seen.got.map(d => d.text + (d.private ? '*' : ''))"),
                "the plain EventSource: every one once, in order, the private one for bob");
        assertEquals(forCarol, browser.js("return window.lib.got.map(d => d.text + (d.private ? '*' : ''))"),
                "tidings.js: every one once, in order, bob's private one not for carol");
        assertEquals(List.of(), browser.js("return window.seen.missed"));
        assertEquals(List.of(), browser.js("return window.lib.missed"));
    }
}
