package dev.tidings.identity;

import static dev.tidings.testing.Api.uri;
import static io.restassured.RestAssured.given;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tidings.testing.SseClient;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.restassured.http.ContentType;
import io.smallrye.jwt.algorithm.SignatureAlgorithm;
import io.smallrye.jwt.build.Jwt;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPairGenerator;
import java.time.Instant;
import java.util.Base64;
import java.util.Map;
import java.util.Set;
import javax.crypto.spec.SecretKeySpec;
import org.junit.jupiter.api.Test;

/** Tokens as an attacker would bring them, and a stream that ends when its token does. */
@QuarkusTest
@TestProfile(JwtModeTest.Profile.class)
class TokenTest {

    private static final String ISSUER = "https://tidings.test";

    private static int streamStatus(String token) {
        try (SseClient s = SseClient.open(uri("/notif/stream"), "Authorization", "Bearer " + token)) {
            if (s.status() == 401) {
                assertEquals("unauthenticated", s.error().get("error").asText());
            }
            return s.status();
        }
    }

    private static String unsigned(String payloadJson) {
        Base64.Encoder b64 = Base64.getUrlEncoder().withoutPadding();
        return b64.encodeToString("{\"alg\":\"none\",\"typ\":\"JWT\"}".getBytes(StandardCharsets.UTF_8)) + "."
                + b64.encodeToString(payloadJson.getBytes(StandardCharsets.UTF_8)) + ".";
    }

    @Test
    void everyFormOfBadTokenIs401() throws Exception {
        long now = Instant.now().getEpochSecond();
        assertEquals(200, streamStatus(Jwt.issuer(ISSUER).subject("alice").sign()), "the good one, for contrast");
        assertEquals(401, streamStatus(Jwt.issuer(ISSUER).subject("alice").expiresAt(now - 3600).sign()), "expired");
        assertEquals(401, streamStatus(Jwt.issuer(ISSUER).subject("alice").claim("nbf", now + 3600).sign()), "not yet valid");
        assertEquals(401, streamStatus(Jwt.issuer("https://elsewhere.test").subject("alice").sign()), "wrong issuer");
        var otherKey = KeyPairGenerator.getInstance("RSA");
        otherKey.initialize(2048);
        assertEquals(401, streamStatus(Jwt.issuer(ISSUER).subject("alice").sign(otherKey.generateKeyPair().getPrivate())),
                "signed with another key");
        assertEquals(401, streamStatus(unsigned("{\"iss\":\"" + ISSUER + "\",\"sub\":\"alice\",\"exp\":" + (now + 600) + "}")),
                "alg none");
        byte[] publicKey = Files.readAllBytes(Path.of("src/test/resources/jwt/publicKey.pem"));
        String hs256 = Jwt.issuer(ISSUER).subject("alice").jws().algorithm(SignatureAlgorithm.HS256)
                .sign(new SecretKeySpec(publicKey, "HmacSHA256"));
        assertEquals(401, streamStatus(hs256), "HS256 signed with the public key");
        assertEquals(401, streamStatus(Jwt.issuer(ISSUER).claim("upn", "").sign()), "no subject");
    }

    @Test
    void groupsAndClaimsAreOptionalButCount() {
        String noGroups = Jwt.issuer(ISSUER).subject("alice").sign();
        given().auth().oauth2(noGroups).contentType(ContentType.JSON).body(Map.of("key", "k", "notification", 1))
                .post("/notif/feed/notify").then().statusCode(403);
        String notifier = Jwt.issuer(ISSUER).subject("svc").groups(Set.of("notifier")).claim("team", "ops").sign();
        given().auth().oauth2(notifier).contentType(ContentType.JSON).body(Map.of("key", "k", "notification", 1))
                .post("/notif/feed/notify").then().statusCode(202);
    }

    @Test
    void aStreamEndsAtItsTokensExpiryAndResumesWithAFreshTokenWithoutLoss() {
        long soon = Instant.now().getEpochSecond() + 2;
        String shortLived = Jwt.issuer(ISSUER).subject("alice").expiresAt(soon).sign();
        String notifier = Jwt.issuer(ISSUER).subject("svc").groups(Set.of("notifier")).sign();
        String clientId;
        try (SseClient s = SseClient.open(uri("/notif/stream?listen=feed:exp"), "Authorization", "Bearer " + shortLived)) {
            clientId = s.clientId();
            s.awaitListen("feed", "exp", true);
            SseClient.Event closed = s.await(e -> e.event().equals("closed"));
            assertEquals("expired", closed.json().get("reason").asText());
            org.awaitility.Awaitility.await().atMost(SseClient.WAIT).until(s::ended);
            assertTrue(Instant.now().getEpochSecond() >= soon, "not before the token's exp");
        }
        given().auth().oauth2(notifier).contentType(ContentType.JSON).body(Map.of("key", "exp", "notification", Map.of("n", 1)))
                .post("/notif/feed/notify").then().statusCode(202);
        String fresh = Jwt.issuer(ISSUER).subject("alice").sign();
        try (SseClient s = SseClient.open(uri("/notif/stream?client=" + clientId), "Authorization", "Bearer " + fresh)) {
            assertEquals(200, s.status(), "the process outlived its stream for the grace period");
            assertEquals(1, s.awaitData("feed", "exp", 1).get(0).get("n").asInt());
        }
    }
}
