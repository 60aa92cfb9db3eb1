package dev.tidings.browser;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.equalTo;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.restassured.http.ContentType;
import io.smallrye.jwt.build.Jwt;
import java.net.URL;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** tidings.js in JWT mode: the token goes as {@code Authorization: Bearer} on the stream and on every request. */
@QuarkusTest
@TestProfile(TidingsJsJwtBrowserTest.Profile.class)
class TidingsJsJwtBrowserTest {

    /** JWT mode with the test key pair in src/test/resources/jwt (as in JwtModeTest). */
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

    private static Browser browser;

    @TestHTTPResource("/")
    URL base;

    @BeforeEach
    void start() {
        Browser.assumeInstalled();
        if (browser == null) {
            browser = new Browser("jwt", 1000, 700);
        }
    }

    @AfterAll
    static void stop() {
        if (browser != null) {
            browser.close();
            browser = null;
        }
    }

    private static String token(String subject, String... groups) {
        return Jwt.issuer("https://tidings.test").subject(subject).groups(Set.of(groups)).sign();
    }

    private void open(String query) {
        browser.open(base + "bare.html?" + query);
        browser.untilJs("page loaded", "return window.bare !== undefined");
    }

    private static String enc(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8);
    }

    @Test
    void aTokenOrATokenFunctionOpensTheStreamListensNotifiesAndCloses() {
        for (String how : new String[] {"", "&tokenFunction=1"}) {
            String key = "jwt-" + UUID.randomUUID().toString().substring(0, 8);
            open("token=" + enc(token("alice")) + how + "&listen=" + enc("feed:" + key));
            browser.untilJs("listen confirmed", "return window.bare.events.some(e => e.kind === 'listened')");

            given().auth().oauth2(token("service", "notifier")).contentType(ContentType.JSON)
                    .body(Map.of("key", key, "notification", Map.of("text", "for alice"))).post("/notif/feed/notify")
                    .then().statusCode(202);
            browser.untilJs("notification", "return window.bare.got.some(n => n.key === arguments[0])", key);

            // alice is no notifier: the server's 403 comes back as the promise's rejection
            Object refused = browser.jsAsync("window.bare.t.notify('feed', arguments[0], {text: 'x'})"
                    + ".then(() => done('sent'), e => done(e.status + ' ' + e.error))", key);
            assertEquals("403 forbidden", refused);

            String id = (String) browser.js("return window.bare.t.clientId");
            assertEquals("closed", browser.jsAsync("window.bare.t.close().then(() => done(window.bare.t.state), e => done(e.message))"));
            given().auth().oauth2(token("alice")).contentType(ContentType.JSON).body(Map.of("client", id, "key", key))
                    .post("/notif/feed/listen").then().statusCode(404).body("error", equalTo("unknown_client"));
        }
    }

    @Test
    void aStreamEndedByItsTokensExpiryResumesWithAFreshTokenAndLosesNothing() {
        String key = "exp-" + UUID.randomUUID().toString().substring(0, 8);
        String shortLived = Jwt.issuer("https://tidings.test").subject("alice")
                .expiresAt(java.time.Instant.now().getEpochSecond() + 2).sign();
        open("tokens=" + enc(shortLived + "," + token("alice")) + "&listen=" + enc("feed:" + key));
        browser.untilJs("listen confirmed", "return window.bare.events.some(e => e.kind === 'listened')");
        String id = (String) browser.js("return window.bare.t.clientId");
        browser.untilJs("the stream ended at exp and came back",
                "return window.bare.events.filter(e => e.kind === 'state' && e.state === 'open').length >= 2");
        given().auth().oauth2(token("service", "notifier")).contentType(ContentType.JSON)
                .body(Map.of("key", key, "notification", Map.of("text", "after expiry"))).post("/notif/feed/notify")
                .then().statusCode(202);
        browser.untilJs("notification after the fresh token", "return window.bare.got.some(n => n.key === arguments[0])", key);
        assertEquals(id, browser.js("return window.bare.t.clientId"), "the same client process, resumed");
        assertEquals(0L, browser.js("return window.bare.events.filter(e => e.kind === 'missed' || e.kind === 'error').length"));
        browser.jsAsync("window.bare.t.close().then(() => done())");
    }

    @Test
    void withoutATokenThePageIsToldWhyAndKeepsTrying() {
        open("");
        browser.untilJs("401 reported twice (it retries)",
                "return window.bare.events.filter(e => e.kind === 'error' && e.status === 401 && e.error === 'unauthenticated').length >= 2");
        assertEquals("connecting", browser.js("return window.bare.t.state"));
        browser.jsAsync("window.bare.t.close().then(() => done())");
    }
}
