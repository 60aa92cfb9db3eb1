package dev.tidings.browser;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * sse-parser.js on its own, in the browser: a test page (src/test/resources/META-INF/resources/
 * sse-parser.html) hands it chunks of bytes, as fetch() would, and returns what it made of them.
 * No server stream is involved: the server only serves the page.
 */
@QuarkusTest
class SseParserBrowserTest {

    private static final int BOM_1 = 0xEF;
    private static final int BOM_2 = 0xBB;
    private static final int BOM_3 = 0xBF;

    private static Browser browser;

    @TestHTTPResource("/sse-parser.html")
    URL page;

    @BeforeEach
    void start() {
        Browser.assumeInstalled();
        if (browser == null) {
            browser = new Browser("parser", 800, 600);
        }
        if (!String.valueOf(browser.driver.getCurrentUrl()).equals(page.toString())) {
            browser.open(page.toString());
            browser.untilJs("page loaded", "return window.sse !== undefined");
        }
    }

    @AfterAll
    static void stop() {
        if (browser != null) {
            browser.close();
            browser = null;
        }
    }

    // ---- helpers ----------------------------------------------------------------------------------

    /** An event as the parser gives it; id null when the event had no id: field. */
    private static Map<String, Object> event(String type, String data, String id) {
        Map<String, Object> e = new LinkedHashMap<>();
        e.put("type", type);
        e.put("data", data);
        e.put("id", id);
        return e;
    }

    private static Map<String, Object> message(String data) {
        return event("message", data, null);
    }

    /** Bytes as the page's chunks take them: a list of byte values. */
    private static List<Integer> bytes(int... values) {
        return Arrays.stream(values).boxed().toList();
    }

    /** The stream in these chunks (strings are sent as UTF-8, lists as bytes), then its end. */
    @SuppressWarnings("unchecked")
    private static Map<String, Object> parse(Object... chunks) {
        return (Map<String, Object>) browser.js("return window.sse.parse(arguments[0])", List.of(chunks));
    }

    private static Object events(Object... chunks) {
        return parse(chunks).get("events");
    }

    // ---- tests ------------------------------------------------------------------------------------

    @Test
    void anyCutOfTheBytesGivesTheSameEventsEvenInsideACharacter() {
        // A BOM, every line end, a comment, a field without a colon, multi-line data, characters of
        // two, three and four bytes, and an unfinished event at the end: cut at every byte and at
        // every pair of bytes, the parser must always make the same of it.
        List<Object> stream = new ArrayList<>(List.of(bytes(BOM_1, BOM_2, BOM_3)));
        stream.add("retry: 1500\r\n: heartbeat\r\nid: 7\revent: chat\ndata: h\u00e9 \u20ac\r\ndata\r\n\r"
                + "\ndata: \ud83d\ude00\n\nevent: feed\rdata: last\r\rdata: never dispatched");

        Map<String, Object> whole = parse(stream.toArray());
        assertEquals(List.of(event("chat", "h\u00e9 \u20ac\n", "7"), message("\ud83d\ude00"), event("feed", "last", null)),
                whole.get("events"));
        assertEquals(1500L, whole.get("retry"));

        @SuppressWarnings("unchecked")
        Map<String, Object> cuts = (Map<String, Object>) browser.js("return window.sse.everyCut(arguments[0])", stream);
        assertEquals(List.of(), cuts.get("differing"));
        long length = 3 + stream.get(1).toString().getBytes(StandardCharsets.UTF_8).length;
        assertEquals((length + 1) * (length + 2) / 2, cuts.get("tried"), "every cut was tried");
    }

    @Test
    void crLfCrAndLfEachEndALine() {
        for (String end : List.of("\r\n", "\r", "\n")) {
            assertEquals(List.of(event("chat", "a\nb", "1")),
                    events("event: chat" + end + "id: 1" + end + "data: a" + end + "data: b" + end + end), "line end " + end.replace("\r", "CR").replace("\n", "LF"));
        }
        // CRLF is one line end, not a line end and an empty line (which would dispatch "a" alone)
        assertEquals(List.of(message("a\nb")), events("data: a\r\ndata: b\r\n\r\n"));
        // and mixed in one stream
        assertEquals(List.of(message("a\nb\nc"), message("d")), events("data: a\rdata: b\ndata: c\r\n\n\rdata: d\r\n\r"));
    }

