package dev.tidings.metrics;

import static dev.tidings.testing.Api.notifyOn;
import static dev.tidings.testing.Api.stream;
import static io.restassured.RestAssured.given;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tidings.testing.SseClient;
import io.quarkus.test.junit.QuarkusTest;
import java.time.Duration;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/** /q/metrics names what a dashboard needs, and the counts move with what happens. */
@QuarkusTest
class MetricsTest {

    private static String scrape() {
        return given().get("/q/metrics").then().statusCode(200).extract().asString();
    }

    /** The value of one series, e.g. {@code tidings_deliveries_total{type="feed"}}; 0 when absent. */
    private static double value(String metrics, String name, String labels) {
        String series = labels.isEmpty() ? "(\\{[^}]*})?" : "\\{" + labels + "[^}]*}";
        Matcher m = Pattern.compile("(?m)^" + Pattern.quote(name) + series + " ([0-9.eE+-]+)$").matcher(metrics);
        return m.find() ? Double.parseDouble(m.group(m.groupCount())) : 0;
    }

    @Test
    void everyDocumentedMeterIsExposed() {
        String metrics = scrape();
        for (String name : new String[] {"tidings_clients", "tidings_streams", "tidings_listens{", "tidings_keys{",
                "tidings_notifications_total{", "tidings_deliveries_total{", "tidings_prepare_blocked_total{",
                "tidings_prepare_failures_total{", "tidings_missed_total{", "tidings_records_skipped_total{",
                "tidings_delivery_latency_seconds_bucket{", "tidings_prepare_seconds_count{"}) {
            assertTrue(metrics.contains("\n" + name), name + " is missing");
        }
    }

    @Test
    void countsFollowNotificationsDeliveriesAndPrepare() {
        try (SseClient a = stream("meter-a", "feed:m", "chat:m"); SseClient b = stream("meter-b", "feed:m", "chat:m")) {
            b.awaitListen("chat", "m", true);
            String before = scrape();
            for (int i = 0; i < 16; i++) {
                notifyOn("feed", "m", Map.of("i", i)).statusCode(202);
            }
            notifyOn("chat", "m", Map.of("from", "meter-a", "text", "psst", "to", "meter-a")).statusCode(202);
            a.awaitData("chat", "m", 1);
            b.awaitData("feed", "m", 16);
            await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(300)).untilAsserted(() -> {
                String after = scrape();
                assertEquals(16, value(after, "tidings_notifications_total", "source=\"rest\",type=\"feed\"")
                        - value(before, "tidings_notifications_total", "source=\"rest\",type=\"feed\""));
                assertEquals(32, value(after, "tidings_deliveries_total", "type=\"feed\"")
                        - value(before, "tidings_deliveries_total", "type=\"feed\""));
                assertEquals(1, value(after, "tidings_prepare_blocked_total", "type=\"chat\"")
                        - value(before, "tidings_prepare_blocked_total", "type=\"chat\""), "b was not in the private message");
                assertEquals(2, value(after, "tidings_prepare_seconds_count", "type=\"chat\"")
                        - value(before, "tidings_prepare_seconds_count", "type=\"chat\""), "once per identity");
                assertEquals(2, value(after, "tidings_delivery_latency_seconds_count", "")
                        - value(before, "tidings_delivery_latency_seconds_count", ""), "each client's 16th delivery is timed");
                assertTrue(value(after, "tidings_listens", "type=\"feed\"") >= 2);
            });
        }
    }
}
