package dev.tidings.http;

import static dev.tidings.testing.Api.stream;
import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.nullValue;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tidings.testing.SseClient;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.response.ValidatableResponse;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/** The demo and static files carry a Content-Security-Policy; every answer is nosniff and sends no Referer. */
@QuarkusTest
class SecurityHeadersTest {

    static final String CSP = "default-src 'self'; img-src 'self' data:; object-src 'none'; base-uri 'none'; "
            + "form-action 'self'; frame-ancestors 'none'";

    private static ValidatableResponse everyAnswersHeaders(ValidatableResponse r) {
        return r.header("X-Content-Type-Options", "nosniff").header("Referrer-Policy", "no-referrer");
    }

    @Test
    void theDemoPageAndStaticFilesCarryThePolicy() {
        for (String path : new String[] {"/", "/index.html", "/demo.js", "/demo.css", "/tidings.js", "/tidings.d.ts"}) {
            everyAnswersHeaders(given().get(path).then().statusCode(200)).header("Content-Security-Policy", CSP);
        }
    }

    @Test
    void theDemoPageNeedsNothingThePolicyForbids() {
        String html = given().get("/").then().statusCode(200).extract().asString();
        Matcher scripts = Pattern.compile("<script\\b([^>]*)>(.*?)</script>", Pattern.DOTALL).matcher(html);
        int count = 0;
        while (scripts.find()) {
            count++;
            assertTrue(scripts.group(1).contains("src=\""), "no inline script: " + scripts.group());
            assertTrue(scripts.group(2).isBlank(), "no inline script: " + scripts.group());
            assertFalse(scripts.group(1).matches(".*src=\"(https?:)?//.*"), "scripts from this origin only");
        }
        assertTrue(count > 0);
        assertFalse(Pattern.compile("<style\\b|\\sstyle=|\\son[a-z]+=|javascript:", Pattern.CASE_INSENSITIVE).matcher(html).find(),
                "no inline style, handler or javascript: URL");
        String js = given().get("/demo.js").then().extract().asString() + given().get("/tidings.js").then().extract().asString();
        assertFalse(Pattern.compile("\\beval\\(|new Function\\(|innerHTML|setAttribute\\(\"style\"").matcher(js).find(),
                "nothing the policy would block (eval, inline HTML or style)");
    }

    @Test
    void apiAnswersErrorsAndTheStreamAreNosniff() {
        everyAnswersHeaders(given().get("/notif/stats").then().statusCode(200));
        everyAnswersHeaders(given().get("/notif/no-such-thing").then().statusCode(404));
        everyAnswersHeaders(given().contentType("text/plain").body("x").post("/notif/feed/notify").then().statusCode(415));
        try (SseClient s = stream("alice")) {
            assertEquals("nosniff", s.header("X-Content-Type-Options"));
            assertEquals("no-referrer", s.header("Referrer-Policy"));
        }
    }

    @Test
    void quarkusPagesUnderQKeepTheirOwnPolicy() {
        everyAnswersHeaders(given().get("/q/health").then().statusCode(200)).header("Content-Security-Policy", nullValue());
        given().get("/q/openapi").then().statusCode(200).header("X-Content-Type-Options", equalTo("nosniff"));
    }
}
