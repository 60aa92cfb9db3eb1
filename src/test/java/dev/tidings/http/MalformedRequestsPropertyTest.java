package dev.tidings.http;

import static dev.tidings.testing.Api.uri;
import static io.restassured.RestAssured.given;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tidings.testing.Api;
import dev.tidings.testing.SseClient;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.function.Function;
import org.junit.jupiter.api.Test;

/**
 * A property of the whole HTTP edge: <em>no malformed, oversized, mis-typed, mis-addressed or
 * cross-site request changes anything</em>. Thousands of requests are generated from a seed, each
 * a request that would change state if it were accepted (listen, unlisten, notify and
 * unlisten-identity on a live client's keys, disconnect or delete it, open a stream) with one
 * defect that must make it refused, plus random noise (extra headers, query parameters, bad
 * credentials) that must not matter. Every answer must be a 4xx (never a 5xx) with the JSON error
 * body, except two answers Tidings cannot shape and says so (the README's error table): Quarkus's
 * CORS 403 and the HTTP parser's refusals, both bare. Afterwards {@code /notif/stats} (clients,
 * streams, every type's keys and listens) is what it was, the live client has seen no listen
 * change, no notification and no end, and it receives what is notified next.
 *
 * <p>Run more or replay: {@code -Dfuzz.tries=20000}, {@code -Dfuzz.seed=<seed>} (a
 * failure names its seed and case number; {@code -Dfuzz.case=<n>} runs that case alone).
 *
 * <p>A hand-written generator on JUnit Jupiter rather than a property-testing library: it has to
 * run inside {@code @QuarkusTest} (a Jupiter extension), and each case is a whole HTTP exchange,
 * replayed from its seed rather than shrunk.
 */
@QuarkusTest
@TestProfile(MalformedRequestsPropertyTest.Profile.class)
class MalformedRequestsPropertyTest {

