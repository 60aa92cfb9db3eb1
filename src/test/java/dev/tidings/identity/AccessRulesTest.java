package dev.tidings.identity;

import static dev.tidings.testing.Api.uri;
import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.equalTo;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.tidings.core.TidingsException;
import dev.tidings.probe.ProbeType;
import dev.tidings.testing.SseClient;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.restassured.http.ContentType;
import io.smallrye.jwt.build.Jwt;
import io.smallrye.jwt.build.JwtClaimsBuilder;
import jakarta.inject.Inject;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** Who may listen and notify, from configuration alone, on every path that makes a listen. */
@QuarkusTest
@TestProfile(AccessRulesTest.Profile.class)
class AccessRulesTest {

    public static class Profile implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.ofEntries(
                    Map.entry("tidings.identity.mode", "jwt"),
                    Map.entry("mp.jwt.verify.publickey.location", "jwt/publicKey.pem"),
                    Map.entry("mp.jwt.verify.issuer", "https://tidings.test"),
                    Map.entry("smallrye.jwt.sign.key.location", "jwt/privateKey.pem"),
                    Map.entry("tidings.simple-types", "feed,inbox,rooms,staff"),
                    Map.entry("tidings.types.inbox.listen", "owner"),
                    Map.entry("tidings.types.rooms.listen", "claim:rooms"),
                    Map.entry("tidings.types.rooms.notify", "claim:rooms"),
                    Map.entry("tidings.types.staff.listen", "group:staff"),
                    Map.entry("tidings.types.probe.listen", "owner"));
        }
    }

    @Inject
    ProbeType probe;

    private static String token(String subject, Map<String, Object> claims, String... groups) {
        JwtClaimsBuilder jwt = Jwt.issuer("https://tidings.test").subject(subject).groups(Set.of(groups));
        claims.forEach(jwt::claim);
        return jwt.sign();
    }

    private static SseClient stream(String token, String listen) {
        return SseClient.open(uri("/notif/stream?listen=" + listen), "Authorization", "Bearer " + token);
    }

    private static void assertRefused(String token, String listen) {
        try (SseClient s = stream(token, listen)) {
            assertEquals(403, s.status(), listen);
            assertEquals("listen_refused", s.error().get("error").asText());
        }
    }

    private static void assertListens(String token, String listen) {
        try (SseClient s = stream(token, listen)) {
            assertEquals(200, s.status(), listen);
            String[] typeKey = listen.split(":", 2);
            s.awaitListen(typeKey[0], typeKey[1], true);
        }
    }

    @Test
    void anInboxIsItsOwnersOnly() {
        String alice = token("alice", Map.of());
        assertListens(alice, "inbox:alice");
        assertRefused(alice, "inbox:bob");
        try (SseClient s = stream(alice, "feed:x")) {
            given().auth().oauth2(alice).contentType(ContentType.JSON).body(Map.of("client", s.clientId(), "key", "bob"))
                    .post("/notif/inbox/listen").then().statusCode(403).body("error", equalTo("listen_refused"));
        }
    }

    @Test
    void aClaimListsTheKeysItsHolderMayListenOnWithWildcards() {
        String member = token("carol", Map.of("rooms", List.of("lobby", "team-*")));
        assertListens(member, "rooms:lobby");
        assertListens(member, "rooms:team-blue");
        assertRefused(member, "rooms:board");
        assertRefused(token("dave", Map.of()), "rooms:lobby");
        assertListens(token("erin", Map.of("rooms", "lobby")), "rooms:lobby");
    }

    @Test
    void aGroupRuleLetsItsMembersListenOnAnyKey() {
        assertListens(token("frank", Map.of(), "staff"), "staff:anything");
        assertRefused(token("gina", Map.of(), "other"), "staff:anything");
    }

    @Test
    void theNotifyRuleOfATypeDecidesWhoMayNotifyIt() {
        String member = token("carol", Map.of("rooms", List.of("lobby")));
        try (SseClient s = stream(member, "rooms:lobby")) {
            s.awaitListen("rooms", "lobby", true);
            given().auth().oauth2(member).contentType(ContentType.JSON).body(Map.of("key", "lobby", "notification", 1))
                    .post("/notif/rooms/notify").then().statusCode(202);
            given().auth().oauth2(member).contentType(ContentType.JSON).body(Map.of("key", "board", "notification", 1))
                    .post("/notif/rooms/notify").then().statusCode(403).body("error", equalTo("forbidden"));
            given().auth().oauth2(member).contentType(ContentType.JSON).body(Map.of("key", "x", "notification", 1))
                    .post("/notif/feed/notify").then().statusCode(403);
            s.awaitData("rooms", "lobby", 1);
        }
    }

    @Test
    void theJavaApiIsHeldToTheSameListenRule() {
        try (SseClient s = stream(token("alice", Map.of()), "feed:x")) {
            String id = s.clientId();
            TidingsException e = assertThrows(TidingsException.class,
                    () -> probe.listen(id, "bob").await().atMost(Duration.ofSeconds(5)));
            assertEquals(TidingsException.Reason.LISTEN_REFUSED, e.reason());
            probe.listen(id, "alice").await().atMost(Duration.ofSeconds(5));
            s.awaitListen("probe", "alice", true);
        }
    }
}
