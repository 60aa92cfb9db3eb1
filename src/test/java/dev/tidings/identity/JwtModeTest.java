package dev.tidings.identity;

import static dev.tidings.testing.Api.uri;
import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.equalTo;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.tidings.testing.SseClient;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.restassured.http.ContentType;
import io.smallrye.jwt.build.Jwt;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** JWT mode: identity is the token's subject; notifying needs the notifier group. */
@QuarkusTest
@TestProfile(JwtModeTest.Profile.class)
class JwtModeTest {

    public static class Profile implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of(
                    "tidings.identity.mode", "jwt",
                    "mp.jwt.verify.publickey.location", "jwt/publicKey.pem",
                    "mp.jwt.verify.issuer", "https://tidings.test",
                    "smallrye.jwt.sign.key.location", "jwt/privateKey.pem");
        }
    }

    private static String token(String subject, String... groups) {
        return Jwt.issuer("https://tidings.test").subject(subject).groups(Set.of(groups)).sign();
    }

    @Test
    void aStreamWithoutATokenIs401() {
        try (SseClient s = SseClient.open(uri("/notif/stream"))) {
            assertEquals(401, s.status());
            assertEquals("unauthenticated", s.error().get("error").asText());
        }
        try (SseClient s = SseClient.open(uri("/notif/stream"), "Authorization", "Bearer not.a.token")) {
            assertEquals(401, s.status());
        }
        try (SseClient s = SseClient.open(uri("/notif/stream"), "X-Identity", "alice")) {
            assertEquals(401, s.status(), "the demo header means nothing in jwt mode");
        }
    }

    @Test
    void theTokenMayComeFromTheHeaderTheQueryOrACookie() {
        String alice = token("alice");
        try (SseClient header = SseClient.open(uri("/notif/stream?listen=feed:j"), "Authorization", "Bearer " + alice);
                SseClient query = SseClient.open(uri("/notif/stream?listen=feed:j&access_token=" + alice));
                SseClient cookie = SseClient.open(uri("/notif/stream?listen=feed:j"), "Cookie", "access_token=" + alice)) {
            for (SseClient s : new SseClient[] {header, query, cookie}) {
                assertEquals(200, s.status());
                s.awaitListen("feed", "j", true);
            }
            given().auth().oauth2(token("service", "notifier")).contentType(ContentType.JSON)
                    .body(Map.of("key", "j", "notification", Map.of("n", 1))).post("/notif/feed/notify")
                    .then().statusCode(202);
            for (SseClient s : new SseClient[] {header, query, cookie}) {
                s.awaitData("feed", "j", 1);
            }
        }
    }

    @Test
    void notifyNeedsTheNotifierGroup() {
        given().contentType(ContentType.JSON).body(Map.of("key", "k", "notification", 1)).post("/notif/feed/notify")
                .then().statusCode(401).body("error", equalTo("unauthenticated"));
        given().auth().oauth2(token("alice")).contentType(ContentType.JSON).body(Map.of("key", "k", "notification", 1))
                .post("/notif/feed/notify").then().statusCode(403).body("error", equalTo("forbidden"));
        given().auth().oauth2(token("alice")).contentType(ContentType.JSON).body(Map.of("identity", "bob", "key", "k"))
                .post("/notif/feed/unlisten-identity").then().statusCode(403);
        given().auth().oauth2(token("ops", "notifier")).contentType(ContentType.JSON).body(Map.of("key", "k", "notification", 1))
                .post("/notif/feed/notify").then().statusCode(202);
    }

    @Test
    void onlyTheSubjectThatOwnsAClientMayChangeItsListens() {
        try (SseClient s = SseClient.open(uri("/notif/stream"), "Authorization", "Bearer " + token("alice"))) {
            String id = s.clientId();
            given().auth().oauth2(token("bob")).contentType(ContentType.JSON).body(Map.of("client", id, "key", "k"))
                    .post("/notif/feed/listen").then().statusCode(403).body("error", equalTo("forbidden"));
            given().auth().oauth2(token("alice")).contentType(ContentType.JSON).body(Map.of("client", id, "key", "k"))
                    .post("/notif/feed/listen").then().statusCode(204);
            s.awaitListen("feed", "k", true);
        }
    }
}