    /** An application of its own: no other test's clients come or go while stats are compared. */
    public static class Profile implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("tidings.client.max-per-identity", "1000");
        }
    }

    private static final ObjectMapper JSON = new ObjectMapper().enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);
    private static final String ME = "alice";
    private static final List<String> KNOWN_TYPES = List.of("feed", "chat", "probe");
    private static final Duration ANSWER_WITHIN = Duration.ofSeconds(20);

    /** What a case must be answered with. */
    enum Answer {
        /** a 4xx with {"error","message"} */
        JSON,
        /** Quarkus's CORS filter: a 403 without body */
        CORS,
        /** the HTTP parser or Quarkus's URI check, before any route: a 4xx, bare or JSON */
        PARSER
    }

    /** One generated request. {@code raw} requests go over a socket exactly as written. */
    record Case(String label, String method, String path, List<String[]> headers, byte[] body, boolean streamed,
            boolean http2, String raw, Answer expect) {

        String describe() {
            if (raw != null) {
                String shown = raw.length() > 300 ? raw.substring(0, 300) + "…" : raw;
                return label + " raw:\n" + shown.replace("\r\n", "\\r\\n\n");
            }
            StringBuilder s = new StringBuilder(label).append(": ").append(method).append(' ').append(path)
                    .append(http2 ? " (HTTP/2)" : "").append(streamed ? " (streamed body)" : "");
            headers.forEach(h -> s.append("\n  ").append(h[0]).append(": ").append(h[1]));
            if (body != null) {
                String text = new String(body, StandardCharsets.UTF_8);
                s.append("\n  body (").append(body.length).append(" bytes): ")
                        .append(text.length() > 300 ? text.substring(0, 300) + "…" : text);
            }
            return s.toString();
        }
    }

    /** What a stateful request looks like when it is right; the generator then breaks it. */
    private record Template(String kind, String method, String path, ObjectNode body) {}

    private String liveId;
    private final List<String[]> liveListens = List.of(new String[] {"feed", "fz-a"}, new String[] {"chat", "fz-room"},
            new String[] {"probe", "fz-p"});

    @Test
    void noMalformedRequestChangesAnythingAndTheServerKeepsServing() throws Exception {
        long seed = Long.getLong("fuzz.seed", System.nanoTime());
        int tries = Integer.getInteger("fuzz.tries", 3000);
        Integer only = Integer.getInteger("fuzz.case");
        HttpClient h1 = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(5)).build();
        HttpClient h2 = HttpClient.newBuilder().version(HttpClient.Version.HTTP_2).connectTimeout(Duration.ofSeconds(5)).build();

        try (SseClient live = SseClient.open(uri("/notif/stream?listen=feed:fz-a&listen=chat:fz-room&listen=probe:fz-p"),
                "X-Identity", ME)) {
            assertEquals(200, live.status());
            liveId = live.clientId();
            for (String[] l : liveListens) {
                live.awaitListen(l[0], l[1], true);
            }
            JsonNode before = state();
            int eventsBefore = live.events().size();

            List<String> failures = new ArrayList<>();
            int from = only == null ? 0 : only;
            int to = only == null ? tries : only + 1;
            for (int i = from; i < to && failures.size() < 10; i++) {
                Case c = generate(new Random(seed * 31 + i));
                String problem = check(c, h1, h2);
                if (problem != null) {
                    failures.add("case " + i + " (-Dfuzz.seed=" + seed + " -Dfuzz.case=" + i + "): "
                            + problem + "\n" + c.describe());
                }
            }
            assertTrue(failures.isEmpty(), failures.size() + " case(s) failed, seed " + seed + ":\n\n"
                    + String.join("\n\n", failures));

            assertEquals(before, state(), "clients, streams, keys and listens are as they were (seed " + seed + ")");
            assertFalse(live.ended(), "the live stream is still open (seed " + seed + ")");
            assertEquals(eventsBefore, live.events().size(),
                    "the live client saw no listen change, notification or end: " + live.events().subList(eventsBefore,
                            live.events().size()) + " (seed " + seed + ")");
            // ... and it is served: what is notified now is the first thing it receives
            Api.notifyOn("feed", "fz-a", Map.of("final", seed)).statusCode(202);
            Api.notifyOn("chat", "fz-room", Map.of("from", "zed", "text", "final")).statusCode(202);
            assertEquals(seed, live.awaitData("feed", "fz-a", 1).get(0).get("final").asLong());
            assertEquals("final", live.awaitData("chat", "fz-room", 1).get(0).get("text").asText());
            assertEquals(2, live.notifications().size(), "nothing else was delivered: " + live.notifications());
        }
    }

    /** The part of /notif/stats that says what exists: counters (which count refusals too) left out. */
    private static JsonNode state() throws IOException {
        ObjectNode stats = (ObjectNode) JSON.readTree(given().get("/notif/stats").then().statusCode(200).extract().asString());
        stats.remove("counters");
        return stats;
    }

    // ---- checking one case ------------------------------------------------------------------------

    private String check(Case c, HttpClient h1, HttpClient h2) {
        int status;
        String body;
        try {
            if (c.raw() != null) {
                String answer = Api.exchange(c.raw().getBytes(StandardCharsets.ISO_8859_1));
                if (answer.length() < 12) {
                    return "no answer: [" + answer + "]";
                }
                status = Integer.parseInt(answer.substring(9, 12));
                int start = answer.indexOf("\r\n\r\n");
                body = start < 0 ? "" : answer.substring(start + 4);
            } else {
                HttpResponse<String> r = (c.http2() ? h2 : h1).send(request(c), HttpResponse.BodyHandlers.ofString());
                status = r.statusCode();
                body = r.body();
            }
        } catch (IOException e) {
            return "the exchange failed: " + e;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return "interrupted";
        }
        if (status < 400 || status > 499) {
            return "answered " + status + " " + body;
        }
        switch (c.expect()) {
            case CORS:
                return status == 403 && body.isEmpty() ? null : "expected the CORS filter's bare 403, got " + status + " " + body;
            case PARSER:
                return body.isEmpty() || isJsonError(body) ? null : "a parser refusal with a body that is not the JSON error: " + body;
            default:
                return isJsonError(body) ? null : "answered " + status + " without the JSON error body: [" + body + "]";
        }
    }

    private static boolean isJsonError(String body) {
        try {
            JsonNode json = JSON.readTree(body);
            return json != null && json.isObject() && json.size() == 2 && json.path("error").isTextual()
                    && json.path("message").isTextual();
        } catch (IOException e) {
            return false;
        }
    }

    private static HttpRequest request(Case c) {
        HttpRequest.Builder b = HttpRequest.newBuilder(uri(c.path())).timeout(ANSWER_WITHIN);
        for (String[] h : c.headers()) {
            b.header(h[0], h[1]);
        }
        HttpRequest.BodyPublisher body;
        if (c.body() == null) {
            body = HttpRequest.BodyPublishers.noBody();
        } else if (c.streamed()) {
            byte[] bytes = c.body();
            body = HttpRequest.BodyPublishers.ofInputStream(() -> new ByteArrayInputStream(bytes)); // no length: chunked
        } else {
            body = HttpRequest.BodyPublishers.ofByteArray(c.body());
        }
        return b.method(c.method(), body).build();
    }

    // ---- generating cases -------------------------------------------------------------------------

    private Case generate(Random r) {
        Template t = template(r);
        int defect = r.nextInt(100);
        if (defect < 10) {
            return badContentType(r, t);
        } else if (defect < 18) {
            return crossOrigin(r, t);
        } else if (defect < 26) {
            return otherIdentity(r);
        } else if (defect < 34) {
            return unknownTarget(r, t);
        } else if (defect < 46) {
            return malformedJson(r, t);
        } else if (defect < 58) {
            return wrongShape(r, t);
        } else if (defect < 62) {
            return oversized(r);
        } else if (defect < 68) {
            return wrongMethod(r, t);
        } else if (defect < 73) {
            return notAcceptable(r, t);
        } else if (defect < 90) {
            return badStream(r);
        } else if (defect < 94) {
            return undecodableQuery(r, t);
        } else if (defect < 96) {
            return missingHost(r, t);
        } else {
            return parserGarbage(r, t);
        }
    }

    /** A request that changes something when it is right. */
    private Template template(Random r) {
        String[] held = liveListens.get(r.nextInt(liveListens.size()));
        switch (r.nextInt(8)) {
            case 0:
                return new Template("listen", "POST", "/notif/" + held[0] + "/listen", obj("client", liveId, "key", "new-" + r.nextInt(1000)));
            case 1:
                return new Template("unlisten", "POST", "/notif/" + held[0] + "/unlisten", obj("client", liveId, "key", held[1]));
            case 2: {
                ObjectNode n = obj("key", held[1]);
                n.set("notification", held[0].equals("chat") ? obj("from", "mallory", "text", "boo")
                        : held[0].equals("probe") ? JSON.createObjectNode().put("seq", r.nextInt(1000)) : obj("x", "y"));
                return new Template("notify", "POST", "/notif/" + held[0] + "/notify", n);
            }
            case 3:
                return new Template("unlisten-identity", "POST", "/notif/" + held[0] + "/unlisten-identity", obj("identity", ME, "key", held[1]));
            case 4:
                return new Template("disconnect", "POST", "/notif/disconnect", obj("identity", ME));
            case 5:
                return new Template("delete", "DELETE", "/notif/client/" + liveId, null);
            case 6:
                return new Template("stream", "GET", "/notif/stream?listen=feed:fz-new-" + r.nextInt(1000), null);
            default:
                return new Template("stats", "GET", "/notif/stats", null);
        }
    }

    private static ObjectNode obj(String... kv) {
        ObjectNode o = JSON.createObjectNode();
        for (int i = 0; i < kv.length; i += 2) {
            o.put(kv[i], kv[i + 1]);
        }
        return o;
    }

    private static byte[] bytes(JsonNode json) {
        try {
            return JSON.writeValueAsBytes(json);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The template as a case, as its own identity, with a JSON body if it has one, plus noise. */
    private Case build(Random r, String label, Template t, String method, String path, List<String[]> headers, byte[] body,
            boolean streamed, Answer expect) {
        List<String[]> all = new ArrayList<>(headers);
        if (all.stream().noneMatch(h -> h[0].equals("X-Identity"))) {
            all.add(new String[] {"X-Identity", ME});
        }
        noise(r, all);
        return new Case(label + " (" + t.kind() + ")", method, withNoise(r, path), all, body, streamed,
                streamed ? r.nextBoolean() : r.nextInt(4) == 0, null, expect);
    }

    private Case asIs(Random r, String label, Template t, List<String[]> headers, Answer expect) {
        List<String[]> h = new ArrayList<>(headers);
        byte[] body = null;
        if (t.body() != null) {
            if (h.stream().noneMatch(x -> x[0].equals("Content-Type"))) {
                h.add(new String[] {"Content-Type", jsonType(r)});
            }
            body = bytes(t.body());
        }
        return build(r, label, t, t.method(), t.path(), h, body, false, expect);
    }

    private static final String[] JSON_TYPES = {"application/json", "application/json; charset=utf-8", "Application/JSON",
        "application/json;charset=UTF-8"};
    private static final String[] NOT_JSON = {"text/plain", "text/plain;charset=UTF-8", "application/x-www-form-urlencoded",
        "multipart/form-data; boundary=fz", "application/xml", "application/jsonp", "application/json-patch+json",
        "text/json", "json", "application/ json", "*/*", "application/octet-stream", ""};

    private static String jsonType(Random r) {
        return JSON_TYPES[r.nextInt(JSON_TYPES.length)];
    }

    /** Headers and query parameters that must change nothing. */
    private static void noise(Random r, List<String[]> headers) {
        for (int i = r.nextInt(3); i > 0; i--) {
            headers.add(new String[] {"X-Fz-" + r.nextInt(100), printable(r, 1 + r.nextInt(40))});
        }
        if (r.nextInt(8) == 0) {
            headers.add(new String[] {"Authorization", "Bearer " + printable(r, 20)});
        }
        if (r.nextInt(8) == 0) {
            headers.add(new String[] {"Cookie", "access_token=" + token(r)});
        }
    }

    private static String withNoise(Random r, String path) {
        if (r.nextInt(3) != 0) {
            return path;
        }
        String param = "fz" + r.nextInt(5) + "=" + URLEncoder.encode(printable(r, r.nextInt(20)), StandardCharsets.UTF_8);
        return path + (path.contains("?") ? "&" : "?") + param;
    }

    private static String printable(Random r, int length) {
        StringBuilder s = new StringBuilder();
        for (int i = 0; i < length; i++) {
            s.append((char) (0x21 + r.nextInt(0x5e)));
        }
        return s.toString();
    }

    private static String token(Random r) {
        String alphabet = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_";
        StringBuilder s = new StringBuilder();
        for (int i = 0; i < 8 + r.nextInt(24); i++) {
            s.append(alphabet.charAt(r.nextInt(alphabet.length())));
        }
        return s.toString();
    }

    private static String unicodeName(Random r) {
        String[] pieces = {"x", "ü", "名", "🙂", "-", "_", ".", "%", " ", "a", "Z", "9", "'", "\"", "<", ";"};
        StringBuilder s = new StringBuilder();
        for (int i = 0; i < 1 + r.nextInt(12); i++) {
            s.append(pieces[r.nextInt(pieces.length)]);
        }
        return s.toString();
    }

    private static String segment(String text) {
        return URLEncoder.encode(text, StandardCharsets.UTF_8).replace("+", "%20");
    }

    // Each defect below must make its request refused, whatever the template and the noise.

    private Case badContentType(Random r, Template t) {
        if (!t.method().equals("POST") && !t.method().equals("DELETE")) {
            t = new Template("listen", "POST", "/notif/feed/listen", obj("client", liveId, "key", "ct"));
        }
        String type = NOT_JSON[r.nextInt(NOT_JSON.length)];
        List<String[]> h = new ArrayList<>();
        if (!type.isEmpty() || t.method().equals("DELETE") || r.nextBoolean()) {
            h.add(new String[] {"Content-Type", type.isEmpty() ? "text/plain" : type});
        }
        // a POST with no Content-Type at all is the other half of this defect
        byte[] body = t.body() == null ? null : bytes(t.body());
        return build(r, "content type " + (h.isEmpty() ? "none" : h.get(0)[1]), t, t.method(), t.path(), h, body, false,
                Answer.JSON);
    }

    private Case crossOrigin(Random r, Template t) {
        String[] origins = {"https://evil.example", "null", "http://localhost:1", "https://app.tidings.test.evil.example",
            "https://APP.tidings.test", "http://app.tidings.test", "https://app.tidings.test:444", "file://"};
        List<String[]> h = new ArrayList<>();
        h.add(new String[] {"Origin", origins[r.nextInt(origins.length)]});
        return asIs(r, "origin " + h.get(0)[1], t, h, Answer.CORS);
    }

    private Case otherIdentity(Random r) {
        String[] held = liveListens.get(r.nextInt(liveListens.size()));
        List<String[]> h = new ArrayList<>();
        h.add(new String[] {"X-Identity", r.nextBoolean() ? "mallory" : unicodeName(r) + "-not-alice"});
        Template t = switch (r.nextInt(4)) {
            case 0 -> new Template("listen", "POST", "/notif/" + held[0] + "/listen", obj("client", liveId, "key", "mine"));
            case 1 -> new Template("unlisten", "POST", "/notif/" + held[0] + "/unlisten", obj("client", liveId, "key", held[1]));
            case 2 -> new Template("delete", "DELETE", "/notif/client/" + liveId, null);
            default -> new Template("resume", "GET", "/notif/stream?client=" + liveId, null);
        };
        if (h.get(0)[1].chars().anyMatch(ch -> ch > 0x7e)) {
            // a header cannot carry every name: the demo's identity parameter can
            String name = h.remove(0)[1];
            t = new Template(t.kind(), t.method(), t.path() + (t.path().contains("?") ? "&" : "?") + "identity="
                    + URLEncoder.encode(name, StandardCharsets.UTF_8), t.body());
            h.add(new String[] {"X-Identity", "mallory"});
        }
        return asIs(r, "another identity", t, h, Answer.JSON);
    }

    private Case unknownTarget(Random r, Template t) {
        String type;
        do {
            type = unicodeName(r);
        } while (KNOWN_TYPES.contains(type));
        String client = token(r);
        String action = t.path().substring(t.path().lastIndexOf('/'));
        Template wrong = switch (t.kind()) {
            case "listen", "unlisten" -> r.nextBoolean()
                    ? new Template(t.kind(), t.method(), "/notif/" + segment(type) + action, t.body())
                    : new Template(t.kind(), t.method(), t.path(), t.body().deepCopy().put("client", client));
            case "notify", "unlisten-identity" -> new Template(t.kind(), t.method(), "/notif/" + segment(type) + action, t.body());
            case "delete" -> new Template("delete", "DELETE", "/notif/client/" + segment(client), null);
            case "stream" -> r.nextBoolean()
                    ? new Template("stream", "GET", "/notif/stream?listen=" + URLEncoder.encode(type, StandardCharsets.UTF_8) + ":k", null)
                    : new Template("stream", "GET", "/notif/stream?client=" + URLEncoder.encode(client, StandardCharsets.UTF_8), null);
            default -> new Template(t.kind(), "GET", "/notif/" + segment(type) + "/" + segment(unicodeName(r)), null);
        };
        return asIs(r, "unknown type or client", wrong, List.of(), Answer.JSON);
    }

    private Case malformedJson(Random r, Template t) {
        if (t.body() == null) {
            t = new Template("listen", "POST", "/notif/feed/listen", obj("client", liveId, "key", "mj"));
        }
        byte[] valid = bytes(t.body());
        byte[] broken;
        int how = r.nextInt(4);
        if (how == 0) {
            broken = java.util.Arrays.copyOf(valid, r.nextInt(valid.length)); // a strict prefix of an object never parses
        } else {
            broken = valid.clone();
            for (int i = 1 + r.nextInt(3); i > 0; i--) {
                int at = r.nextInt(broken.length);
                broken[at] = how == 1 ? (byte) r.nextInt(256) : (byte) JSON_PUNCTUATION.charAt(r.nextInt(JSON_PUNCTUATION.length()));
            }
            if (parses(broken)) {
                broken = java.util.Arrays.copyOf(valid, valid.length - 1);
            }
        }
        if (how == 3) {
            broken = ("{" + new String(broken, StandardCharsets.ISO_8859_1) + "}{").getBytes(StandardCharsets.ISO_8859_1);
        }
        List<String[]> h = new ArrayList<>();
        h.add(new String[] {"Content-Type", jsonType(r)});
        return build(r, "malformed JSON", t, "POST", t.path(), h, broken, r.nextInt(5) == 0, Answer.JSON);
    }

    private static final String JSON_PUNCTUATION = "{}[]\",:\\ \u0000x";

    private static boolean parses(byte[] body) {
        try {
            JSON.readTree(body);
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    private Case wrongShape(Random r, Template t) {
        if (t.body() == null) {
            t = new Template("notify", "POST", "/notif/feed/notify", (ObjectNode) obj("key", "fz-a").set("notification", obj("a", "b")));
        }
        JsonNode body;
        String what;
        ObjectNode copy = t.body().deepCopy();
        List<String> fields = new ArrayList<>();
        copy.fieldNames().forEachRemaining(fields::add);
        String field = fields.get(r.nextInt(fields.size()));
        Function<Random, JsonNode> wrongValue = rr -> switch (rr.nextInt(7)) {
            case 0 -> JSON.getNodeFactory().numberNode(rr.nextInt());
            case 1 -> JSON.getNodeFactory().booleanNode(rr.nextBoolean());
            case 2 -> JSON.createArrayNode().add("x");
            case 3 -> obj("x", "y");
            case 4 -> JSON.getNodeFactory().nullNode();
            case 5 -> JSON.getNodeFactory().textNode("");
            default -> JSON.getNodeFactory().numberNode(1.5);
        };
        switch (r.nextInt(6)) {
            case 0 -> {
                body = switch (r.nextInt(4)) {
                    case 0 -> JSON.createArrayNode().add(copy);
                    case 1 -> JSON.getNodeFactory().textNode(copy.toString());
                    case 2 -> JSON.getNodeFactory().numberNode(42);
                    default -> JSON.getNodeFactory().nullNode();
                };
                what = "not an object";
            }
            case 1 -> {
                copy.remove(field);
                body = copy;
                what = "no " + field;
            }
            case 2 -> {
                if (field.equals("notification")) {
                    field = "key"; // any JSON is a notification; the key is not
                }
                copy.set(field, wrongValue.apply(r));
                body = copy;
                what = field + " ill-typed";
            }
            case 3 -> {
                if (copy.has("key")) {
                    copy.put("key", "k".repeat(513 + r.nextInt(100)));
                    what = "key over 512 characters";
                } else {
                    copy.set("identity", wrongValue.apply(r));
                    what = "identity ill-typed";
                }
                body = copy;
            }
            case 4 -> {
                if (t.kind().equals("notify")) {
                    JsonNode wrong = wrongValue.apply(r);
                    copy.set("notfor", !wrong.isNull() && r.nextBoolean() ? wrong
                            : r.nextBoolean() ? obj("client", "a", "identity", "b") : obj("nobody", "x"));
                    what = "notfor wrong";
                } else {
                    copy.remove(field);
                    what = "no " + field;
                }
                copy.put("fz-extra", r.nextInt());
                body = copy;
            }
            default -> {
                if (t.path().startsWith("/notif/probe/") && copy.has("key")) {
                    copy.put("key", "has space " + r.nextInt(10));
                    what = "not a probe key";
                } else {
                    copy.remove(field);
                    what = "no " + field;
                }
                body = copy;
            }
        }
        List<String[]> h = new ArrayList<>();
        h.add(new String[] {"Content-Type", jsonType(r)});
        return build(r, "wrong shape: " + what, t, "POST", t.path(), h, bytes(body), r.nextInt(5) == 0, Answer.JSON);
    }

    private Case oversized(Random r) {
        String[] held = liveListens.get(0); // feed: any JSON, delivered if it got through
        ObjectNode n = obj("key", held[1]);
        n.put("notification", "x".repeat(65_537 + r.nextInt(150_000)));
        List<String[]> h = new ArrayList<>();
        h.add(new String[] {"Content-Type", jsonType(r)});
        Template t = new Template("notify", "POST", "/notif/feed/notify", n);
        return build(r, "over max-payload", t, "POST", t.path(), h, bytes(n), r.nextBoolean(), Answer.JSON);
    }

    private Case wrongMethod(Random r, Template t) {
        String method = switch (t.method()) {
            case "POST" -> new String[] {"GET", "PUT", "PATCH", "DELETE"}[r.nextInt(4)];
            case "DELETE" -> new String[] {"POST", "PUT", "PATCH", "GET"}[r.nextInt(4)];
            default -> new String[] {"POST", "PUT", "PATCH", "DELETE"}[r.nextInt(4)];
        };
        List<String[]> h = new ArrayList<>();
        byte[] body = null;
        if (!method.equals("GET") && !method.equals("DELETE")) {
            h.add(new String[] {"Content-Type", jsonType(r)});
            body = t.body() == null ? bytes(obj("client", liveId, "key", "wm")) : bytes(t.body());
        }
        return build(r, "method " + method, t, method, t.path(), h, body, false, Answer.JSON);
    }

    private Case notAcceptable(Random r, Template t) {
        if (t.kind().equals("stream")) {
            t = new Template("stats", "GET", "/notif/stats", null);
        }
        String[] accept = {"text/html", "application/xml", "image/png", "text/event-stream", "text/plain;q=1"};
        List<String[]> h = new ArrayList<>();
        h.add(new String[] {"Accept", accept[r.nextInt(accept.length)]});
        return asIs(r, "accept " + h.get(0)[1], t, h, Answer.JSON);
    }

    private Case badStream(Random r) {
        List<String> query = new ArrayList<>();
        for (int i = r.nextInt(3); i > 0; i--) {
            query.add("listen=feed:" + URLEncoder.encode("ok-" + unicodeName(r), StandardCharsets.UTF_8));
        }
        List<String[]> h = new ArrayList<>();
        String what;
        switch (r.nextInt(9)) {
            case 0 -> {
                String[] bad = {"nocolon", ":k", "feed:", "", ":", "probe:forbidden", "probe:has%20space",
                    "feed:" + "k".repeat(513), "nosuchtype:k", "chat"};
                String b = bad[r.nextInt(bad.length)];
                query.add(r.nextInt(query.size() + 1), "listen=" + b);
                what = "listen=" + (b.length() > 20 ? b.substring(0, 20) + "…" : b);
            }
            case 1 -> {
                h.add(new String[] {"Last-Event-ID", new String[] {"abc", "1.5", "-", "0x10", "1e3", "99999999999999999999"}[r.nextInt(6)]});
                what = "Last-Event-ID";
            }
            case 2 -> {
                query.add("lastEventId=" + new String[] {"abc", "1.5", "0x10", "%2B%2B"}[r.nextInt(4)]);
                what = "lastEventId";
            }
            case 3 -> {
                query.add("client=" + URLEncoder.encode(token(r), StandardCharsets.UTF_8));
                what = "unknown client";
            }
            case 4 -> {
                query.add("client=" + liveId);
                h.add(new String[] {"X-Identity", "mallory"});
                what = "another identity's client";
            }
            case 5 -> {
                h.add(new String[] {"X-Identity", "n".repeat(129 + r.nextInt(50))});
                what = "identity too long";
            }
            case 6 -> {
                for (int i = 0; i < 21 + r.nextInt(5); i++) {
                    query.add("listen=feed:many-" + i);
                }
                what = "over max-listens";
            }
            case 7 -> {
                query.add("listen=" + URLEncoder.encode("probe:" + unicodeName(r) + " " + unicodeName(r), StandardCharsets.UTF_8));
                what = "probe key with a space";
            }
            default -> {
                query.add("listen=" + URLEncoder.encode(unicodeName(r) + "-nosuchtype:" + unicodeName(r), StandardCharsets.UTF_8));
                what = "unknown type";
            }
        }
        if (h.stream().noneMatch(x -> x[0].equals("X-Identity")) && r.nextBoolean()) {
            h.add(new String[] {"X-Identity", "fz-" + token(r)});
        }
        Template t = new Template("stream", "GET", "/notif/stream?" + String.join("&", query), null);
        List<String[]> all = new ArrayList<>(h);
        if (all.stream().noneMatch(x -> x[0].equals("X-Identity"))) {
            all.add(new String[] {"X-Identity", "fz-anon"});
        }
        noise(r, all);
        return new Case("stream: " + what, "GET", t.path(), all, null, false, r.nextInt(3) == 0, null, Answer.JSON);
    }

    private Case undecodableQuery(Random r, Template t) {
        String bad = new String[] {"%zz", "%", "%4", "x=%G0", "%%"}[r.nextInt(5)];
        String path = t.path() + (t.path().contains("?") ? "&" : "?") + bad;
        return rawCase(r, "undecodable query " + bad, t, path, true, Answer.PARSER);
    }

    private Case missingHost(Random r, Template t) {
        return rawCase(r, "no Host", t, t.path(), false, Answer.JSON);
    }

    private Case parserGarbage(Random r, Template t) {
        String head = t.method() + " " + t.path() + " HTTP/1.1\r\nHost: localhost\r\n";
        String garbage = switch (r.nextInt(6)) {
            case 0 -> "No colon here\r\n";
            case 1 -> "Content-Length: ab\r\n";
            case 2 -> "Content-Length: 5\r\nContent-Length: 6\r\n";
            case 3 -> "X-Big: " + "b".repeat(25_000) + "\r\n";
            case 4 -> "X-Nul: a\u0000b\r\n";
            default -> "Content-Length: -1\r\n";
        };
        String request = head + "X-Identity: " + ME + "\r\nConnection: close\r\n" + garbage + "\r\n";
        if (r.nextInt(4) == 0) {
            request = t.method() + " /notif/" + "p".repeat(5000) + " HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n";
        }
        return new Case("parser refusal", t.method(), t.path(), List.of(), null, false, false, request, Answer.PARSER);
    }

    private Case rawCase(Random r, String label, Template t, String path, boolean host, Answer expect) {
        StringBuilder request = new StringBuilder(t.method()).append(' ').append(path).append(" HTTP/1.1\r\n");
        if (host) {
            request.append("Host: localhost\r\n");
        }
        request.append("X-Identity: ").append(ME).append("\r\nConnection: close\r\n");
        byte[] body = t.body() == null ? null : bytes(t.body());
        if (body != null) {
            request.append("Content-Type: ").append(jsonType(r)).append("\r\nContent-Length: ").append(body.length).append("\r\n");
        }
        request.append("\r\n");
        if (body != null) {
            request.append(new String(body, StandardCharsets.ISO_8859_1));
        }
        return new Case(label + " (" + t.kind() + ")", t.method(), path, List.of(), null, false, false, request.toString(), expect);
    }
}
