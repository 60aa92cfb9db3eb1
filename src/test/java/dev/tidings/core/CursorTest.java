package dev.tidings.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** The cursor, the stream's event id: what it holds, its size bound, and what is not one. */
class CursorTest {

    private static final String CLIENT = Base64.getUrlEncoder().withoutPadding().encodeToString(
            "sixteen bytes id".getBytes(StandardCharsets.US_ASCII));

    private static LogPosition at(String log, long epoch, long offset, long advanced) {
        LogPosition p = new LogPosition(log, epoch, offset);
        p.listens = 1;
        p.advanced = advanced;
        return p;
    }

    private static String text(String client, List<LogPosition> positions) {
        return new String(Cursor.encode(Cursor.idBytes(client), positions), StandardCharsets.US_ASCII);
    }

    @Test
    void holdsTheClientAndEachLogsEpochAndOffset() {
        String text = text(CLIENT, List.of(at("chat", -7L, 0, 1), at("feed", Long.MAX_VALUE, 1L << 40, 2),
                at("tidings.chat/2", 42, -1, 3)));
        assertTrue(text.matches("[A-Za-z0-9_-]+"), "URL-safe base64 without padding: " + text);
        Cursor c = Cursor.parse(text);
        assertEquals(CLIENT, c.clientId());
        assertEquals(new Cursor.Entry(-7L, 0), c.entry("chat"));
        assertEquals(new Cursor.Entry(Long.MAX_VALUE, 1L << 40), c.entry("feed"));
        assertEquals(new Cursor.Entry(42, -1), c.entry("tidings.chat/2"));
        assertNull(c.entry("other"));
        assertEquals(3, c.size());
    }

    @Test
    void aLogWithoutListensIsLeftOut() {
        LogPosition idle = at("idle", 1, 5, 1);
        idle.listens = 0;
        Cursor c = Cursor.parse(text(CLIENT, List.of(idle, at("chat", 1, 9, 2))));
        assertNull(c.entry("idle"));
        assertEquals(new Cursor.Entry(1, 9), c.entry("chat"));
    }

    @Test
    void neverLongerThan512AndKeepsTheLogsThatAdvancedLast() {
        Random random = new Random(7);
        List<LogPosition> many = new ArrayList<>();
        for (int i = 0; i < 100; i++) {
            many.add(at("tidings.t" + i + "/" + i, random.nextLong(), Long.MAX_VALUE - 1 - i, i));
        }
        String text = text(CLIENT, many);
        assertTrue(text.length() <= 512, text.length() + " characters");
        Cursor c = Cursor.parse(text);
        int kept = c.size();
        assertTrue(kept >= 10, "room for " + kept + " logs at the largest offsets");
        for (int i = 0; i < 100; i++) {
            boolean newest = i >= 100 - kept;
            assertEquals(newest, c.entry("tidings.t" + i + "/" + i) != null, "log " + i + " kept: " + newest);
        }
    }

    @Test
    void anythingElseIsABadRequest() {
        String good = text(CLIENT, List.of(at("chat", 1, 2, 1)));
        byte[] raw = Base64.getUrlDecoder().decode(good);
        raw[0] = 2;
        String otherVersion = Base64.getUrlEncoder().withoutPadding().encodeToString(raw);
        String truncated = good.substring(0, good.length() - 4);
        String padded = Base64.getUrlEncoder().encodeToString(Base64.getUrlDecoder().decode(good)) + "==";
        for (String bad : List.of("", " ", "1", "42", "abc", "0x10", "1e3", "99999999999999999999", "-", "%2B%2B",
                "++//", "AQ", otherVersion, truncated, padded, good + "A", good.replace('A', '.'), "é", "A".repeat(513))) {
            TidingsException e = assertThrows(TidingsException.class, () -> Cursor.parse(bad), bad);
            assertEquals(TidingsException.Reason.BAD_REQUEST, e.reason(), bad);
        }
    }

    @Test
    void theWriterEncodesItsPrefixOnceAndWritesWhatAFullEncodingWould() {
        Cursor.Writer writer = new Cursor.Writer(Cursor.idBytes(CLIENT));
        List<LogPosition> positions = List.of(at("chat", 3, 0, 1), at("feed", -9, 127, 2));
        for (long offset : new long[] {1, 128, 1L << 35, Long.MAX_VALUE - 1}) {
            positions.get(0).offset = offset;
            assertEquals(text(CLIENT, positions), new String(writer.write(positions), StandardCharsets.US_ASCII));
            assertEquals(new Cursor.Entry(3, offset), Cursor.parse(text(CLIENT, positions)).entry("chat"));
        }
        positions.get(1).epoch = 10; // an epoch changes: the owner invalidates
        writer.invalidate();
        assertEquals(new Cursor.Entry(10, 127), Cursor.parse(new String(writer.write(positions), StandardCharsets.US_ASCII))
                .entry("feed"));
    }

    @Test
    void aCursorWithNoLogsIsOne() {
        Cursor c = Cursor.parse(text(CLIENT, List.of()));
        assertEquals(CLIENT, c.clientId());
        assertEquals(0, c.size());
    }

    @Test
    void theHashIsTheSameEverywhere() {
        // FNV-1a, 32 bits, of the log id's UTF-8: part of the format, so fixed here.
        assertEquals(0x811c9dc5, Cursor.hash(""));
        assertEquals(0xe40c292c, Cursor.hash("a"));
    }
}
