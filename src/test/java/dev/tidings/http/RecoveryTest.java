package dev.tidings.http;

import static dev.tidings.testing.Api.notifyOn;
import static dev.tidings.testing.Api.stream;
import static dev.tidings.testing.Api.uri;
import static io.restassured.RestAssured.given;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tidings.testing.SseClient;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import java.io.ByteArrayOutputStream;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/**
 * Recovery by cursor over HTTP, on the in-process log: the {@code id:} of a stream's events, given
 * as {@code Last-Event-ID} to a new stream with its listens, brings every notification published
 * after it once and in order; where it cannot, {@code event: missed} names the keys.
 */
@QuarkusTest
@TestProfile(RecoveryTest.ShortLog.class)
class RecoveryTest {

    /** A pass-through type with a log of 5, to go past its retention. */
    public static class ShortLog implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("tidings.simple-types", "feed,brief", "tidings.types.brief.retention-count", "5");
        }
    }

    private static String unique(String prefix) {
        return prefix + "-" + UUID.randomUUID().toString().substring(0, 8);
    }

    private static SseClient streamFrom(String identity, String cursor, String... listens) {
        StringBuilder q = new StringBuilder("/notif/stream");
        char sep = '?';
        for (String l : listens) {
            q.append(sep).append("listen=").append(URLEncoder.encode(l, StandardCharsets.UTF_8));
            sep = '&';
        }
        return SseClient.open(uri(q.toString()), "X-Identity", identity, "Last-Event-ID", cursor);
    }

    private static Map<String, Object> chat(String from, String text, String to) {
        Map<String, Object> m = new HashMap<>(Map.of("from", from, "text", text));
        if (to != null) {
            m.put("to", to);
        }
        return m;
    }

    private static String lastId(SseClient c) {
        List<SseClient.Event> withId = c.events().stream().filter(e -> e.id() != null).toList();
        return withId.get(withId.size() - 1).id();
    }

    private static List<String> texts(SseClient c, String room) {
        return c.dataOn("chat", room).stream().map(d -> d.get("text").asText() + (d.get("private").asBoolean() ? "*" : ""))
                .toList();
    }

    @Test
    void afterItsProcessEndedANewStreamRecoversEverythingFromTheCursorOnceInOrder() {
        String room = unique("room");
        String cursor;
        String oldClient;
        try (SseClient bob = stream("bob", "chat:" + room)) {
            oldClient = bob.clientId();
            bob.awaitListen("chat", room, true);
            notifyOn("chat", room, chat("alice", "one", null)).statusCode(202);
            bob.awaitData("chat", room, 1);
            cursor = lastId(bob);
            assertTrue(cursor.matches("[A-Za-z0-9_-]{1,512}"), cursor);
        }
        // The process ends for good (as at the end of its grace period): only the log remembers.
        given().header("X-Identity", "bob").delete("/notif/client/" + oldClient).then().statusCode(204);

        notifyOn("chat", room, chat("alice", "two", null)).statusCode(202);
        notifyOn("chat", room, chat("alice", "for bob", "bob")).statusCode(202);
        notifyOn("chat", room, chat("alice", "for carol", "carol")).statusCode(202);
        notifyOn("chat", room, chat("alice", "not for bob", null), Map.of("identity", "bob")).statusCode(202);
        notifyOn("chat", room, chat("bob", "bob's own, from his old tab", null), Map.of("client", oldClient)).statusCode(202);
        notifyOn("chat", room, chat("alice", "three", null)).statusCode(202);

        try (SseClient again = streamFrom("bob", cursor, "chat:" + room)) {
            assertEquals(200, again.status());
            assertTrue(!again.clientId().equals(oldClient));
            again.awaitData("chat", room, 3);
            notifyOn("chat", room, chat("alice", "live", null)).statusCode(202);
            notifyOn("chat", room, chat("bob", "live, from the old tab", null), Map.of("client", oldClient)).statusCode(202);
            notifyOn("chat", room, chat("alice", "last", null)).statusCode(202);
            again.awaitData("chat", room, 5);
            assertEquals(List.of("two", "for bob*", "three", "live", "last"), texts(again, room));
            List<String> kinds = again.events().stream().map(SseClient.Event::event).toList();
            assertEquals("ready", kinds.get(0));
            assertTrue(!kinds.contains("missed"), kinds.toString());
        }
    }

    @Test
    void aStreamCutWhileNotificationsFlowRecoversWithoutGapOrDuplicate() throws Exception {
        String key = unique("flow");
        int total = 300;
        try (SseClient first = stream("ann", "feed:" + key)) {
            first.awaitListen("feed", key, true);
            Thread publisher = new Thread(() -> {
                for (int n = 1; n <= total; n++) {
                    notifyOn("feed", key, Map.of("n", n)).statusCode(202);
                }
            });
            publisher.start();
            first.awaitData("feed", key, 50);
            first.close(); // cut while the flow goes on
            await().atMost(SseClient.WAIT).until(first::ended);
            String cursor = lastId(first);
            int had = first.dataOn("feed", key).size();
            try (SseClient again = streamFrom("ann", cursor, "feed:" + key)) {
                publisher.join();
                List<JsonNode> rest = again.awaitData("feed", key, total - had);
                List<Integer> all = new java.util.ArrayList<>(first.dataOn("feed", key).subList(0, had).stream()
                        .map(n -> n.get("n").asInt()).toList());
                all.addAll(rest.stream().map(n -> n.get("n").asInt()).toList());
                assertEquals(java.util.stream.IntStream.rangeClosed(1, total).boxed().toList(), all);
            }
        }
    }

    @Test
    void aCursorThatIsNotOneIsA400WithAJsonError() {
        for (String bad : List.of("17", "not a cursor", "AQ==", "A".repeat(600))) {
            try (SseClient c = streamFrom("ann", bad, "feed:x")) {
                assertEquals(400, c.status(), bad);
                assertEquals("bad_request", c.error().get("error").asText());
                assertNotNull(c.error().get("message").asText());
            }
            try (SseClient c = SseClient.open(uri("/notif/stream?listen=feed:x&lastEventId="
                    + URLEncoder.encode(bad, StandardCharsets.UTF_8)), "X-Identity", "ann")) {
                assertEquals(400, c.status(), bad);
                assertEquals("bad_request", c.error().get("error").asText());
            }
        }
    }

    @Test
    void pastTheLogsRetentionTheStreamSaysWhichKeysMayHaveGaps() {
        // tidings.types.brief.retention-count=5 (ShortLog)
        String key = unique("k");
        String kept = unique("kept");
        String cursor;
        try (SseClient first = stream("ann", "brief:" + key, "feed:" + kept)) {
            first.awaitListen("brief", key, true);
            first.awaitListen("feed", kept, true);
            notifyOn("brief", key, Map.of("n", 0)).statusCode(202);
            first.awaitData("brief", key, 1);
            cursor = lastId(first);
        }
        for (int n = 1; n <= 10; n++) {
            notifyOn("brief", key, Map.of("n", n)).statusCode(202);
        }
        notifyOn("feed", kept, Map.of("n", 1)).statusCode(202);
        try (SseClient again = streamFrom("ann", cursor, "brief:" + key, "feed:" + kept)) {
            SseClient.Event missed = again.await(e -> e.event().equals("missed"));
            assertEquals("retention", missed.json().get("reason").asText());
            assertEquals(List.of(Map.of("type", "brief", "key", key)), keys(missed));
            assertEquals(List.of("ready", "missed"), again.events().stream().map(SseClient.Event::event).toList().subList(0, 2));
            assertEquals(1, again.awaitData("feed", kept, 1).get(0).get("n").asInt(), "the other log recovers");
            notifyOn("brief", key, Map.of("n", 11)).statusCode(202);
            assertEquals(11, again.awaitData("brief", key, 1).get(0).get("n").asInt());
        }
        String metrics = given().get("/q/metrics").then().statusCode(200).extract().asString();
        assertTrue(metrics.lines().anyMatch(l -> l.startsWith("tidings_missed_total{") && l.contains("reason=\"retention\"")
                && !l.endsWith(" 0.0")), "counted");
    }

    @Test
    void aCursorFromBeforeARestartIsMissedForItsKeys() {
        // A cursor as the format says, for the feed log of another epoch (this process's log is new)
        String key = unique("k");
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        b.write(1); // version
        b.write(1); // one log
        b.writeBytes(new byte[16]); // no client id
        int hash = 0x811c9dc5;
        for (byte x : "feed".getBytes(StandardCharsets.UTF_8)) {
            hash = (hash ^ (x & 0xff)) * 0x01000193;
        }
        for (int i = 3; i >= 0; i--) {
            b.write(hash >>> (8 * i));
        }
        long epoch = 0x5eed;
        for (int i = 7; i >= 0; i--) {
            b.write((int) (epoch >>> (8 * i)));
        }
        b.write(4); // offset 3, plus one, as a varint
        String cursor = Base64.getUrlEncoder().withoutPadding().encodeToString(b.toByteArray());
        try (SseClient again = streamFrom("ann", cursor, "feed:" + key)) {
            SseClient.Event missed = again.await(e -> e.event().equals("missed"));
            assertEquals("epoch", missed.json().get("reason").asText());
            assertEquals(List.of(Map.of("type", "feed", "key", key)), keys(missed));
            notifyOn("feed", key, Map.of("n", 1)).statusCode(202);
            again.awaitData("feed", key, 1);
        }
    }

    private static List<Map<String, String>> keys(SseClient.Event missed) {
        List<Map<String, String>> keys = new java.util.ArrayList<>();
        missed.json().get("keys").forEach(k -> keys.add(Map.of("type", k.get("type").asText(), "key", k.get("key").asText())));
        return keys;
    }
}
