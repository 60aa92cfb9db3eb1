package dev.tidings.core;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The {@code id:} of a stream's events: from which any replica can tell what the client has
 * received. Opaque to clients. URL-safe base64 without padding (at most {@value #MAX_TEXT}
 * characters) of:
 *
 * <pre>
 * version (1 byte, {@value #VERSION}), then n, the number of logs (1 byte)
 * the client process id that wrote it (16 bytes; all zero: none)
 * n × (32-bit hash of the log's id, the log's epoch: 4 + 8 bytes, big-endian)
 * n × (offset + 1, unsigned LEB128 varint), in the same order
 * </pre>
 *
 * A log's entry says that the client has received every publication on its keys in that log up to
 * the offset. When a client's entries do not fit, those whose offset moved least recently are left
 * out: a recovery reports the keys of their logs missed ({@link Missed#CURSOR}). Two logs of one
 * cursor with the same hash are both treated as absent.
 *
 * <p>Everything before the offsets is a multiple of 3 bytes, so its base64 is made once per set
 * of logs ({@link Writer}) and only the offsets are encoded per event.
 */
public final class Cursor {

    static final int VERSION = 1;
    static final int MAX_TEXT = 512;
    static final int MAX_BYTES = MAX_TEXT / 4 * 3;
    static final int ID_BYTES = 16;
    /** Version, count and client id. */
    private static final int HEADER = 2 + ID_BYTES;
    /** Hash and epoch of one log. */
    private static final int PAIR = 12;
    /** The most a log takes: its pair and a 10-byte varint. */
    private static final int MAX_ENTRY = PAIR + 10;

    private static final byte[] ALPHABET =
            "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_".getBytes(StandardCharsets.US_ASCII);
    private static final int[] VALUES = new int[128];

    static {
        java.util.Arrays.fill(VALUES, -1);
        for (int i = 0; i < ALPHABET.length; i++) {
            VALUES[ALPHABET[i]] = i;
        }
    }

    private static final ThreadLocal<byte[]> SCRATCH = ThreadLocal.withInitial(() -> new byte[MAX_BYTES]);
    private static final LogPosition[] NONE = new LogPosition[0];

    /** A log's position as a cursor holds it. */
    record Entry(long epoch, long offset) {}

    private final String clientId;
    private final Map<Integer, Entry> entries;

    private Cursor(String clientId, Map<Integer, Entry> entries) {
        this.clientId = clientId;
        this.entries = entries;
    }

    /** The client process that wrote it; null when it named none. */
    String clientId() {
        return clientId;
    }

    /** The position it holds for a log, or null. */
    Entry entry(String log) {
        return entries.get(hash(log));
    }

    int size() {
        return entries.size();
    }

    /** FNV-1a over the UTF-8 bytes: the same on every replica and JVM. */
    static int hash(String log) {
        int h = 0x811c9dc5;
        for (byte b : log.getBytes(StandardCharsets.UTF_8)) {
            h ^= b & 0xff;
            h *= 0x01000193;
        }
        return h;
    }

    /**
     * Reads a {@code Last-Event-ID}. Anything that is not a cursor of this version is a
     * {@link TidingsException.Reason#BAD_REQUEST}.
     */
    public static Cursor parse(String text) {
        if (text == null) {
            throw bad("Last-Event-ID is missing");
        }
        String t = text.trim();
        if (t.isEmpty() || t.length() > MAX_TEXT || t.length() % 4 == 1) {
            throw bad("Last-Event-ID is not a cursor of this server (an event id it sent)");
        }
        byte[] b = decode(t);
        if (b == null || b.length < HEADER || b[0] != VERSION) {
            throw bad("Last-Event-ID is not a cursor of this server (an event id it sent)");
        }
        int n = b[1] & 0xff;
        if (HEADER + n * PAIR + n > b.length) {
            throw bad("Last-Event-ID is not a cursor of this server (truncated)");
        }
        boolean noId = true;
        for (int i = 2; i < HEADER; i++) {
            noId &= b[i] == 0;
        }
        String clientId = noId ? null : encodeText(b, 2, ID_BYTES);
        Map<Integer, Entry> entries = new HashMap<>();
        Set<Integer> twice = new HashSet<>();
        int at = HEADER + n * PAIR;
        for (int i = 0; i < n; i++) {
            int pair = HEADER + i * PAIR;
            int hash = (int) readBig(b, pair, 4);
            long epoch = readBig(b, pair + 4, 8);
            long value = 0;
            int shift = 0;
            while (true) {
                if (at >= b.length || shift > 63) {
                    throw bad("Last-Event-ID is not a cursor of this server (bad offset)");
                }
                int v = b[at++] & 0xff;
                if (shift == 63 && (v & 0x7e) != 0) {
                    throw bad("Last-Event-ID is not a cursor of this server (bad offset)");
                }
                value |= (long) (v & 0x7f) << shift;
                shift += 7;
                if ((v & 0x80) == 0) {
                    break;
                }
            }
            if (value < 0) {
                throw bad("Last-Event-ID is not a cursor of this server (bad offset)");
            }
            if (entries.put(hash, new Entry(epoch, value - 1)) != null) {
                twice.add(hash);
            }
        }
        if (at != b.length) {
            throw bad("Last-Event-ID is not a cursor of this server (trailing bytes)");
        }
        twice.forEach(entries::remove);
        return new Cursor(clientId, entries);
    }

    /**
     * Writes one client process's cursors. The part that only changes with the set of logs (and
     * their epochs) is encoded once, until {@link #invalidate}; each cursor then costs the base64 of
     * its offsets and one copy. Guarded by the client process's outgoing lock.
     */
    static final class Writer {
        private final byte[] id;
        /** The logs the prefix holds, in its order; null with the prefix. */
        private LogPosition[] logs;
        private byte[] prefix;

        /** @param id the client id's bytes ({@link #idBytes}) */
        Writer(byte[] id) {
            this.id = id;
        }

        /** The logs, their listens or an epoch changed: the next cursor encodes its prefix again. */
        void invalidate() {
            prefix = null;
            logs = null;
        }

        /** The cursor of these positions (those with listens), as ASCII. */
        byte[] write(Collection<LogPosition> positions) {
            if (prefix == null) {
                int count = 0;
                for (LogPosition p : positions) {
                    if (p.listens > 0) {
                        count++;
                    }
                }
                if (HEADER + count * MAX_ENTRY > MAX_BYTES) {
                    return encode(id, newestThatFit(positions, count));
                }
                LogPosition[] chosen = count == 0 ? NONE : new LogPosition[count];
                int i = 0;
                for (LogPosition p : positions) {
                    if (p.listens > 0) {
                        chosen[i++] = p;
                    }
                }
                byte[] buf = SCRATCH.get();
                int n = writePairs(buf, id, chosen);
                prefix = encode(buf, 0, n, new byte[base64Length(n)]);
                logs = chosen;
            }
            byte[] buf = SCRATCH.get();
            int n = writeOffsets(buf, 0, logs);
            byte[] out = java.util.Arrays.copyOf(prefix, prefix.length + base64Length(n));
            encodeInto(buf, 0, n, out, prefix.length);
            return out;
        }
    }

    /** The cursor text of a client at these positions (those with listens), encoded in full, as ASCII. */
    static byte[] encode(byte[] clientId, Collection<LogPosition> positions) {
        int count = 0;
        for (LogPosition p : positions) {
            if (p.listens > 0) {
                count++;
            }
        }
        return encode(clientId, newestThatFit(positions, count));
    }

    private static byte[] encode(byte[] clientId, LogPosition[] chosen) {
        byte[] buf = SCRATCH.get();
        int n = writePairs(buf, clientId, chosen);
        n = writeOffsets(buf, n, chosen);
        return encode(buf, 0, n, new byte[base64Length(n)]);
    }

    /** Those with listens, the most recently advanced first, as many as fit. */
    private static LogPosition[] newestThatFit(Collection<LogPosition> positions, int count) {
        List<LogPosition> listened = new ArrayList<>(count);
        for (LogPosition p : positions) {
            if (p.listens > 0) {
                listened.add(p);
            }
        }
        if (HEADER + count * MAX_ENTRY <= MAX_BYTES) {
            return listened.toArray(NONE);
        }
        listened.sort((a, b) -> Long.compare(b.advanced, a.advanced));
        int size = HEADER;
        int kept = 0;
        for (LogPosition p : listened) {
            int entry = PAIR + varintSize(p.offset + 1);
            if (size + entry > MAX_BYTES || kept == 255) {
                break;
            }
            size += entry;
            kept++;
        }
        return listened.subList(0, kept).toArray(NONE);
    }

    private static int writePairs(byte[] buf, byte[] clientId, LogPosition[] chosen) {
        buf[0] = VERSION;
        buf[1] = (byte) chosen.length;
        java.util.Arrays.fill(buf, 2, HEADER, (byte) 0);
        System.arraycopy(clientId, 0, buf, 2, Math.min(ID_BYTES, clientId.length));
        int n = HEADER;
        for (LogPosition p : chosen) {
            n = writeBig(buf, n, p.hash, 4);
            n = writeBig(buf, n, p.epoch, 8);
        }
        return n;
    }

    private static int writeOffsets(byte[] buf, int n, LogPosition[] chosen) {
        for (LogPosition p : chosen) {
            long v = p.offset + 1;
            while ((v & ~0x7fL) != 0) {
                buf[n++] = (byte) ((v & 0x7f) | 0x80);
                v >>>= 7;
            }
            buf[n++] = (byte) v;
        }
        return n;
    }

    /** The bytes of a client id (URL-safe base64 of 16 bytes, as {@link ClientTable} makes them); zeros when it is not one. */
    static byte[] idBytes(String clientId) {
        byte[] b = clientId.length() % 4 == 1 || clientId.length() > 64 ? null : decode(clientId);
        return b != null && b.length == ID_BYTES ? b : new byte[ID_BYTES];
    }

    private static int varintSize(long v) {
        int size = 1;
        while ((v & ~0x7fL) != 0) {
            v >>>= 7;
            size++;
        }
        return size;
    }

    private static int writeBig(byte[] buf, int n, long v, int bytes) {
        for (int i = bytes - 1; i >= 0; i--) {
            buf[n++] = (byte) (v >>> (8 * i));
        }
        return n;
    }

    private static long readBig(byte[] b, int at, int bytes) {
        long v = 0;
        for (int i = 0; i < bytes; i++) {
            v = (v << 8) | (b[at + i] & 0xff);
        }
        return v;
    }

    private static int base64Length(int bytes) {
        return (bytes * 4 + 2) / 3;
    }

    private static byte[] encode(byte[] in, int from, int length, byte[] out) {
        encodeInto(in, from, length, out, 0);
        return out;
    }

    private static void encodeInto(byte[] in, int from, int length, byte[] out, int at) {
        int o = at;
        int i = from;
        int end = from + length;
        while (end - i >= 3) {
            int v = (in[i] & 0xff) << 16 | (in[i + 1] & 0xff) << 8 | (in[i + 2] & 0xff);
            out[o++] = ALPHABET[v >>> 18];
            out[o++] = ALPHABET[(v >>> 12) & 63];
            out[o++] = ALPHABET[(v >>> 6) & 63];
            out[o++] = ALPHABET[v & 63];
            i += 3;
        }
        if (end - i == 1) {
            int v = (in[i] & 0xff) << 16;
            out[o++] = ALPHABET[v >>> 18];
            out[o] = ALPHABET[(v >>> 12) & 63];
        } else if (end - i == 2) {
            int v = (in[i] & 0xff) << 16 | (in[i + 1] & 0xff) << 8;
            out[o++] = ALPHABET[v >>> 18];
            out[o++] = ALPHABET[(v >>> 12) & 63];
            out[o] = ALPHABET[(v >>> 6) & 63];
        }
    }

    private static String encodeText(byte[] in, int from, int length) {
        return new String(encode(in, from, length, new byte[base64Length(length)]), StandardCharsets.US_ASCII);
    }

    /** Strict URL-safe base64 without padding; null when the text is not that. */
    private static byte[] decode(String text) {
        int length = text.length();
        if (length % 4 == 1) {
            return null;
        }
        byte[] out = new byte[length / 4 * 3 + (length % 4 == 0 ? 0 : length % 4 - 1)];
        int o = 0;
        int bits = 0;
        int buffer = 0;
        for (int i = 0; i < length; i++) {
            char ch = text.charAt(i);
            int v = ch < 128 ? VALUES[ch] : -1;
            if (v < 0) {
                return null;
            }
            buffer = (buffer << 6) | v;
            bits += 6;
            if (bits >= 8) {
                bits -= 8;
                out[o++] = (byte) (buffer >>> bits);
                buffer &= (1 << bits) - 1;
            }
        }
        return buffer == 0 ? out : null; // leftover bits must be zero: one text per cursor
    }

    private static TidingsException bad(String message) {
        return new TidingsException(TidingsException.Reason.BAD_REQUEST, message);
    }

    @Override
    public String toString() {
        return "cursor of " + clientId + " with " + entries.size() + " logs";
    }
}
