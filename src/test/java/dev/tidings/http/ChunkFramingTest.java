package dev.tidings.http;

import static dev.tidings.testing.Api.notifyOn;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.RestAssured;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The stream's HTTP/1.1 chunked framing, read byte by byte as a strict client would: after the
 * head, the server frames gathered events as chunks itself, below the HTTP encoder, so a wrong size
 * line or an empty chunk would corrupt every client. Payloads of every size class (one hex digit to four, multi-byte UTF-8, past the
 * 16 KiB gathering threshold) arrive intact and in order.
 */
@QuarkusTest
class ChunkFramingTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    @Test
    void everyChunkSizeLineMatchesItsBytesAndEventsArriveIntact() throws Exception {
        List<String> sent = new ArrayList<>();
        int[] sizes = {1, 9, 15, 16, 255, 256, 4095, 4096, 16_383, 16_384, 60_000};
        for (int i = 0; i < sizes.length; i++) {
            sent.add(i % 2 == 0 ? "x".repeat(sizes[i]) : "é€".repeat(Math.max(1, sizes[i] / 5)));
        }
        try (Socket socket = new Socket(URI.create(RestAssured.baseURI).getHost(), RestAssured.port)) {
            socket.setSoTimeout(20_000);
            socket.getOutputStream().write(("GET /notif/stream?listen=feed:framing HTTP/1.1\r\nHost: localhost\r\n"
                    + "X-Identity: framer\r\nAccept: text/event-stream\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
            DataInputStream in = new DataInputStream(socket.getInputStream());
            String status = line(in);
            assertTrue(status.startsWith("HTTP/1.1 200"), status);
            boolean chunked = false;
            for (String h = line(in); !h.isEmpty(); h = line(in)) {
                chunked |= h.equalsIgnoreCase("transfer-encoding: chunked");
            }
            assertTrue(chunked, "a chunked response");

            ByteArrayOutputStream body = new ByteArrayOutputStream();
            readUntil(in, body, "\"listening\":true");
            for (String s : sent) {
                String answer = notifyOn("feed", "framing", Map.of("s", s)).extract().asString();
                assertTrue(answer.isEmpty(), s.length() + ": " + answer);
            }
            readUntil(in, body, "\"n\":\"last\"", () -> notifyOn("feed", "framing", Map.of("n", "last")).statusCode(202));

            List<String> received = new ArrayList<>();
            for (String event : body.toString(StandardCharsets.UTF_8).split("\n\n")) {
                for (String l : event.split("\n")) {
                    if (l.startsWith("data: ") && event.contains("event: notification")) {
                        JsonNode data = JSON.readTree(l.substring(6)).get("data");
                        if (data.has("s")) {
                            received.add(data.get("s").asText());
                        }
                    }
                }
            }
            assertEquals(sent.size(), received.size());
            for (int i = 0; i < sent.size(); i++) {
                assertEquals(sent.get(i), received.get(i), "notification " + i + " (" + sizes[i] + ")");
            }
        }
    }

    /** Reads whole chunks, each checked against its size line, until the body holds {@code marker}. */
    private static void readUntil(DataInputStream in, ByteArrayOutputStream body, String marker, Runnable... first)
            throws IOException {
        for (Runnable r : first) {
            r.run();
        }
        while (!body.toString(StandardCharsets.UTF_8).contains(marker)) {
            String sizeLine = line(in);
            assertTrue(sizeLine.matches("[0-9a-f]+"), "a bare hex size line, got '" + sizeLine + "'");
            int size = Integer.parseInt(sizeLine, 16);
            assertTrue(size > 0, "no last chunk while the stream is open");
            byte[] chunk = new byte[size];
            in.readFully(chunk);
            body.write(chunk);
            assertEquals("", line(in), "CRLF right after the chunk's " + size + " bytes");
        }
    }

    private static String line(InputStream in) throws IOException {
        StringBuilder b = new StringBuilder();
        int c;
        while ((c = in.read()) != '\n') {
            if (c < 0) {
                throw new IOException("stream ended after '" + b + "'");
            }
            b.append((char) c);
        }
        assertTrue(b.length() > 0 && b.charAt(b.length() - 1) == '\r', "CRLF line ending");
        return b.substring(0, b.length() - 1);
    }
}
