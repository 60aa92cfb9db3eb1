package dev.tidings.http;

import static dev.tidings.testing.Api.listen;
import static dev.tidings.testing.Api.notifyOn;
import static dev.tidings.testing.Api.stream;
import static dev.tidings.testing.Api.unlisten;
import static dev.tidings.testing.Api.uri;
import static io.restassured.RestAssured.given;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.equalTo;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tidings.testing.SseClient;
import io.quarkus.test.junit.QuarkusTest;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

@QuarkusTest
class ResumeTest {

    @Test
    void resumingWithinTheGracePeriodKeepsListensAndDeliversWhatCameMeanwhile() {
        String id;
        int streamsBefore = openStreams();
        try (SseClient first = stream("alice", "feed:resume")) {
            id = first.clientId();
            first.awaitListen("feed", "resume", true);
        }
        await().atMost(SseClient.WAIT).until(() -> openStreams() == streamsBefore);
        notifyOn("feed", "resume", Map.of("n", 1)).statusCode(202);
        try (SseClient again = SseClient.open(uri("/notif/stream?client=" + id), "X-Identity", "alice")) {
            SseClient.Event ready = again.await(e -> e.event().equals("ready"));
            assertEquals(id, ready.json().get("client").asText());
            assertTrue(ready.json().get("resumed").asBoolean());
            assertEquals(1, again.awaitData("feed", "resume", 1).get(0).get("n").asInt());
            notifyOn("feed", "resume", Map.of("n", 2)).statusCode(202);
            assertEquals(2, again.awaitData("feed", "resume", 2).get(1).get("n").asInt());
        }
    }

    @Test
    void resumingClosesTheStreamTheProcessStillHad() {
        try (SseClient first = stream("alice", "feed:takeover")) {
            String id = first.clientId();
            try (SseClient second = SseClient.open(uri("/notif/stream?client=" + id), "X-Identity", "alice")) {
                second.clientId();
                await().atMost(SseClient.WAIT).until(first::ended);
                notifyOn("feed", "takeover", Map.of("n", 1)).statusCode(202);
                second.awaitData("feed", "takeover", 1);
            }
        }
    }

    @Test
    void lastEventIdReplaysWhatTheOldStreamMayHaveLost() {
        try (SseClient first = stream("alice", "feed:replay")) {
            String id = first.clientId();
            first.awaitListen("feed", "replay", true);
            for (int i = 1; i <= 3; i++) {
                notifyOn("feed", "replay", Map.of("n", i)).statusCode(202);
            }
            first.awaitData("feed", "replay", 3);
            List<String> firstIds = first.events().stream().filter(e -> e.event().equals("notification"))
                    .map(SseClient.Event::id).toList();
            try (SseClient again = SseClient.open(uri("/notif/stream?client=" + id), "X-Identity", "alice",
                    "Last-Event-ID", firstIds.get(0))) {
                List<JsonNode> replayed = again.awaitData("feed", "replay", 2);
                assertEquals(List.of(2, 3), replayed.stream().map(n -> n.get("n").asInt()).toList());
                notifyOn("feed", "replay", Map.of("n", 4)).statusCode(202);
                assertEquals(List.of(2, 3, 4), again.awaitData("feed", "replay", 3).stream().map(n -> n.get("n").asInt()).toList());
                List<String> ids = again.events().stream().filter(e -> e.event().equals("notification")).map(SseClient.Event::id).toList();
                assertEquals(firstIds.subList(1, 3), ids.subList(0, 2), "the same cursors as the first stream sent with them");
                assertTrue(again.events().stream().noneMatch(e -> e.event().equals("missed")));
            }
        }
    }

    @Test
    void anotherIdentityCannotResumeAClientProcess() {
        try (SseClient alice = stream("alice")) {
            try (SseClient mallory = SseClient.open(uri("/notif/stream?client=" + alice.clientId()), "X-Identity", "mallory")) {
                assertEquals(403, mallory.status());
                assertEquals("forbidden", mallory.error().get("error").asText());
            }
        }
    }

    @Test
    void afterTheGracePeriodTheClientIsUnknownAndItsListensAreGone() {
        String id;
        try (SseClient first = stream("alice", "feed:expire")) {
            id = first.clientId();
            first.awaitListen("feed", "expire", true);
        }
        // The grace period is 2 s in tests. Polling with unlisten changes nothing and does not resume.
        long closedAt = System.nanoTime();
        await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(100))
                .until(() -> unlisten("feed", id, "never-listened").extract().statusCode() == 404);
        assertTrue(System.nanoTime() - closedAt >= Duration.ofMillis(1500).toNanos(), "the process outlived its stream");
        listen("feed", id, "expire").statusCode(404).body("error", equalTo("unknown_client"));
        try (SseClient again = SseClient.open(uri("/notif/stream?client=" + id), "X-Identity", "alice")) {
            assertEquals(404, again.status());
            assertEquals("unknown_client", again.error().get("error").asText());
        }
    }

    @jakarta.inject.Inject
    dev.tidings.core.Tidings tidings;

    @Test
    void aClientWhoseQueueOverflowsIsToldItMissedNotificationsAndKeepsListening() {
        String id;
        int streamsBefore = openStreams();
        try (SseClient first = stream("alice", "feed:overflow")) {
            id = first.clientId();
            first.awaitListen("feed", "overflow", true);
        }
        // Once the server has seen the stream go, everything queues (none is written to a dead socket).
        await().atMost(SseClient.WAIT).until(() -> openStreams() == streamsBefore);
        // No stream now: notifications queue up to tidings.client.queue-length (100 in tests).
        // In-process, so that all 110 are in well within the 2 s grace period even on a busy machine.
        for (int i = 1; i <= 110; i++) {
            tidings.notify("feed", "overflow", ("{\"n\":" + i + "}").getBytes(java.nio.charset.StandardCharsets.UTF_8),
                    dev.tidings.core.NotFor.none(), null).await().atMost(Duration.ofSeconds(5));
        }
        try (SseClient again = SseClient.open(uri("/notif/stream?client=" + id), "X-Identity", "alice")) {
            List<JsonNode> got = again.awaitData("feed", "overflow", 10);
            assertEquals(java.util.stream.IntStream.rangeClosed(101, 110).boxed().toList(),
                    got.stream().map(n -> n.get("n").asInt()).toList(), "the 101st found a full queue; 1..100 were dropped");
            List<String> kinds = again.events().stream().map(SseClient.Event::event).toList();
            assertEquals(List.of("ready", "missed"), kinds.subList(0, 2));
            notifyOn("feed", "overflow", Map.of("n", 111)).statusCode(202);
            assertEquals(111, again.awaitData("feed", "overflow", 11).get(10).get("n").asInt());
        }
    }

    private static int openStreams() {
        return given().get("/notif/stats").then().statusCode(200).extract().path("streams");
    }
}
