package dev.tidings.http;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tidings.kafka.testing.KafkaBroker;
import dev.tidings.testing.SseClient;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * SIGTERM to the packaged application, as Kubernetes sends it on every rolling deploy: readiness
 * goes DOWN at once, new streams get 503, notifies still work, open streams end spread over the
 * drain window (with a retry hint, never "closed"), and the process exits soon after.
 */
class DrainIT {

    private static final HttpClient HTTP = HttpClient.newHttpClient();
    private static final long DRAIN_MILLIS = 4000;

    private static int status(URI uri) {
        try {
            return HTTP.send(HttpRequest.newBuilder(uri).GET().build(), HttpResponse.BodyHandlers.discarding()).statusCode();
        } catch (Exception e) {
            return -1;
        }
    }

    @Test
    void sigtermDrainsStreamsOverTheWindowAndExits() throws Exception {
        int port = KafkaBroker.freePort();
        Path log = Files.createTempFile("tidings-drain", ".log");
        Process p = new ProcessBuilder(List.of(KafkaBroker.javaExecutable(), "-Dquarkus.profile=demo",
                "-Dquarkus.http.host=127.0.0.1", "-Dquarkus.http.port=" + port, "-Dtidings.http.drain=" + DRAIN_MILLIS + "ms",
                "-jar", Path.of("target", "quarkus-app", "quarkus-run.jar").toString()))
                .redirectErrorStream(true).redirectOutput(log.toFile()).start();
        List<SseClient> streams = new ArrayList<>();
        try {
            URI base = URI.create("http://127.0.0.1:" + port);
            await("ready").atMost(Duration.ofSeconds(60)).until(() -> status(base.resolve("/q/health/ready")) == 200);
            for (int i = 0; i < 6; i++) {
                SseClient s = SseClient.open(base.resolve("/notif/stream?listen=feed:d"), "X-Identity", "tab" + i);
                s.awaitListen("feed", "d", true);
                streams.add(s);
            }
            Map<SseClient, Long> endedAt = new ConcurrentHashMap<>();
            p.destroy(); // SIGTERM
            long signalled = System.nanoTime();

            await("readiness DOWN").atMost(Duration.ofSeconds(2)).until(() -> status(base.resolve("/q/health/ready")) == 503);
            try (SseClient late = SseClient.open(base.resolve("/notif/stream"), "X-Identity", "late")) {
                assertEquals(503, late.status());
                assertEquals("unavailable", late.error().get("error").asText());
                assertEquals("1", late.header("Retry-After"));
            }
            HttpResponse<String> notified = HTTP.send(HttpRequest.newBuilder(base.resolve("/notif/feed/notify"))
                    .header("Content-Type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofString("{\"key\":\"d\",\"notification\":{\"during\":\"drain\"}}")).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertEquals(202, notified.statusCode(), "notifies are still taken while draining");

            await("every stream ended").atMost(Duration.ofMillis(DRAIN_MILLIS + 5000)).pollInterval(Duration.ofMillis(20))
                    .until(() -> {
                        streams.stream().filter(SseClient::ended).forEach(s -> endedAt.putIfAbsent(s, System.nanoTime()));
                        return endedAt.size() == streams.size();
                    });
            long first = endedAt.values().stream().min(Long::compare).orElseThrow();
            long last = endedAt.values().stream().max(Long::compare).orElseThrow();
            assertTrue(TimeUnit.NANOSECONDS.toMillis(last - first) >= DRAIN_MILLIS / 4,
                    "the streams ended spread over the window, not at once");
            assertTrue(TimeUnit.NANOSECONDS.toMillis(last - signalled) <= DRAIN_MILLIS + 1000, "within the window");
            for (SseClient s : streams) {
                assertFalse(s.events().stream().anyMatch(e -> e.event().equals("closed")), "closed would mean: do not come back");
                assertEquals(2, s.retries().size(), "the ready event's retry, then the drain's");
            }
            assertTrue(streams.stream().anyMatch(s -> !s.dataOn("feed", "d").isEmpty()),
                    "a stream still open received the notify sent while draining");
            assertTrue(p.waitFor(DRAIN_MILLIS + 8000, TimeUnit.MILLISECONDS), "exits after the window; log: " + log);
        } finally {
            streams.forEach(SseClient::close);
            p.destroyForcibly();
        }
    }
}
