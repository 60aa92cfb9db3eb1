package dev.tidings.http;

import static dev.tidings.testing.Api.listen;
import static dev.tidings.testing.Api.post;
import static dev.tidings.testing.Api.postAs;
import static dev.tidings.testing.Api.stream;
import static dev.tidings.testing.Api.uri;
import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.notNullValue;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tidings.testing.Api;
import dev.tidings.testing.SseClient;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Every client mistake gets its 4xx with {@code {"error","message"}}, and leaves state intact. */
@QuarkusTest
class ErrorsTest {

    @Test
    void malformedJsonIs400() {
        given().contentType(ContentType.JSON).body("{\"key\":").post("/notif/feed/notify")
                .then().statusCode(400).body("error", equalTo("bad_request")).body("message", containsString("malformed JSON"));
        given().contentType(ContentType.JSON).body("{\"key\":\"k\",\"notification\":1} trailing").post("/notif/feed/notify")
                .then().statusCode(400).body("error", equalTo("bad_request"));
        given().contentType(ContentType.JSON).body("[1,2]").post("/notif/feed/notify")
                .then().statusCode(400).body("message", containsString("JSON object"));
        given().contentType(ContentType.JSON).body("").post("/notif/feed/listen")
                .then().statusCode(400).body("error", equalTo("bad_request"));
    }

    @Test
    void missingOrIllTypedFieldsAre400() {
        post("/notif/feed/notify", Map.of("notification", 1)).statusCode(400).body("message", equalTo("key is missing"));
        post("/notif/feed/notify", Map.of("key", "k")).statusCode(400).body("message", equalTo("notification is missing"));
        post("/notif/feed/notify", Map.of("key", 5, "notification", 1)).statusCode(400).body("message", containsString("key must be"));
        post("/notif/feed/notify", Map.of("key", "k", "notification", 1, "notfor", "me")).statusCode(400)
                .body("message", containsString("notfor"));
        post("/notif/feed/listen", Map.of("key", "k")).statusCode(400).body("message", equalTo("client is missing"));
        post("/notif/chat/notify", Map.of("key", "k", "notification", Map.of("text", "no sender"))).statusCode(400)
                .body("message", containsString("from is required"));
        post("/notif/probe/notify", Map.of("key", "has space", "notification", Map.of("seq", 1))).statusCode(400)
                .body("message", containsString("not a key"));
        post("/notif/chat/unlisten-identity", Map.of("key", "k")).statusCode(400).body("message", equalTo("identity is missing"));
    }

    @Test
    void badListenParameterOnTheStreamIs400AndLeavesNoClient() {
        int before = given().get("/notif/stats").then().extract().path("clients");
        try (SseClient s = SseClient.open(uri("/notif/stream?listen=nocolon"), "X-Identity", "alice")) {
            assertEquals(400, s.status());
            assertEquals("bad_request", s.error().get("error").asText());
        }
        try (SseClient s = SseClient.open(uri("/notif/stream?listen=nosuchtype:k"), "X-Identity", "alice")) {
            assertEquals(404, s.status());
            assertEquals("unknown_type", s.error().get("error").asText());
        }
        try (SseClient s = SseClient.open(uri("/notif/stream?listen=probe:forbidden"), "X-Identity", "alice")) {
            assertEquals(403, s.status());
            assertEquals("listen_refused", s.error().get("error").asText());
        }
        int after = given().get("/notif/stats").then().extract().path("clients");
        assertEquals(before, after, "a refused stream leaves no client process behind");
    }

    @Test
    void unknownTypeOrClientIs404() {
        post("/notif/nosuchtype/notify", Map.of("key", "k", "notification", 1)).statusCode(404).body("error", equalTo("unknown_type"));
        listen("feed", "no-such-client", "k").statusCode(404).body("error", equalTo("unknown_client"));
        given().delete("/notif/client/no-such-client").then().statusCode(404).body("error", equalTo("unknown_client"));
        given().get("/notif/nothing-here").then().statusCode(404).body("error", notNullValue());
    }

