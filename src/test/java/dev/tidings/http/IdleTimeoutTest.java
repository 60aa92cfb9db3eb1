package dev.tidings.http;

import static dev.tidings.testing.Api.notifyOn;
import static dev.tidings.testing.Api.stream;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import dev.tidings.testing.SseClient;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import java.time.Duration;
import java.util.Map;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;

/**
 * A stream that carries events is not idle, whatever path its writes take: Vert.x's idle handler
 * ({@code quarkus.http.idle-timeout}) must see them, or it cuts busy streams once the timeout has
 * passed since the response head. Heartbeats are set far apart here, so only notifications keep
 * the stream busy.
 */
@QuarkusTest
@TestProfile(IdleTimeoutTest.ShortIdleTimeout.class)
class IdleTimeoutTest {

    public static class ShortIdleTimeout implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("quarkus.http.idle-timeout", "2s", "tidings.http.heartbeat", "60s");
        }
    }

    @Test
    void aStreamReceivingNotificationsOutlivesTheIdleTimeout() {
        try (SseClient a = stream("ida", "feed:busy")) {
            a.awaitListen("feed", "busy", true);
            long end = System.nanoTime() + Duration.ofSeconds(6).toNanos(); // three idle timeouts
            int sent = 0;
            while (System.nanoTime() < end) {
                notifyOn("feed", "busy", Map.of("n", sent)).statusCode(202);
                sent++;
                int expected = sent;
                // paced by delivery, not by sleeping: each notification is received before the next
                Awaitility.await().atMost(SseClient.WAIT).until(() -> a.dataOn("feed", "busy").size() >= expected || a.ended());
                assertFalse(a.ended(), "the stream was cut after " + sent + " notifications");
            }
            assertEquals(sent, a.dataOn("feed", "busy").size());
        }
    }
}
