package dev.tidings.http;

import static dev.tidings.testing.Api.listen;
import static dev.tidings.testing.Api.stream;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tidings.testing.SseClient;
import io.quarkus.test.junit.QuarkusTest;
import java.util.Base64;
import org.junit.jupiter.api.Test;

@QuarkusTest
class StreamTest {

    @Test
    void firstEventIsReadyWithAnUnguessableClientId() {
        try (SseClient a = stream("alice"); SseClient b = stream("alice")) {
            assertEquals(200, a.status());
            SseClient.Event first = a.await(e -> true);
            assertEquals("ready", first.event());
            String id = a.clientId();
            assertTrue(Base64.getUrlDecoder().decode(id).length >= 16, "at least 128 random bits");
            assertFalse(first.json().get("resumed").asBoolean());
            assertNotEquals(id, b.clientId());
        }
    }

    @Test
    void listenFromTheQueryIsConfirmedAfterReady() {
        try (SseClient a = stream("alice", "chat:lobby", "feed:news")) {
            a.awaitListen("chat", "lobby", true);
            a.awaitListen("feed", "news", true);
            assertEquals("ready", a.events().get(0).event());
        }
    }

    @Test
    void listenByPostIsAnsweredWith204AndConfirmedOnTheStream() {
        try (SseClient a = stream("alice")) {
            listen("feed", a.clientId(), "sports").statusCode(204);
            a.awaitListen("feed", "sports", true);
            listen("feed", a.clientId(), "sports").statusCode(204);
            await().atMost(SseClient.WAIT).until(() -> a.events().stream()
                    .filter(e -> e.event().equals("listen")).count() == 2);
        }
    }

    @Test
    void idleStreamsReceiveHeartbeatComments() {
        try (SseClient a = stream("alice")) {
            a.clientId();
            await().atMost(SseClient.WAIT).until(() -> a.comments() >= 2);
        }
    }
}
