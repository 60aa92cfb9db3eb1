package dev.tidings.browser;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.equalTo;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import java.io.BufferedReader;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.URL;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * tidings.js in a real browser, on a bare page (src/test/resources/META-INF/resources/bare.html)
 * that records what the library reports. Two separate headless Chromium instances (two browser
 * contexts) act as two identities against the real server over real HTTP.
 */
@QuarkusTest
class TidingsJsBrowserTest {

    private static Browser alice;
    private static Browser bob;

    @TestHTTPResource("/")
    URL base;

    @BeforeEach
    void start() {
        Browser.assumeInstalled();
        if (alice == null) {
            alice = new Browser("alice", 1000, 700);
            bob = new Browser("bob", 1000, 700);
        }
    }

    @AfterAll
    static void stop() {
        for (Browser b : new Browser[] {alice, bob}) {
            if (b != null) {
                b.close();
            }
        }
        alice = null;
        bob = null;
    }

    // ---- helpers ----------------------------------------------------------------------------------

    private static String unique(String prefix) {
        return prefix + "-" + UUID.randomUUID().toString().substring(0, 8);
    }

    /** Opens the bare page as that identity, listening on each "type:key" before the stream opens. */
    private void bare(Browser b, String identity, String... listens) {
        bareWith(b, "identity=" + enc(identity), listens);
    }

    /** The bare page with a slow first reconnect (2 s), so that the server can act before the page is back. */
    private void bareSlowToReconnect(Browser b, String identity, String... listens) {
        bareWith(b, "identity=" + enc(identity) + "&minDelay=2000", listens);
    }

    private void bareWith(Browser b, String query, String... listens) {
        StringBuilder url = new StringBuilder(base.toString()).append("bare.html?").append(query);
        for (String l : listens) {
            url.append("&listen=").append(enc(l));
        }
        b.open(url.toString());
        b.untilJs("page loaded", "return window.bare !== undefined");
        for (String l : listens) {
            String[] tk = l.split(":", 2);
            b.untilJs("listen on " + l + " confirmed",
                    "return window.bare.events.some(e => e.kind === 'listened' && e.type === arguments[0] && e.key === arguments[1])",
                    tk[0], tk[1]);
        }
        b.untilJs("stream open", "return window.bare.t.state === 'open'");
    }

