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
 * version (1 byte, {@value #VERSION})
 * length of the client id (1 byte), then the client process id that wrote it, as bytes
 * per log: 32-bit hash of the log's id (big-endian), the log's epoch (8 bytes, big-endian),
 *          offset + 1 (unsigned LEB128 varint)
 * </pre>
 *
 * A log's entry says that the client has received every publication on its keys in that log up to
 * the offset. When a client's entries do not fit, those whose offset moved least recently are left
 * out: a recovery reports the keys of their logs missed ({@link Missed#CURSOR}). Two logs of one
 * cursor with the same hash are both treated as absent.
 */
public final class Cursor {

    static final int VERSION = 1;
    static final int MAX_TEXT = 512;
    static final int MAX_BYTES = MAX_TEXT / 4 * 3;
    /** The most an entry takes: hash, epoch and a 10-byte varint. */
    private static final int MAX_ENTRY = 4 + 8 + 10;
    private static final int MAX_ID = 64;

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
        if (b == null || b.length < 2 || b[0] != VERSION) {
            throw bad("Last-Event-ID is not a cursor of this server (an event id it sent)");
        }
        int idLength = b[1] & 0xff;
        int at = 2 + idLength;
        if (idLength > MAX_ID || at > b.length) {
            throw bad("Last-Event-ID is not a cursor of this server (bad client id)");
        }
        String clientId = idLength == 0 ? null : encodeText(b, 2, idLength);
        Map<Integer, Entry> entries = new HashMap<>();
        Set<Integer> twice = new HashSet<>();
        while (at < b.length) {
            if (b.length - at < 13) {
                throw bad("Last-Event-ID is not a cursor of this server (truncated)");
            }
            int hash = (int) readBig(b, at, 4);
            long epoch = readBig(b, at + 4, 8);
            at += 12;
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
        twice.forEach(entries::remove);
        return new Cursor(clientId, entries);
    }

    /** The cursor text of a client process at these positions (those with listens only), as ASCII. */
    static byte[] encode(byte[] clientId, Collection<LogPosition> positions) {
        byte[] buf = SCRATCH.get();
        int n = 0;
        buf[n++] = VERSION;
        buf[n++] = (byte) clientId.length;
        System.arraycopy(clientId, 0, buf, n, clientId.length);
        n += clientId.length;
        int count = 0;
        for (LogPosition p : positions) {
            if (p.listens > 0) {
                count++;
            }
        }
        if (n + count * MAX_ENTRY <= MAX_BYTES) {
            for (LogPosition p : positions) {
                if (p.listens > 0) {
                    n = write(buf, n, p);
                }
            }
        } else {
            List<LogPosition> newestFirst = new ArrayList<>(count);
            for (LogPosition p : positions) {
                if (p.listens > 0) {
                    newestFirst.add(p);
                }
            }
            newestFirst.sort((a, b) -> Long.compare(b.advanced, a.advanced));
            for (LogPosition p : newestFirst) {
                if (n + entrySize(p) > MAX_BYTES) {
                    break;
                }
                n = write(buf, n, p);
            }
        }
        return encode(buf, 0, n, new byte[base64Length(n)]);
    }

    /** The bytes of a client id (URL-safe base64, as {@link ClientTable} makes them); empty when it is not. */
    static byte[] idBytes(String clientId) {
        if (clientId.length() > MAX_ID || clientId.length() % 4 == 1) {
            return new byte[0];
        }
        byte[] b = decode(clientId);
        return b == null || b.length > MAX_ID ? new byte[0] : b;
    }

    private static int entrySize(LogPosition p) {
        return 12 + varintSize(p.offset + 1);
    }

    private static int varintSize(long v) {
        int size = 1;
        while ((v & ~0x7fL) != 0) {
            v >>>= 7;
            size++;
        }
        return size;
    }

    private static int write(byte[] buf, int n, LogPosition p) {
        n = writeBig(buf, n, p.hash, 4);
        n = writeBig(buf, n, p.epoch, 8);
        long v = p.offset + 1;
        while ((v & ~0x7fL) != 0) {
            buf[n++] = (byte) ((v & 0x7f) | 0x80);
            v >>>= 7;
        }
        buf[n++] = (byte) v;
        return n;
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
        int o = 0;
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
            out[o++] = ALPHABET[(v >>> 12) & 63];
        } else if (end - i == 2) {
            int v = (in[i] & 0xff) << 16 | (in[i + 1] & 0xff) << 8;
            out[o++] = ALPHABET[v >>> 18];
            out[o++] = ALPHABET[(v >>> 12) & 63];
            out[o++] = ALPHABET[(v >>> 6) & 63];
        }
        return out;
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
