package dev.tidings.testing;

import org.awaitility.Awaitility;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Predicate;

/**
 * A real Server-Sent Events client for tests: one HTTP connection reading the live stream line by
 * line on its own thread, recording every event. Waits are conditions with deadlines.
 */
public final class SseClient implements AutoCloseable {

    public static final Duration WAIT = Duration.ofSeconds(15);
    private static final ObjectMapper JSON = new ObjectMapper();
    // HTTP/1.1, as a browser speaks to an http:// origin (the JDK client would otherwise upgrade to h2c)
    private static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5)).build();

    /** One event as received; {@code data} is the joined data lines. */
    public record Event(String event, String id, String data) {
        public JsonNode json() {
            try {
                return JSON.readTree(data);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    }

    private final int status;
    private final java.net.http.HttpHeaders headers;
    private final String errorBody;
    private final InputStream body;
    private final List<Event> events = new CopyOnWriteArrayList<>();
    private final AtomicInteger comments = new AtomicInteger();
    private final List<String> retries = new CopyOnWriteArrayList<>();
    private final AtomicReference<Throwable> readFailure = new AtomicReference<>();
    private volatile boolean ended;

    private SseClient(HttpResponse<InputStream> response) {
        this.status = response.statusCode();
        this.headers = response.headers();
        this.body = response.body();
        if (status == 200) {
            this.errorBody = null;
            Thread reader = new Thread(this::read, "sse-client");
            reader.setDaemon(true);
            reader.start();
        } else {
            try (InputStream in = body) {
                this.errorBody = new String(in.readAllBytes(), StandardCharsets.UTF_8);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            ended = true;
        }
    }

    /** Opens a stream; headers alternate name, value. Returns once the response headers are in. */
    public static SseClient open(URI uri, String... headers) {
        HttpRequest.Builder request = HttpRequest.newBuilder(uri).header("Accept", "text/event-stream").GET();
        for (int i = 0; i < headers.length; i += 2) {
            request.header(headers[i], headers[i + 1]);
        }
        try {
            return new SseClient(HTTP.send(request.build(), HttpResponse.BodyHandlers.ofInputStream()));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    private void read() {
        try (BufferedReader in = new BufferedReader(new InputStreamReader(body, StandardCharsets.UTF_8))) {
            String event = null;
            String id = null;
            List<String> data = new ArrayList<>();
            String line;
            while ((line = in.readLine()) != null) {
                if (line.isEmpty()) {
                    if (!data.isEmpty() || event != null) {
                        events.add(new Event(event == null ? "message" : event, id, String.join("\n", data)));
                    }
                    event = null;
                    id = null;
                    data.clear();
                } else if (line.startsWith(":")) {
                    comments.incrementAndGet();
                } else if (line.startsWith("event:")) {
                    event = line.substring(6).trim();
                } else if (line.startsWith("id:")) {
                    id = line.substring(3).trim();
                } else if (line.startsWith("retry:")) {
                    retries.add(line.substring(6).trim());
                } else if (line.startsWith("data:")) {
                    data.add(line.substring(5).stripLeading());
                }
            }
        } catch (IOException e) {
            readFailure.set(e);
        } finally {
            ended = true;
        }
    }

    public int status() {
        return status;
    }

    /** A response header, or null. */
    public String header(String name) {
        return headers.firstValue(name).orElse(null);
    }

    /** The JSON error body of a refused stream. */
    public JsonNode error() {
        try {
            return JSON.readTree(errorBody);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public List<Event> events() {
        return List.copyOf(events);
    }

    /** Every {@code retry:} the server suggested, in order. */
    public List<String> retries() {
        return retries;
    }

    public int comments() {
        return comments.get();
    }

    /** True once the server ended the stream or the connection dropped. */
    public boolean ended() {
        return ended;
    }

    /** Waits for the first event matching, within {@link #WAIT}. */
    public Event await(Predicate<Event> match) {
        AtomicReference<Event> found = new AtomicReference<>();
        Awaitility.await().atMost(WAIT).until(() -> {
            for (Event e : events) {
                if (match.test(e)) {
                    found.set(e);
                    return true;
                }
            }
            return false;
        });
        return found.get();
    }

    public String clientId() {
        return await(e -> e.event().equals("ready")).json().get("client").asText();
    }

    /** Waits for the confirmation of a listen change. */
    public Event awaitListen(String type, String key, boolean listening) {
        return await(e -> e.event().equals("listen") && e.json().get("type").asText().equals(type)
                && e.json().get("key").asText().equals(key) && e.json().get("listening").asBoolean() == listening);
    }

    /** The data of every notification received so far, as {@code {"type","key","data"}} objects. */
    public List<JsonNode> notifications() {
        return events.stream().filter(e -> e.event().equals("notification")).map(Event::json).toList();
    }

    /** The {@code data} member of notifications on one key. */
    public List<JsonNode> dataOn(String type, String key) {
        return notifications().stream()
                .filter(n -> n.get("type").asText().equals(type) && n.get("key").asText().equals(key))
                .map(n -> n.get("data"))
                .toList();
    }

    /** Waits until at least {@code count} notifications arrived on the key and returns their data. */
    public List<JsonNode> awaitData(String type, String key, int count) {
        Awaitility.await().atMost(WAIT).until(() -> dataOn(type, key).size() >= count);
        return dataOn(type, key);
    }

    @Override
    public void close() {
        try {
            body.close();
        } catch (IOException ignored) {
            // closing is all we wanted
        }
    }

}
