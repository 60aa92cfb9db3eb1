package dev.tidings.http;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tidings.testing.Api;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import org.jboss.logmanager.ExtLogRecord;
import org.jboss.logmanager.LogContext;
import org.jboss.logmanager.Logger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Errors at the HTTP edge answer in JSON, and the log gets neither a stack trace nor a token: the
 * records as logged (a handler placed before Quarkus's) and the log file as written (through the
 * configured handlers and their filter), with the access log on.
 */
@QuarkusTest
@TestProfile(LogHygieneTest.Profile.class)
class LogHygieneTest {

    static final Path LOG = Path.of("target", "log-hygiene-test.log");

    public static class Profile implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of(
                    "quarkus.log.file.enabled", "true",
                    "quarkus.log.file.path", LOG.toString(),
                    "quarkus.log.file.json.enabled", "false",
                    "quarkus.http.access-log.enabled", "true");
        }
    }

    /** Every record as it was logged, before any handler's filter touched it. */
    private final List<String> raw = new ArrayList<>();
    private final List<LogRecord> severe = new ArrayList<>();
    private Handler capture;
    private Handler[] configured;
    private long logOffset;

    @BeforeEach
    void captureRecords() throws IOException {
        capture = new Handler() {
            @Override
            public void publish(LogRecord record) {
                String message = record instanceof ExtLogRecord ext ? ext.getFormattedMessage() : record.getMessage();
                StringBuilder all = new StringBuilder(record.getLoggerName() + " " + message);
                for (Throwable t = record.getThrown(); t != null; t = t.getCause()) {
                    all.append(" | ").append(t);
                }
                synchronized (raw) {
                    raw.add(all.toString());
                    if (record.getLevel().intValue() >= Level.SEVERE.intValue() || record.getThrown() != null) {
                        severe.add(record);
                    }
                }
            }

            @Override
            public void flush() {
            }

            @Override
            public void close() {
            }
        };
        Logger root = LogContext.getLogContext().getLogger("");
        configured = root.getHandlers();
        Handler[] first = new Handler[configured.length + 1];
        first[0] = capture;
        System.arraycopy(configured, 0, first, 1, configured.length);
        root.setHandlers(first);
        logOffset = Files.exists(LOG) ? Files.size(LOG) : 0;
    }

    @AfterEach
    void restoreHandlers() {
        LogContext.getLogContext().getLogger("").setHandlers(configured);
    }

    private String logWritten() throws IOException {
        byte[] all = Files.readAllBytes(LOG);
        return new String(all, (int) logOffset, all.length - (int) logOffset, StandardCharsets.UTF_8);
    }

    private static String exchange(byte[]... parts) {
        return Api.exchange(parts);
    }

    private static byte[] ascii(String s) {
        return s.getBytes(StandardCharsets.US_ASCII);
    }

    private static byte[] chunks(int total) {
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        byte[] chunk = "x".repeat(64 * 1024).getBytes(StandardCharsets.US_ASCII);
        for (int sent = 0; sent < total; sent += chunk.length) {
            body.writeBytes(ascii(Integer.toHexString(chunk.length) + "\r\n"));
            body.writeBytes(chunk);
            body.writeBytes(ascii("\r\n"));
        }
        body.writeBytes(ascii("0\r\n\r\n"));
        return body.toByteArray();
    }

    private static void assertJsonError(String answer, int status, String error) {
        assertTrue(answer.startsWith("HTTP/1.1 " + status), answer);
        assertTrue(answer.toLowerCase().contains("content-type: application/json"), answer);
        assertTrue(answer.contains("{\"error\":\"" + error + "\",\"message\":\""), answer);
    }

    @Test
    void aChunkedBodyOverTheBodySizeLimitGetsAJson413AndTheConnectionEnds() {
        String answer = exchange(ascii("POST /notif/feed/notify?access_token=SECRET-chunked-big HTTP/1.1\r\nHost: localhost\r\n"
                + "Content-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n"), chunks(2 * 1024 * 1024));
        assertJsonError(answer, 413, "too_large");
        assertTrue(answer.contains("tidings.limits.max-payload"), answer);
    }

    @Test
    void aChunkedBodyOverMaxPayloadGetsAJson413() {
        String answer = exchange(ascii("POST /notif/feed/listen HTTP/1.1\r\nHost: localhost\r\n"
                + "Content-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n"), chunks(100 * 1024));
        assertJsonError(answer, 413, "too_large");
    }

    @Test
    void aRequestWithoutHostGetsAJson400() {
        assertJsonError(exchange(ascii("GET /notif/stats?access_token=SECRET-no-host HTTP/1.1\r\nConnection: close\r\n\r\n")),
                400, "bad_request");
    }

    @Test
    void noStackTraceAndNoTokenReachTheLog() throws IOException {
        String cookie = "Cookie: access_token=SECRET-cookie\r\n";
        assertJsonError(exchange(ascii("POST /notif/feed/notify?access_token=SECRET-1 HTTP/1.1\r\nHost: localhost\r\n" + cookie
                + "Content-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n"), chunks(1536 * 1024)), 413, "too_large");
        assertJsonError(exchange(ascii("POST /notif/feed/notify?access_token=SECRET-2 HTTP/1.1\r\nHost: localhost\r\n"
                + "Authorization: Bearer SECRET-bearer\r\nContent-Type: application/json\r\nContent-Length: 5000000\r\n\r\n")),
                413, "too_large");
        assertJsonError(exchange(ascii("GET /notif/stream?access_token=SECRET-3&listen=nocolon HTTP/1.1\r\nHost: localhost\r\n"
                + "Connection: close\r\n\r\n")), 400, "bad_request");
        assertJsonError(exchange(ascii("GET /nothing?access_token=SECRET-4 HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n")),
                404, "not_found");
        assertJsonError(exchange(ascii("GET /notif/stats?access_token=SECRET-5 HTTP/1.1\r\nConnection: close\r\n\r\n")),
                400, "bad_request");
        assertJsonError(exchange(ascii("POST /notif/feed/listen?access_token=SECRET-6 HTTP/1.1\r\nHost: localhost\r\n"
                + "Content-Type: text/plain\r\nContent-Length: 2\r\n\r\n{}")), 415, "unsupported_media_type");
        assertJsonError(exchange(ascii("POST /notif/feed/listen?access_token=SECRET-7 HTTP/1.1\r\nHost: localhost\r\n"
                + "Content-Type: application/json\r\nConnection: close\r\nContent-Length: 9\r\n\r\n{\"client\"")), 400, "bad_request");
        // Quarkus refuses a URI that java.net.URI cannot parse before any route (a bare 400)
        String undecodable = exchange(ascii("GET /notif/stream?access_token=SECRET-8&x=%zz HTTP/1.1\r\nHost: localhost\r\n"
                + "Connection: close\r\n\r\n"));
        assertTrue(undecodable.startsWith("HTTP/1.1 400"), undecodable);
        // the access log writes each answer after it is sent: the last one Tidings answered is in
        await().atMost(Duration.ofSeconds(15)).until(() -> logWritten().contains("\"POST /notif/feed/listen HTTP/1.1\" 400"));

        String written = logWritten();
        assertFalse(written.contains("SECRET"), written);
        assertFalse(written.contains("\tat "), "no stack trace: " + written);
        assertFalse(written.contains(" ERROR "), written);
        assertTrue(written.contains("\"POST /notif/feed/notify HTTP/1.1\" 413"), "the access log names the path: " + written);
        synchronized (raw) {
            assertTrue(raw.stream().anyMatch(r -> r.contains("POST /notif/feed/notify HTTP/1.1")), "records are captured: " + raw);
            assertTrue(raw.stream().noneMatch(r -> r.contains("SECRET")), "a token was logged: " + raw);
            assertTrue(severe.isEmpty(), "nothing at ERROR, no exception: " + raw);
        }
    }

    @Test
    void tokensInWhatLibrariesLogAreRedacted() throws IOException {
        org.jboss.logging.Logger.getLogger("io.quarkus.vertx.http.runtime.QuarkusErrorHandler").errorf(
                new IllegalStateException("failed at /notif/stream?access_token=SECRET-in-exception",
                        new RuntimeException("Authorization: Bearer SECRET-in-cause")),
                "HTTP Request to %s failed, error id: %s", "/notif/stream?access_token=SECRET-in-url&listen=chat:a", "id-1");
        await().atMost(Duration.ofSeconds(10)).until(() -> logWritten().contains("error id: id-1"));
        String written = logWritten();
        assertFalse(written.contains("SECRET"), written);
        assertTrue(written.contains("/notif/stream?access_token=[redacted]&listen=chat:a failed"), written);
        assertTrue(written.contains("IllegalStateException: failed at /notif/stream?access_token=[redacted]"), written);
        assertTrue(written.contains("Bearer [redacted]"), written);
    }

    @Test
    void theStreamRefusalsAreJsonToo() {
        Api.RawAnswer answer = Api.raw("GET", "/notif/stream?listen=feed:&access_token=SECRET-9", null);
        assertEquals(400, answer.status());
        assertTrue(answer.body().startsWith("{\"error\":\"bad_request\""), answer.body());
    }
}
