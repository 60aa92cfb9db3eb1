package dev.tidings.http;

import static dev.tidings.testing.Api.stream;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tidings.testing.Api;
import dev.tidings.testing.SseClient;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.RestAssured;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpVersion;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.junit.jupiter.api.Test;

/**
 * A sender that trickles its body loses its connection after {@code tidings.http.request-timeout}
 * (4 s in the test profile) with a JSON 408; a stream, which sends no body, is not timed.
 */
@QuarkusTest
class SlowSenderTest {

    private static final int MAX_BYTES = 30;

    @ConfigProperty(name = "tidings.http.request-timeout")
    Duration timeout;

    /** A raw connection that sends its head at once, then one byte of body a second, at most {@link #MAX_BYTES}. */
    private static final class Trickler implements AutoCloseable {
        final Socket socket;
        final ByteArrayOutputStream answer = new ByteArrayOutputStream();
        final AtomicInteger sent = new AtomicInteger();
        volatile boolean closedByServer;
        final long started = System.nanoTime();
        volatile long endedAt;

        Trickler(String head, byte[] body) throws IOException {
            socket = new Socket(URI.create(RestAssured.baseURI).getHost(), RestAssured.port);
            OutputStream out = socket.getOutputStream();
            out.write(head.getBytes(StandardCharsets.US_ASCII));
            out.flush();
            Thread sender = new Thread(() -> {
                try {
                    for (int i = 0; i < Math.min(MAX_BYTES, body.length) && !closedByServer; i++) {
                        out.write(body[i]);
                        out.flush();
                        sent.incrementAndGet();
                        Thread.sleep(1000); // the sender's fixed pace, not a wait for the server
                    }
                } catch (IOException | InterruptedException e) {
                    // the server closed the connection: what we are waiting for
                }
            }, "trickler-send");
            sender.setDaemon(true);
            sender.start();
            Thread reader = new Thread(() -> {
                try (InputStream in = socket.getInputStream()) {
                    byte[] buffer = new byte[4096];
                    int n;
                    while ((n = in.read(buffer)) >= 0) {
                        synchronized (answer) {
                            answer.write(buffer, 0, n);
                        }
                    }
                } catch (IOException e) {
                    // reset by the server counts as closed too
                }
                endedAt = System.nanoTime();
                closedByServer = true;
            }, "trickler-read");
            reader.setDaemon(true);
            reader.start();
        }

        String answer() {
            synchronized (answer) {
                return answer.toString(StandardCharsets.UTF_8);
            }
        }

        Duration lasted() {
            return Duration.ofNanos(endedAt - started);
        }

        @Override
        public void close() throws IOException {
            socket.close();
        }
    }

    private void assertCutWith408(Trickler t) {
        await().atMost(timeout.plusSeconds(10)).until(() -> t.closedByServer);
        String answer = t.answer();
        assertTrue(answer.startsWith("HTTP/1.1 408"), answer);
        assertTrue(answer.contains("\"error\":\"request_timeout\""), answer);
        assertTrue(answer.toLowerCase().contains("content-type: application/json"), answer);
        assertTrue(t.lasted().compareTo(timeout.minusMillis(500)) >= 0, "not before the timeout: " + t.lasted());
        assertTrue(t.sent.get() < MAX_BYTES, "cut while the body was still coming: " + t.sent.get() + " bytes sent");
    }

    @Test
    void aBodyTrickledOneBytePerSecondIsCutWithA408() throws IOException {
        String body = "{\"key\":\"slow\",\"notification\":\"" + "x".repeat(60) + "\"}";
        try (Trickler t = new Trickler("POST /notif/feed/notify?access_token=never-logged HTTP/1.1\r\nHost: localhost\r\n"
                + "Content-Type: application/json\r\nContent-Length: " + body.length() + "\r\n\r\n",
                body.getBytes(StandardCharsets.UTF_8))) {
            assertCutWith408(t);
        }
    }