    @Test
    void aCrEndingAChunkIsOneLineEndWhenItsLfStartsTheNextChunk() {
        assertEquals(List.of(message("a\nb")), events("data: a\r", "\ndata: b\r", "\n\r", "\n"));
        // empty chunks (a character still incomplete, say) in between change nothing
        assertEquals(List.of(message("a\nb")), events("data: a\r", "", "", "\ndata: b\r\n\r\n"));
        // a lone CR followed by anything but an LF is a line end of its own
        assertEquals(List.of(message("a\nb")), events("data: a\r", "data: b\r", "\r"));
        // a CR at the start of the next chunk is the empty line: the event goes with that chunk,
        // and a CR ending a chunk ends its line at once, without waiting to see what follows
        Map<String, Object> atOnce = parse("data: a\r", "\r", "data: b\r\r");
        assertEquals(List.of(message("a"), message("b")), atOnce.get("events"));
        assertEquals(List.of(0L, 1L, 1L, 0L), atOnce.get("given"), "events given by each chunk, then by the end");
    }

    @Test
    void commentsDispatchNothingAndDoNotSplitAnEvent() {
        assertEquals(List.of(), events(": heartbeat\n\n", ":\n\n", ":no space\r\n\r\n"));
        assertEquals(List.of(message("a\nb")), events("data: a\n: between two data lines\ndata: b\n\n"));
    }

    @Test
    void dataLinesJoinWithLineFeedsAndLoseOnlyOneSpace() {
        assertEquals(List.of(message("one\n\n  three\nfour: with a colon")),
                events("data: one\ndata:\ndata:   three\ndata:four: with a colon\n\n"));
        assertEquals(List.of(message("")), events("data:\n\n"));
    }

    @Test
    void idRetryAndEventFieldsAreReadAndOthersIgnored() {
        Map<String, Object> seen = parse(
                "event: notification\nid: 41\nfoo: bar\ndata: {\"n\":1}\n\n",
                "data: no id of its own\n\n",                      // the id is the event's own
                "id: a\u0000b\ndata: an id with NUL is ignored\n\n",
                "event:\ndata: an empty event: is a message\n\n",
                "retry: 2500\n",
                "retry: 3s\nretry: -1\nretry:\nretry: 1 0\n");     // not digits only: ignored
        assertEquals(List.of(
                event("notification", "{\"n\":1}", "41"),
                message("no id of its own"),
                message("an id with NUL is ignored"),
                message("an empty event: is a message")), seen.get("events"));
        // retry: counts as soon as its line has ended, before any event
        assertEquals(Arrays.asList(null, null, null, null, 2500L, 2500L), seen.get("retries"));
    }

    @Test
    void aLeadingBomIsDroppedEvenWhenCutButOnlyOnce() {
        assertEquals(List.of(message("a")), events(bytes(BOM_1), bytes(BOM_2), bytes(BOM_3), "data: a\n\n"));
        // a BOM after the start is part of the line: "\ufeffdata" is no field the parser knows
        assertEquals(List.of(message("a")), events("\ufeffdata: a\n\n\ufeffdata: b\n\n"));
    }

    @Test
    void aFieldWithoutAColonIsTheWholeLineWithAnEmptyValue() {
        assertEquals(List.of(message("")), events("data\n\n"));
        assertEquals(List.of(message("\nx")), events("data\ndata: x\n\n"));
        assertEquals(List.of(message("typed by nothing")), events("event: chat\nevent\ndata: typed by nothing\n\n"));
        assertEquals(List.of(event("message", "an empty id", "")), events("id\ndata: an empty id\n\n"));
    }

    @Test
    void anEventWithoutDataOrUnfinishedAtTheEndIsNotDispatched() {
        assertEquals(List.of(), events("event: chat\nid: 1\n\n"));
        Map<String, Object> unfinished = parse("data: done\n\n", "data: unfinished");
        assertEquals(List.of(message("done")), unfinished.get("events"));
        assertEquals(List.of(1L, 0L, 0L), unfinished.get("given"), "events given by each chunk, then by the end");
        assertEquals(List.of(message("done")), events("data: done\n\n", "data: no empty line after\n"));
    }
}
