package dev.tidings.http;

import static dev.tidings.testing.Api.listen;
import static dev.tidings.testing.Api.notifyOn;
import static dev.tidings.testing.Api.post;
import static dev.tidings.testing.Api.stream;
import static dev.tidings.testing.Api.unlisten;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tidings.testing.SseClient;
import io.quarkus.test.junit.QuarkusTest;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

@QuarkusTest
class NotifyTest {

    @Test
    void notifyReachesEveryListenerOnThatKeyAndNobodyElse() {
        try (SseClient a = stream("alice", "feed:k1"); SseClient b = stream("bob", "feed:k1");
                SseClient other = stream("carol", "feed:k2"); SseClient otherType = stream("dave", "chat:k1")) {
            a.awaitListen("feed", "k1", true);
            b.awaitListen("feed", "k1", true);
            other.awaitListen("feed", "k2", true);
            otherType.awaitListen("chat", "k1", true);

            notifyOn("feed", "k1", Map.of("n", 1)).statusCode(202);
            notifyOn("feed", "k2", Map.of("n", 2)).statusCode(202);

            assertEquals(1, a.awaitData("feed", "k1", 1).get(0).get("n").asInt());
            assertEquals(1, b.awaitData("feed", "k1", 1).get(0).get("n").asInt());
            assertEquals(2, other.awaitData("feed", "k2", 1).get(0).get("n").asInt());
            // Everything for k1 and k2 has arrived where it was due; nothing may have gone astray.
            assertEquals(1, a.notifications().size());
            assertEquals(1, b.notifications().size());
            assertEquals(1, other.notifications().size());
            assertTrue(otherType.notifications().isEmpty());
        }
    }

    @Test
    void aNotificationNearThePayloadLimitArrivesByteForByte() {
        // 60,000 characters of two- and three-byte UTF-8 in one string: well past the 10 KB where a
        // body once reached the resource zero-filled, and under the test's 64 KiB payload limit
        String text = "é€".repeat(12_000);
        try (SseClient a = stream("alice", "feed:big")) {
            a.awaitListen("feed", "big", true);
            notifyOn("feed", "big", Map.of("text", text)).statusCode(202);
            assertEquals(text, a.awaitData("feed", "big", 1).get(0).get("text").asText());
        }
    }

    @Test
    void notificationsCarryACursorAsTheirId() {
        try (SseClient a = stream("alice", "feed:ids")) {
            a.awaitListen("feed", "ids", true);
            for (int i = 0; i < 3; i++) {
                notifyOn("feed", "ids", Map.of("i", i)).statusCode(202);
            }
            a.awaitData("feed", "ids", 3);
            List<String> ids = a.events().stream().filter(e -> e.event().equals("notification")).map(SseClient.Event::id).toList();
            assertEquals(3, ids.stream().distinct().count(), "each says what the client has received by then: " + ids);
            assertTrue(ids.stream().allMatch(id -> id.matches("[A-Za-z0-9_-]{1,512}")), ids.toString());
        }
    }

    @Test
    void notForClientSkipsTheTabThatCausedIt() {
        try (SseClient a1 = stream("alice", "feed:nf"); SseClient a2 = stream("alice", "feed:nf")) {
            a1.awaitListen("feed", "nf", true);
            a2.awaitListen("feed", "nf", true);
            notifyOn("feed", "nf", Map.of("n", 1), Map.of("client", a1.clientId())).statusCode(202);
            notifyOn("feed", "nf", Map.of("n", 2)).statusCode(202);

            assertEquals(List.of(1, 2), a2.awaitData("feed", "nf", 2).stream().map(n -> n.get("n").asInt()).toList());
            // n=2 reached a1, so n=1 (sent before it) would have too: it was skipped.
            assertEquals(List.of(2), a1.awaitData("feed", "nf", 1).stream().map(n -> n.get("n").asInt()).toList());
        }
    }