    @Test
    void aChunkedBodyTrickledOneBytePerSecondIsCutWithA408() throws IOException {
        String chunks = "40\r\n" + "{\"key\":\"slow\",\"notification\":1}".repeat(3);
        try (Trickler t = new Trickler("POST /notif/feed/listen HTTP/1.1\r\nHost: localhost\r\n"
                + "Content-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n",
                chunks.getBytes(StandardCharsets.UTF_8))) {
            assertCutWith408(t);
        }
    }

    @Test
    void aRefusedRequestWhoseBodyKeepsComingLosesItsConnection() throws IOException {
        // 415 at once, before the body is read; the connection is closed rather than kept for the rest.
        try (Trickler t = new Trickler("POST /notif/feed/notify HTTP/1.1\r\nHost: localhost\r\n"
                + "Content-Type: text/plain\r\nContent-Length: 1000\r\n\r\n", "x".repeat(1000).getBytes(StandardCharsets.UTF_8))) {
            await().atMost(timeout.plusSeconds(10)).until(() -> t.closedByServer);
            assertTrue(t.answer().startsWith("HTTP/1.1 415"), t.answer());
            assertTrue(t.sent.get() < MAX_BYTES);
        }
    }

    /** Over HTTP/2 (h2c, prior knowledge) with Vert.x's client: Java's waits for its own body before it reads an answer. */
    @Test
    void aBodyTrickledOverHttp2IsCutWithA408() throws Exception {
        Vertx vertx = Vertx.vertx();
        try {
            HttpClient client = vertx.createHttpClient(new HttpClientOptions()
                    .setProtocolVersion(HttpVersion.HTTP_2).setHttp2ClearTextUpgrade(false));
            AtomicInteger sent = new AtomicInteger();
            CompletableFuture<HttpClientResponse> answer = new CompletableFuture<>();
            CompletableFuture<String> body = new CompletableFuture<>();
            CompletableFuture<Void> finished = new CompletableFuture<>();
            long started = System.nanoTime();
            client.request(HttpMethod.POST, RestAssured.port, "localhost", "/notif/feed/notify").onSuccess(request -> {
                request.putHeader("Content-Type", "application/json").setChunked(true);
                request.response().onSuccess(r -> {
                    answer.complete(r);
                    r.body().onSuccess(b -> body.complete(b.toString()));
                });
                request.sendHead();
                // the sender's fixed pace: one byte a second, until answered
                vertx.setPeriodic(1000, timer -> {
                    if (answer.isDone() || sent.get() >= MAX_BYTES) {
                        vertx.cancelTimer(timer);
                        request.end().onComplete(done -> finished.complete(null)); // close our side before the client goes
                    } else {
                        request.write("{");
                        sent.incrementAndGet();
                    }
                });
            }).onFailure(answer::completeExceptionally);
            await().atMost(timeout.plusSeconds(10)).until(body::isDone);
            assertEquals(HttpVersion.HTTP_2, answer.get().version());
            assertEquals(408, answer.get().statusCode());
            assertTrue(body.get().contains("\"error\":\"request_timeout\""), body.get());
            assertTrue(Duration.ofNanos(System.nanoTime() - started).compareTo(timeout.minusMillis(500)) >= 0);
            assertTrue(sent.get() < MAX_BYTES, "answered while the body was still coming");
            await().atMost(Duration.ofSeconds(5)).until(finished::isDone);
        } finally {
            vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
        }
    }

    /** The stream's client is Java's HttpClient: over plain HTTP it upgrades to HTTP/2 (h2c). */
    @Test
    void anOpenStreamOutlivesTheRequestTimeout() {
        try (SseClient s = stream("alice", "feed:long")) {
            s.awaitListen("feed", "long", true);
            long seconds = timeout.toSeconds() + 2;
            // one heartbeat a second in the test profile: these many mean the timeout has passed
            await().atMost(Duration.ofSeconds(seconds + 15)).until(() -> s.comments() >= seconds);
            assertFalse(s.ended(), "a stream sends no body and is never timed");
            Api.notifyOn("feed", "long", Map.of("n", 1)).statusCode(202);
            assertEquals(1, s.awaitData("feed", "long", 1).get(0).get("n").asInt());
        }
    }
}
