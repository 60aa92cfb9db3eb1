package dev.tidings.testing;

import static io.restassured.RestAssured.given;

import io.restassured.RestAssured;
import io.restassured.http.ContentType;
import io.restassured.response.ValidatableResponse;
import java.net.URI;
import java.util.Map;

/** The REST and SSE sides of the HTTP contract, as the tests call them. */
public final class Api {

    private Api() {
    }

    public static URI uri(String pathAndQuery) {
        return URI.create(RestAssured.baseURI + ":" + RestAssured.port + pathAndQuery);
    }

    /** Opens a stream as an identity (demo mode), with optional {@code listen=type:key} parameters. */
    public static SseClient stream(String identity, String... listens) {
        StringBuilder query = new StringBuilder("/notif/stream");
        char sep = '?';
        for (String l : listens) {
            query.append(sep).append("listen=").append(java.net.URLEncoder.encode(l, java.nio.charset.StandardCharsets.UTF_8));
            sep = '&';
        }
        return SseClient.open(uri(query.toString()), "X-Identity", identity);
    }

    public static ValidatableResponse post(String path, Object body) {
        return given().contentType(ContentType.JSON).body(body).post(path).then();
    }

    public static ValidatableResponse postAs(String identity, String path, Object body) {
        return given().header("X-Identity", identity).contentType(ContentType.JSON).body(body).post(path).then();
    }

    public static ValidatableResponse listen(String type, String client, String key) {
        return post("/notif/" + type + "/listen", Map.of("client", client, "key", key));
    }

    public static ValidatableResponse unlisten(String type, String client, String key) {
        return post("/notif/" + type + "/unlisten", Map.of("client", client, "key", key));
    }

    public static ValidatableResponse notifyOn(String type, String key, Object notification) {
        return post("/notif/" + type + "/notify", Map.of("key", key, "notification", notification));
    }

    public static ValidatableResponse notifyOn(String type, String key, Object notification, Map<String, String> notFor) {
        return post("/notif/" + type + "/notify", Map.of("key", key, "notification", notification, "notfor", notFor));
    }

    /**
     * Ends a client process while its own stream is not looking, as an expiry during an outage
     * would: another stream takes the process over (the owner's stream is cut and its client waits
     * its backoff before resuming), then the process is deleted; its {@code closed} event goes to
     * the taker, so the owner finds the process gone (404) when it comes back.
     */
    public static void endProcessBehindItsStream(String identity, String clientId) {
        try (SseClient taker = SseClient.open(uri("/notif/stream?client=" + clientId), "X-Identity", identity)) {
            if (taker.status() != 200) {
                throw new AssertionError("could not take over " + clientId + ": " + taker.status());
            }
            taker.clientId();
            given().header("X-Identity", identity).delete("/notif/client/" + clientId).then().statusCode(204);
        }
    }

    /** An answer read off a raw socket: the status and the body. */
    public record RawAnswer(int status, String body) {}

    /**
     * Sends a request exactly as written, for what an HTTP client library would refuse or re-encode
     * (a query string with a stray {@code %}). The connection closes after the answer.
     */
    public static RawAnswer raw(String method, String pathAndQuery, String body, String... headers) {
        try (java.net.Socket socket = new java.net.Socket(URI.create(RestAssured.baseURI).getHost(), RestAssured.port)) {
            socket.setSoTimeout(15_000);
            StringBuilder request = new StringBuilder(method).append(' ').append(pathAndQuery).append(" HTTP/1.1\r\n")
                    .append("Host: localhost\r\nConnection: close\r\n");
            for (int i = 0; i < headers.length; i += 2) {
                request.append(headers[i]).append(": ").append(headers[i + 1]).append("\r\n");
            }
            byte[] content = body == null ? new byte[0] : body.getBytes(java.nio.charset.StandardCharsets.UTF_8);
            if (body != null) {
                request.append("Content-Length: ").append(content.length).append("\r\n");
            }
            request.append("\r\n");
            socket.getOutputStream().write(request.toString().getBytes(java.nio.charset.StandardCharsets.UTF_8));
            socket.getOutputStream().write(content);
            socket.getOutputStream().flush();
            String answer = new String(socket.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
            int status = Integer.parseInt(answer.substring(9, 12));
            int start = answer.indexOf("\r\n\r\n");
            return new RawAnswer(status, start < 0 ? "" : answer.substring(start + 4));
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    /**
     * Sends bytes exactly as given over a new connection and returns the answer as text: up to the
     * end of its body when it has a Content-Length, else until the server closes. A server that
     * answers and closes before taking everything (a refused body) is not an error here.
     */
    public static String exchange(byte[]... parts) {
        try (java.net.Socket socket = new java.net.Socket(URI.create(RestAssured.baseURI).getHost(), RestAssured.port)) {
            socket.setSoTimeout(20_000);
            try {
                for (byte[] part : parts) {
                    socket.getOutputStream().write(part);
                }
                socket.getOutputStream().flush();
            } catch (java.io.IOException e) {
                // closed while we were sending: read what the server said
            }
            java.io.ByteArrayOutputStream answer = new java.io.ByteArrayOutputStream();
            java.io.InputStream in = socket.getInputStream();
            byte[] buffer = new byte[8192];
            int n;
            try {
                while (!complete(answer.toString(java.nio.charset.StandardCharsets.ISO_8859_1)) && (n = in.read(buffer)) >= 0) {
                    answer.write(buffer, 0, n);
                }
            } catch (java.io.IOException e) {
                // reset after the answer: what came is the answer
            }
            return answer.toString(java.nio.charset.StandardCharsets.UTF_8);
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    private static boolean complete(String answer) {
        int head = answer.indexOf("\r\n\r\n");
        if (head < 0) {
            return false;
        }
        for (String line : answer.substring(0, head).split("\r\n")) {
            if (line.regionMatches(true, 0, "content-length:", 0, 15)) {
                return answer.length() - head - 4 >= Integer.parseInt(line.substring(15).trim());
            }
        }
        return false;
    }
}