    private static String enc(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8);
    }

    @SuppressWarnings("unchecked")
    private static List<Object> texts(Browser b, String key) {
        return (List<Object>) b.js("return window.bare.got.filter(n => n.key === arguments[0]).map(n => n.data.text)", key);
    }

    @SuppressWarnings("unchecked")
    private static List<Object> privates(Browser b, String key) {
        return (List<Object>) b.js("return window.bare.got.filter(n => n.key === arguments[0]).map(n => n.data.private)", key);
    }

    private static void untilReceived(Browser b, String key, String text) {
        b.untilJs("receives '" + text + "' on " + key,
                "return window.bare.got.some(n => n.key === arguments[0] && n.data && n.data.text === arguments[1])", key, text);
    }

    private static void restNotify(String type, String key, Object notification) {
        given().contentType(ContentType.JSON)
                .body(Map.of("key", key, "notification", notification))
                .post("/notif/" + type + "/notify")
                .then().statusCode(202);
    }

    private static Map<String, Object> chat(String from, String text) {
        return Map.of("from", from, "text", text);
    }

    /** Notifies from the page through tidings.js; returns "ok" or the error code. */
    private static Object pageNotify(Browser b, String type, String key, Map<String, Object> notification, Map<String, Object> options) {
        return b.jsAsync("window.bare.t.notify(arguments[0], arguments[1], arguments[2], arguments[3])"
                + ".then(() => done('ok'), e => done(e.error))", type, key, notification, options);
    }

    private static String clientId(Browser b) {
        return (String) b.js("return window.bare.t.clientId");
    }

    private static boolean hasEvent(Browser b, String predicate) {
        return Boolean.TRUE.equals(b.js("return window.bare.events.some(e => " + predicate + ")"));
    }

    // ---- tests ------------------------------------------------------------------------------------

    @Test
    void listensBeforeTheStreamOpensAndReceivesFromTheOtherTabAndFromRest() {
        String room = unique("room");
        String feed = unique("feed");
        bare(alice, "alice", "chat:" + room, "feed:" + feed);
        bare(bob, "bob", "chat:" + room);

        // listen() was called while connecting, and settled on the server's confirmation
        assertTrue(hasEvent(alice, "e.kind === 'listened' && e.stateWhenCalled === 'connecting'"));
        assertEquals(true, alice.js("return window.bare.t.listening('chat', arguments[0])", room));

        assertEquals("ok", pageNotify(alice, "chat", room, chat("alice", "from alice's tab"), Map.of()));
        untilReceived(bob, room, "from alice's tab");
        untilReceived(alice, room, "from alice's tab"); // no notfor: the sender's tab gets it too

        restNotify("chat", room, chat("server", "from rest"));
        untilReceived(bob, room, "from rest");
        untilReceived(alice, room, "from rest");
        assertEquals(List.of("from alice's tab", "from rest"), texts(bob, room));
        assertEquals(List.of(false, false), privates(bob, room));

        restNotify("feed", feed, Map.of("headline", "any JSON", "n", List.of(1, 2)));
        Object data = alice.untilJs("feed notification", "const n = window.bare.got.find(n => n.key === arguments[0]); return n && n.data", feed);
        assertEquals(Map.of("headline", "any JSON", "n", List.of(1L, 2L)), data);
    }

    @Test
    void notForMeSkipsOnlyTheSendingTab() {
        String room = unique("room");
        bare(alice, "alice", "chat:" + room);
        bare(bob, "bob", "chat:" + room);

        assertEquals("ok", pageNotify(alice, "chat", room, chat("alice", "not for alice's tab"), Map.of("notForMe", true)));
        untilReceived(bob, room, "not for alice's tab");
        restNotify("chat", room, chat("server", "marker"));
        untilReceived(alice, room, "marker");
        assertEquals(List.of("marker"), texts(alice, room)); // per-key order: had it come, it would be first
    }

    @Test
    void aPrivateMessageReachesOnlyItsAddresseeAndSender() {
        String room = unique("room");
        bare(alice, "alice", "chat:" + room);
        bare(bob, "bob", "chat:" + room);

        assertEquals("ok", pageNotify(alice, "chat", room, Map.of("from", "alice", "to", "carol", "text", "for carol"), Map.of()));
        assertEquals("ok", pageNotify(alice, "chat", room, Map.of("from", "alice", "to", "bob", "text", "for bob"), Map.of()));
        restNotify("chat", room, chat("server", "public after"));

        untilReceived(bob, room, "public after");
        assertEquals(List.of("for bob", "public after"), texts(bob, room));
        assertEquals(List.of(true, false), privates(bob, room));
        untilReceived(alice, room, "public after");
        assertEquals(List.of("for carol", "for bob", "public after"), texts(alice, room));
        assertEquals(List.of(true, true, false), privates(alice, room));
    }

    @Test
    void unlistenStopsDeliveryOnThatKeyOnly() {
        String gone = unique("gone");
        String kept = unique("kept");
        bare(bob, "bob", "chat:" + gone, "chat:" + kept);

        Object after = bob.jsAsync("window.bare.t.unlisten('chat', arguments[0])"
                + ".then(() => done({listening: window.bare.t.listening('chat', arguments[0]),"
                + " held: window.bare.t.listens().map(l => l.key)}))", gone);
        assertEquals(Map.of("listening", false, "held", List.of(kept)), after);

        restNotify("chat", gone, chat("server", "after unlisten"));
        restNotify("chat", kept, chat("server", "marker"));
        untilReceived(bob, kept, "marker");
        assertEquals(List.of(), texts(bob, gone));
    }

    @Test
    void aRefusedListenRejectsWithTheServersError() {
        bare(alice, "alice");
        Object unknownType = alice.jsAsync("window.bare.t.listen('no-such-type', 'k')"
                + ".then(() => done('resolved'), e => done(e.status + ' ' + e.error))");
        assertEquals("404 unknown_type", unknownType);
        Object emptyKey = alice.jsAsync("window.bare.t.listen('chat', '')"
                + ".then(() => done('resolved'), e => done(e.status + ' ' + e.error))");
        assertEquals("400 bad_request", emptyKey);
        assertEquals(List.of(), alice.js("return window.bare.t.listens()"));
    }

    @Test
    void handlersPerTypeAndKeyAreNeverDuplicatedAndCanBeRemoved() {
        String room = unique("room");
        bare(alice, "alice", "chat:" + room);
        alice.js("const b = window.bare; b.calls = {key: 0, type: 0};"
                + "const h = () => b.calls.key++; const ht = () => b.calls.type++;"
                + "b.off1 = b.t.on('chat', arguments[0], h); b.off2 = b.t.on('chat', arguments[0], h);"
                + "b.offType = b.t.on('chat', ht);", room);

        restNotify("chat", room, chat("server", "one"));
        untilReceived(alice, room, "one");
        assertEquals(Map.of("key", 1L, "type", 1L), alice.js("return window.bare.calls"));

        alice.js("window.bare.off1(); window.bare.offType();");
        restNotify("chat", room, chat("server", "two"));
        untilReceived(alice, room, "two");
        assertEquals(Map.of("key", 1L, "type", 1L), alice.js("return window.bare.calls"));
    }

    @Test
    void whenTheServerEndsTheProcessForGoodThePageStopsAndSaysWhy() {
        String room = unique("room");
        bare(bob, "bob", "chat:" + room);
        String first = clientId(bob);

        // the server ends bob's client process and tells the stream so (event: closed)
        given().header("X-Identity", "bob").delete("/notif/client/" + first).then().statusCode(204);

        bob.untilJs("closed, with the reason", "return window.bare.t.state === 'closed'");
        assertTrue(hasEvent(bob, "e.kind === 'error' && e.error === 'closed'"), "the page is told why");
        assertFalse(hasEvent(bob, "e.kind === 'state' && e.state === 'reconnecting'"), "no attempt to come back");
        Object afterClose = bob.jsAsync("window.bare.t.listen('chat', 'x').then(() => done('resolved'), e => done(e.error))");
        assertEquals("closed", afterClose);
    }

    @Test
    void whenTheProcessIsGoneThePageOpensANewOneThatRecoversWhatWasSentMeanwhile() throws Exception {
        String room = unique("room");
        bareSlowToReconnect(bob, "bob", "chat:" + room);
        restNotify("chat", room, chat("server", "before"));
        untilReceived(bob, room, "before");
        String first = clientId(bob);

        // the page is cut off and its process ends (as after its grace period, or on a replica that died)
        dev.tidings.testing.Api.endProcessBehindItsStream("bob", first);
        restNotify("chat", room, chat("server", "during the cut"));
        restNotify("chat", room, Map.of("from", "alice", "text", "private, during the cut", "to", "bob"));

        bob.untilJs("new client process, listening",
                "const b = window.bare; return b.t.state === 'open' && b.t.clientId !== arguments[0]"
                        + " && b.t.listening('chat', arguments[1])", first, room);
        assertTrue(hasEvent(bob, "e.kind === 'state' && e.state === 'reconnecting'"));
        assertNotEquals(first, clientId(bob));

        restNotify("chat", room, chat("server", "after the cut"));
        restNotify("chat", room, chat("server", "marker"));
        untilReceived(bob, room, "marker");
        // once each, in order: recovered from the cursor, no duplicate listen or handler
        assertEquals(List.of("before", "during the cut", "private, during the cut", "after the cut", "marker"), texts(bob, room));
        assertEquals(List.of(false, false, true, false, false), privates(bob, room));
        assertFalse(hasEvent(bob, "e.kind === 'missed'"), "nothing was missed, and the page is not told it was");
        // the old process is really gone on the server
        given().contentType(ContentType.JSON).header("X-Identity", "bob")
                .body(Map.of("client", first, "key", room)).post("/notif/chat/listen")
                .then().statusCode(404).body("error", equalTo("unknown_client"));
    }

    @Test
    void whenTheServerCutsTheStreamOnlyThePageResumesItsProcessAndGetsWhatCameMeanwhile() throws Exception {
        String room = unique("room");
        bare(bob, "bob", "chat:" + room);
        restNotify("chat", room, chat("server", "before"));
        untilReceived(bob, room, "before");
        String id = clientId(bob);

        // Another stream resuming bob's process makes the server close the page's stream, but the
        // process (and its listens) live on: the page must resume it, not open a new one.
        HttpClient http = HttpClient.newHttpClient();
        HttpRequest steal = HttpRequest.newBuilder(URI.create(base + "notif/stream?client=" + enc(id)))
                .header("X-Identity", "bob").header("Accept", "text/event-stream").build();
        HttpResponse<InputStream> stolen = http.send(steal, HttpResponse.BodyHandlers.ofInputStream());
        try (InputStream body = stolen.body()) {
            assertEquals(200, stolen.statusCode());
            BufferedReader lines = new BufferedReader(new InputStreamReader(body, StandardCharsets.UTF_8));
            String ready = CompletableFuture.supplyAsync(() -> {
                try {
                    for (String line; (line = lines.readLine()) != null; ) {
                        if (line.startsWith("data:") && line.contains("\"client\"")) {
                            return line;
                        }
                    }
                    return null;
                } catch (java.io.IOException e) {
                    return null;
                }
            }).get(20, TimeUnit.SECONDS);
            assertTrue(ready != null && ready.contains("\"resumed\":true"), ready);

            // Sent while the page is cut off: it arrives live or by replay after Last-Event-ID, once.
            restNotify("chat", room, chat("server", "during the cut"));
            untilReceived(bob, room, "during the cut");
            bob.untilJs("stream open again", "return window.bare.t.state === 'open'");
        }
        assertTrue(hasEvent(bob, "e.kind === 'state' && e.state === 'reconnecting'"), "the stream was cut");
        assertEquals(id, clientId(bob), "same client process, resumed");
        assertFalse(hasEvent(bob, "e.kind === 'missed'"), "nothing missed");

        restNotify("chat", room, chat("server", "after"));
        untilReceived(bob, room, "after");
        assertEquals(List.of("before", "during the cut", "after"), texts(bob, room));
    }

    /**
     * The browser's own EventSource, no library, listens in its URL
     * (src/test/resources/META-INF/resources/native.html): when its stream ends it reconnects by
     * itself with Last-Event-ID, and the server recovers what was sent meanwhile from that cursor,
     * in a new client process.
     */
    @Test
    void aPlainEventSourceCutOffReconnectsByItselfAndMissesNothing() {
        String room = unique("room");
        bob.open(base + "native.html?identity=bob&listen=" + enc("chat:" + room));
        bob.untilJs("stream ready", "return window.seen !== undefined && window.seen.ready.length === 1");
        restNotify("chat", room, chat("alice", "before"));
        bob.untilJs("first notification", "return window.seen.got.length === 1");
        String first = (String) bob.js("return window.seen.ready[0]");

        // The process ends (as after its grace period, or with the replica that held it): the server
        // ends the stream, and the EventSource, which knows nothing of Tidings, comes back after retry:.
        given().header("X-Identity", "bob").delete("/notif/client/" + first).then().statusCode(204);
        for (int i = 1; i <= 10; i++) {
            restNotify("chat", room, chat("alice", "during " + i));
        }
        restNotify("chat", room, Map.of("from", "alice", "text", "private, during", "to", "bob"));
        restNotify("chat", room, Map.of("from", "alice", "text", "for carol", "to", "carol"));

        bob.untilJs("reconnected by itself", "return window.seen.ready.length === 2");
        restNotify("chat", room, chat("alice", "after"));
        bob.untilJs("the one after", "return window.seen.got.some(n => n.data.text === 'after')");

        assertNotEquals(first, bob.js("return window.seen.ready[1]"), "a new client process");
        assertEquals(List.of("before", "during 1", "during 2", "during 3", "during 4", "during 5", "during 6", "during 7",
                "during 8", "during 9", "during 10", "private, during*", "after"),
                bob.js("return window.seen.got.map(n => n.data.text + (n.data.private ? '*' : ''))"), "all, once, in order");
        assertEquals(List.of(), bob.js("return window.seen.missed"));
        assertEquals(List.of("closed"), bob.js("return window.seen.closed"));
    }

    @Test
    void closeEndsTheClientProcessOnTheServerAtOnce() {
        String room = unique("room");
        bare(alice, "alice", "chat:" + room);
        String id = clientId(alice);

        Object state = alice.jsAsync("window.bare.t.close().then(() => done(window.bare.t.state), e => done('failed ' + e.message))");
        assertEquals("closed", state);
        // not after the grace period: now
        given().contentType(ContentType.JSON).header("X-Identity", "alice")
                .body(Map.of("client", id, "key", room)).post("/notif/chat/listen")
                .then().statusCode(404).body("error", equalTo("unknown_client"));
        Object afterClose = alice.jsAsync("window.bare.t.listen('chat', 'x').then(() => done('resolved'), e => done(e.error))");
        assertEquals("closed", afterClose);
    }

    @Test
    void closingWhileListensAreBeingMadeAgainForANewProcessReportsNoError() {
        String room = unique("room");
        String later = unique("later");
        bareSlowToReconnect(bob, "bob", "chat:" + room);
        String first = clientId(bob);

        bob.block("*/notif/chat/listen*"); // a listen by POST cannot get through
        try {
            // pending when the process is lost: the new stream's URL carries only confirmed listens,
            // so this one is made again by POST for the new process
            bob.js("window.bare.t.listen('chat', arguments[0]).catch(() => {})", later);
            dev.tidings.testing.Api.endProcessBehindItsStream("bob", first);
            bob.untilJs("a new process, a listen pending",
                    "return window.bare.t.state === 'open' && window.bare.t.clientId !== arguments[0]", first);
            assertEquals(false, bob.js("return window.bare.t.listening('chat', arguments[0])", later));
            assertEquals("closed", bob.jsAsync("window.bare.t.close().then(() => done(window.bare.t.state), e => done(e.message))"));
        } finally {
            bob.block();
        }
        // the page closed the client itself: no error to report, and no "missed" for listens never made
        assertEquals(List.of(), bob.js("return window.bare.events.filter(e => e.kind === 'error' || e.kind === 'missed')"));
    }

    @Test
    void anUnlistenMadeByTheServerIsFollowedAndNotUndoneOnReconnect() throws Exception {
        String room = unique("room");
        String other = unique("other");
        bareSlowToReconnect(bob, "bob", "chat:" + room, "chat:" + other);

        given().contentType(ContentType.JSON).body(Map.of("identity", "bob", "key", room))
                .post("/notif/chat/unlisten-identity").then().statusCode(202);
        bob.untilJs("server-made unlisten seen",
                "return window.bare.events.some(e => e.kind === 'listen' && e.key === arguments[0] && !e.listening)", room);
        assertEquals(List.of(other), bob.js("return window.bare.t.listens().map(l => l.key)"));

        String first = clientId(bob);
        dev.tidings.testing.Api.endProcessBehindItsStream("bob", first);
        bob.untilJs("listening again after a new process",
                "return window.bare.t.clientId !== arguments[1] && window.bare.t.listening('chat', arguments[0])", other, first);
        assertEquals(false, bob.js("return window.bare.t.listening('chat', arguments[0])", room));
        assertEquals(List.of(other), bob.js("return window.bare.t.listens().map(l => l.key)"));
    }

    @Test
    void pagesLeftForTheBackForwardCacheFreeTheirConnection() {
        // A browser has only six HTTP/1.1 connections per server: if pages left behind kept their
        // streams, the seventh page could not even send its listen.
        for (int i = 0; i < 8; i++) {
            bare(bob, "bob", "chat:" + unique("page" + i));
        }
    }

    @Test
    void aPageRestoredFromTheBackForwardCacheResumesItsProcess() {
        String room = unique("room");
        bare(bob, "bob", "chat:" + room);
        String id = clientId(bob);
        bob.js("window.restoredMarker = 'same page'");
        bob.open(base + "tidings.d.ts"); // leave for a moment
        bob.driver.navigate().back();
        bob.untilJs("restored page open again",
                "return window.restoredMarker === 'same page' && window.bare.t.state === 'open'"
                        + " && window.bare.events.filter(e => e.kind === 'state' && e.state === 'open').length === 2");
        // away for longer than the grace period (2 s in tests) or not: the page resumes its process
        // or recovers from its cursor in a new one, and nothing is missed either way
        assertFalse(hasEvent(bob, "e.kind === 'missed'"));
        restNotify("chat", room, chat("server", "after coming back"));
        untilReceived(bob, room, "after coming back");
    }

    @Test
    void theStreamParserCopesWithAnyChunkingLineEndingsAndMultiLineData() {
        bare(alice, "alice");
        // A second client whose fetch serves a hand-made stream, cut at awkward places.
        Object seen = alice.jsAsync("""
                const enc = new TextEncoder();
                const chunks = ['retry: 50\\r', '\\n: comment\\r\\n\\r\\nevent: ready\\r\\ndata: {"client":"c1",',
                  '"resumed":false}\\r\\n\\r', '\\nid: 7\\nevent: notification\\ndata: {"type":"chat","key":"k",',
                  '\\ndata: "data":{"text":"h\\u00e9llo"}}\\n\\n', 'event: missed\\ndata: {}\\n\\n',
                  'id: 8\\revent: notification\\rdata: {"type":"chat","key":"k","data":{"text":"cr only"}}\\r\\r'];
                const fetch = async (url, init) => {
                  if (init && init.method === 'DELETE') return new Response(null, {status: 204});
                  const body = new ReadableStream({ start(c) { for (const x of chunks) c.enqueue(enc.encode(x)); } });
                  return new Response(body, {status: 200, headers: {'Content-Type': 'text/event-stream'}});
                };
                const t = window.bare.tidings.connect({identity: 'x', fetch, closeOnPageHide: false});
                const got = [];
                t.on('chat', 'k', (d, m) => got.push(d.text + '#' + m.id));
                t.onMissed(m => got.push('missed:' + m.reason));
                const check = setInterval(() => {
                  if (got.length >= 3) {
                    clearInterval(check);
                    const r = {got, client: t.clientId, state: t.state, last: t.lastEventId};
                    t.close().then(() => done(r));
                  }
                }, 10);
                """);
        assertEquals(Map.of("got", List.of("h\u00e9llo#7", "missed:server", "cr only#8"),
                "client", "c1", "state", "open", "last", 8L), seen);
    }
}