    @Test
    void notForIdentitySkipsEveryTabOfThatIdentity() {
        try (SseClient a1 = stream("alice", "feed:ni"); SseClient a2 = stream("alice", "feed:ni");
                SseClient b = stream("bob", "feed:ni")) {
            a1.awaitListen("feed", "ni", true);
            a2.awaitListen("feed", "ni", true);
            b.awaitListen("feed", "ni", true);
            notifyOn("feed", "ni", Map.of("n", 1), Map.of("identity", "alice")).statusCode(202);
            notifyOn("feed", "ni", Map.of("n", 2)).statusCode(202);

            assertEquals(List.of(1, 2), b.awaitData("feed", "ni", 2).stream().map(n -> n.get("n").asInt()).toList());
            assertEquals(List.of(2), a1.awaitData("feed", "ni", 1).stream().map(n -> n.get("n").asInt()).toList());
            assertEquals(List.of(2), a2.awaitData("feed", "ni", 1).stream().map(n -> n.get("n").asInt()).toList());
        }
    }

    @Test
    void unlistenStopsDeliveryAndIsConfirmed() {
        try (SseClient a = stream("alice", "feed:u")) {
            a.awaitListen("feed", "u", true);
            notifyOn("feed", "u", Map.of("n", 1)).statusCode(202);
            a.awaitData("feed", "u", 1);
            unlisten("feed", a.clientId(), "u").statusCode(204);
            a.awaitListen("feed", "u", false);
            notifyOn("feed", "u", Map.of("n", 2)).statusCode(202);
            listen("feed", a.clientId(), "marker").statusCode(204);
            notifyOn("feed", "marker", Map.of("n", 3)).statusCode(202);
            a.awaitData("feed", "marker", 1);
            assertEquals(1, a.dataOn("feed", "u").size());
            unlisten("feed", a.clientId(), "u").statusCode(204); // idempotent
        }
    }

    @Test
    void unlistenIdentityStopsEveryTabOfThatIdentityOnly() {
        try (SseClient a1 = stream("alice", "chat:ui"); SseClient a2 = stream("alice", "chat:ui");
                SseClient b = stream("bob", "chat:ui")) {
            a1.awaitListen("chat", "ui", true);
            a2.awaitListen("chat", "ui", true);
            b.awaitListen("chat", "ui", true);
            post("/notif/chat/unlisten-identity", Map.of("identity", "alice", "key", "ui")).statusCode(202);
            a1.awaitListen("chat", "ui", false);
            a2.awaitListen("chat", "ui", false);
            notifyOn("chat", "ui", Map.of("from", "bob", "text", "still there?")).statusCode(202);
            b.awaitData("chat", "ui", 1);
            assertTrue(a1.dataOn("chat", "ui").isEmpty());
            assertTrue(a2.dataOn("chat", "ui").isEmpty());
            assertTrue(b.events().stream().noneMatch(e -> e.event().equals("listen")
                    && !e.json().get("listening").asBoolean()), "bob keeps listening");
        }
    }

    @Test
    void disconnectEndsEveryProcessOfThatIdentityOnly() {
        try (SseClient a1 = stream("alice", "feed:dc"); SseClient a2 = stream("alice"); SseClient b = stream("bob", "feed:dc")) {
            String alice1 = a1.clientId();
            a2.clientId();
            b.awaitListen("feed", "dc", true);
            post("/notif/disconnect", Map.of("identity", "alice")).statusCode(202);
            org.awaitility.Awaitility.await().atMost(SseClient.WAIT).until(() -> a1.ended() && a2.ended());
            assertEquals("disconnected", a1.await(e -> e.event().equals("closed")).json().get("reason").asText());
            listen("feed", alice1, "dc").statusCode(404);
            notifyOn("feed", "dc", Map.of("n", 1)).statusCode(202);
            b.awaitData("feed", "dc", 1);
            assertTrue(!b.ended());
        }
    }
}
