package dev.tidings.http;

import static dev.tidings.testing.Api.listen;
import static dev.tidings.testing.Api.stream;
import static io.restassured.RestAssured.given;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.equalTo;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.tidings.testing.Api;
import dev.tidings.testing.SseClient;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** A replica caps client processes and listens in all, whoever holds them: a JSON 503 with Retry-After. */
@QuarkusTest
@TestProfile(ServerLimitsTest.Small.class)
class ServerLimitsTest {

    public static class Small implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("tidings.limits.max-clients", "4", "tidings.limits.max-listens", "6",
                    "tidings.limits.retry-after", "7s");
        }
    }

    /** Client processes outlive their streams by the grace period (2 s in tests): start from none. */
    private static void awaitNoClients() {
        await().atMost(Duration.ofSeconds(20)).until(() -> given().get("/notif/stats").then().extract().<Integer>path("clients") == 0);
    }

    @Test
    void listensBeyondTheServersBudgetAre503AndTheBudgetComesBackWhenTheyGo() {
        awaitNoClients();
        List<SseClient> open = new ArrayList<>();
        try {
            SseClient a = stream("a", "feed:1", "feed:2", "feed:3");
            SseClient b = stream("b", "feed:1", "feed:2", "feed:3");
            open.add(a);
            open.add(b);
            b.awaitListen("feed", "3", true);
            listen("feed", a.clientId(), "4").statusCode(503).header("Retry-After", "7")
                    .body("error", equalTo("capacity"));
            try (SseClient c = stream("c", "feed:1")) {
                assertEquals(503, c.status(), "the stream's own listen does not fit either");
                assertEquals("capacity", c.error().get("error").asText());
            }
            Api.unlisten("feed", b.clientId(), "3").statusCode(204);
            listen("feed", a.clientId(), "4").statusCode(204);
        } finally {
            open.forEach(SseClient::close);
        }
    }

    @Test
    void clientProcessesBeyondTheServersCapAre503WithRetryAfter() {
        awaitNoClients();
        List<SseClient> open = new ArrayList<>();
        try {
            SseClient refused = null;
            // identities differ, so the per-identity limit is not what refuses
            for (int i = 0; i < 10 && refused == null; i++) {
                SseClient s = stream("many" + i);
                if (s.status() == 503) {
                    refused = s;
                } else {
                    s.clientId();
                    open.add(s);
                }
            }
            assertEquals(4, open.size(), "no more than max-clients in all");
            assertEquals("capacity", refused.error().get("error").asText());
            assertEquals("7", refused.header("Retry-After"));
        } finally {
            open.forEach(SseClient::close);
        }
    }
}
