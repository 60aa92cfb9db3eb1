package dev.tidings.http;

import static dev.tidings.testing.Api.stream;
import static dev.tidings.testing.Api.uri;
import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.nullValue;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tidings.testing.Api;
import dev.tidings.testing.SseClient;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.RestAssured;
import io.restassured.http.ContentType;
import io.restassured.response.Response;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * What a page on another site can make a browser send: a POST that needs no CORS preflight (no
 * Content-Type, text/plain, a form), a cross-origin stream with the cookie, a cross-origin fetch.
 * None of it changes anything; a listed origin, a same-origin page and a service without Origin work.
 * The test profile lists {@code https://app.tidings.test} in {@code quarkus.http.cors.origins}.
 */
@QuarkusTest
class CrossSiteTest {

    private static final String EVIL = "https://evil.example";
    private static final String LISTED = "https://app.tidings.test";

    private static String listenBody(String client, String key) {
        return "{\"client\":\"" + client + "\",\"key\":\"" + key + "\"}";
    }

    @Test
    void aPostWithoutJsonContentTypeIs415AndChangesNothing() {
        try (SseClient alice = stream("alice")) {
            String id = alice.clientId();
            Api.RawAnswer none = Api.raw("POST", "/notif/feed/listen", listenBody(id, "csrf"));
            assertEquals(415, none.status(), none.body());
            assertTrue(none.body().contains("\"error\":\"unsupported_media_type\""), none.body());
            for (String type : new String[] {"text/plain", "text/plain;charset=UTF-8", "application/x-www-form-urlencoded",
                    "multipart/form-data; boundary=x", "application/jsonp", "application/json-patch+json"}) {
                Api.RawAnswer refused = Api.raw("POST", "/notif/feed/listen", listenBody(id, "csrf"), "Content-Type", type);
                assertEquals(415, refused.status(), type + ": " + refused.body());
                assertTrue(refused.body().contains("\"error\":\"unsupported_media_type\""), refused.body());
            }
            Api.RawAnswer notify = Api.raw("POST", "/notif/feed/notify", "{\"key\":\"csrf\",\"notification\":1}");
            assertEquals(415, notify.status(), "a POST with no Content-Type is no longer read as JSON");
            // A listen that is made is confirmed on the stream, in order: the sentinel's confirmation
            // comes after any the refused requests would have caused.
            Api.listen("feed", id, "sentinel").statusCode(204);
            alice.awaitListen("feed", "sentinel", true);
            assertTrue(alice.events().stream().noneMatch(e -> e.event().equals("listen") && e.data().contains("csrf")),
                    "no listen was made: " + alice.events());
        }
    }

    @Test
    void jsonWithParametersOrInAnyCaseIsAccepted() {
        try (SseClient alice = stream("alice")) {
            String id = alice.clientId();
            given().contentType("application/json; charset=utf-8").body(listenBody(id, "p1"))
                    .post("/notif/feed/listen").then().statusCode(204);
            Api.RawAnswer upper = Api.raw("POST", "/notif/feed/listen", listenBody(id, "p2"),
                    "Content-Type", "Application/JSON;Charset=UTF-8");
            assertEquals(204, upper.status(), upper.body());
            alice.awaitListen("feed", "p2", true);
        }
    }

    @Test
    void aDeleteMayComeWithoutContentTypeButNotWithAnotherOne() {
        try (SseClient alice = stream("alice")) {
            String id = alice.clientId();
            given().contentType(ContentType.TEXT).delete("/notif/client/" + id).then().statusCode(415)
                    .body("error", equalTo("unsupported_media_type"));
            Api.RawAnswer bare = Api.raw("DELETE", "/notif/client/" + id, null);
            assertEquals(204, bare.status(), "tidings.js closes with a bare DELETE: " + bare.body());
        }
    }

    @Test
    void aStreamFromAnUnlistedOriginIsRefusedAndLeavesNoClient() {
        int before = given().get("/notif/stats").then().extract().path("clients");
        try (SseClient s = SseClient.open(uri("/notif/stream?listen=feed:xo"), "X-Identity", "alice", "Origin", EVIL,
                "Cookie", "access_token=whatever")) {
            assertEquals(403, s.status());
            assertNull(s.header("Access-Control-Allow-Origin"));
        }
        Response r = given().header("Origin", EVIL).header("X-Identity", "alice").get("/notif/stream");
        assertEquals(403, r.statusCode());
        assertTrue(r.statusLine().contains("CORS Rejected"), r.statusLine());
        int after = given().get("/notif/stats").then().extract().path("clients");
        assertTrue(after <= before, "no client process was made (others' may have expired meanwhile)");
    }

    @Test
    void postsAndDeletesFromAnUnlistedOriginAreRefusedAndChangeNothing() {
        try (SseClient alice = stream("alice", "feed:xo")) {
            String id = alice.clientId();
            alice.awaitListen("feed", "xo", true);
            given().header("Origin", EVIL).contentType(ContentType.JSON).body(listenBody(id, "xo2"))
                    .post("/notif/feed/listen").then().statusCode(403);
            given().header("Origin", EVIL).contentType(ContentType.JSON)
                    .body(Map.of("key", "xo", "notification", Map.of("n", 1))).post("/notif/feed/notify").then().statusCode(403);
            given().header("Origin", EVIL).delete("/notif/client/" + id).then().statusCode(403);
            given().header("Origin", "null").delete("/notif/client/" + id).then().statusCode(403);
            // still there, still listening on xo only, and nothing was notified
            Api.notifyOn("feed", "xo", Map.of("n", 2)).statusCode(202);
            assertEquals(2, alice.awaitData("feed", "xo", 1).get(0).get("n").asInt());
            Api.listen("feed", id, "sentinel").statusCode(204);
            alice.awaitListen("feed", "sentinel", true);
            assertTrue(alice.events().stream().noneMatch(e -> e.event().equals("listen") && e.data().contains("xo2")));
        }
    }

    @Test
    void aPreflightFromAnUnlistedOriginGrantsNothing() {
        given().header("Origin", EVIL).header("Access-Control-Request-Method", "POST")
                .header("Access-Control-Request-Headers", "content-type").options("/notif/feed/listen")
                .then().statusCode(403).header("Access-Control-Allow-Origin", nullValue());
    }

    @Test
    void aListedOriginMayPreflightStreamAndPostWithCredentials() {
        given().header("Origin", LISTED).header("Access-Control-Request-Method", "POST")
                .header("Access-Control-Request-Headers", "content-type,authorization,last-event-id")
                .options("/notif/feed/listen").then().statusCode(200)
                .header("Access-Control-Allow-Origin", LISTED)
                .header("Access-Control-Allow-Credentials", "true")
                .header("Access-Control-Allow-Methods", containsString("POST"))
                .header("Access-Control-Allow-Headers", containsString("Last-Event-ID"));
        try (SseClient s = SseClient.open(uri("/notif/stream?listen=feed:listed"), "X-Identity", "carol", "Origin", LISTED)) {
            assertEquals(200, s.status());
            assertEquals(LISTED, s.header("Access-Control-Allow-Origin"));
            String id = s.clientId();
            given().header("Origin", LISTED).contentType(ContentType.JSON).body(listenBody(id, "listed2"))
                    .post("/notif/feed/listen").then().statusCode(204).header("Access-Control-Allow-Origin", LISTED);
            s.awaitListen("feed", "listed2", true);
        }
    }

    @Test
    void sameOriginPagesAndClientsWithoutOriginWork() {
        String self = RestAssured.baseURI + ":" + RestAssured.port;
        try (SseClient s = SseClient.open(uri("/notif/stream?listen=feed:self"), "X-Identity", "dave", "Origin", self)) {
            assertEquals(200, s.status());
            String id = s.clientId();
            given().header("Origin", self).contentType(ContentType.JSON).body(listenBody(id, "self2"))
                    .post("/notif/feed/listen").then().statusCode(204);
            s.awaitListen("feed", "self2", true);
            given().contentType(ContentType.JSON).body(Map.of("key", "self2", "notification", 1))
                    .post("/notif/feed/notify").then().statusCode(202);
            s.awaitData("feed", "self2", 1);
            given().header("Origin", self).delete("/notif/client/" + id).then().statusCode(204);
        }
    }
}