    @Test
    void anotherIdentitysClientOrARefusedListenIs403() {
        try (SseClient alice = stream("alice")) {
            String id = alice.clientId();
            postAs("mallory", "/notif/feed/listen", Map.of("client", id, "key", "k")).statusCode(403).body("error", equalTo("forbidden"));
            given().header("X-Identity", "mallory").delete("/notif/client/" + id).then().statusCode(403);
            postAs("alice", "/notif/probe/listen", Map.of("client", id, "key", "forbidden")).statusCode(403)
                    .body("error", equalTo("listen_refused"));
            postAs("alice", "/notif/feed/listen", Map.of("client", id, "key", "k")).statusCode(204);
            alice.awaitListen("feed", "k", true);
        }
    }

    @Test
    void bodyOverTheLimitIs413() {
        String big = "x".repeat(70 * 1024);
        post("/notif/feed/notify", Map.of("key", "k", "notification", big)).statusCode(413).body("error", equalTo("too_large"));
    }

    @Test
    void wrongContentTypeIs415() {
        given().contentType(ContentType.TEXT).body("{\"key\":\"k\",\"notification\":1}").post("/notif/feed/notify")
                .then().statusCode(415).body("error", equalTo("unsupported_media_type"));
    }

    @Test
    void tooManyListensIs429AndKeepsTheOthers() {
        try (SseClient a = stream("alice")) {
            String id = a.clientId();
            for (int i = 0; i < 20; i++) {
                listen("feed", id, "many-" + i).statusCode(204);
            }
            listen("feed", id, "many-20").statusCode(429).body("error", equalTo("limit"));
            listen("feed", id, "many-0").statusCode(204); // already held: still fine
            a.awaitListen("feed", "many-19", true);
        }
    }

    @Test
    void explicitCloseEndsTheProcessAtOnce() {
        try (SseClient a = stream("alice", "feed:close")) {
            String id = a.clientId();
            given().header("X-Identity", "alice").delete("/notif/client/" + id).then().statusCode(204);
            listen("feed", id, "close").statusCode(404);
            org.awaitility.Awaitility.await().atMost(SseClient.WAIT).until(a::ended);
            SseClient.Event last = a.events().get(a.events().size() - 1);
            assertEquals("closed", last.event(), "the stream says the process ended for good");
            assertEquals("closed", last.json().get("reason").asText());
        }
    }

    @Test
    void aQueryStringThatDoesNotDecodeIs400() {
        // Vert.x answers these itself, before any route runs (with an empty body): never a 500,
        // and no client process is made.
        int before = given().get("/notif/stats").then().extract().path("clients");
        Api.RawAnswer stream = Api.raw("GET", "/notif/stream?client=%zz", null, "X-Identity", "alice");
        assertEquals(400, stream.status(), stream.body());
        Api.RawAnswer notify = Api.raw("POST", "/notif/feed/notify?x=%", "{\"key\":\"k\",\"notification\":1}",
                "Content-Type", "application/json");
        assertEquals(400, notify.status(), notify.body());
        // other tests' client processes may end meanwhile (their 2 s grace), none may start
        int after = given().get("/notif/stats").then().extract().path("clients");
        assertTrue(after <= before, "no client process made: " + before + " before, " + after + " after");
    }

    @Test
    void tooManyClientProcessesForOneIdentityIs429() {
        // tidings.client.max-per-identity is 40 in tests
        java.util.List<SseClient> open = new java.util.ArrayList<>();
        try {
            for (int i = 0; i < 40; i++) {
                SseClient s = stream("greedy");
                assertEquals(200, s.status());
                open.add(s);
            }
            try (SseClient refused = stream("greedy")) {
                assertEquals(429, refused.status());
                assertEquals("limit", refused.error().get("error").asText());
            }
            given().header("X-Identity", "greedy").delete("/notif/client/" + open.get(0).clientId()).then().statusCode(204);
            try (SseClient again = stream("greedy")) {
                assertEquals(200, again.status(), "room for one more once one has ended");
            }
            try (SseClient other = stream("modest")) {
                assertEquals(200, other.status(), "the limit is per identity");
            }
        } finally {
            open.forEach(SseClient::close);
        }
    }
}
