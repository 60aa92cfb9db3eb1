package dev.tidings.http;

import com.fasterxml.jackson.core.io.JsonStringEncoder;
import dev.tidings.core.ClientConnection;
import dev.tidings.core.Missed;
import dev.tidings.core.TidingsException;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServerResponse;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.Executor;

/**
 * One open {@code text/event-stream} response. The notification frame is shared between every
 * client that receives it; only the short {@code event:}/{@code id:} header is written per client.
 *
 * <p>Events are gathered into one buffer until the core calls {@link #flush} at the end of a
 * drain, so several events ready at once cost one socket write; the core drains on
 * {@link #executor()}, the connection's own event loop, so the write needs no cross-thread task.
 */
final class SseConnection implements ClientConnection {

    private static final byte[] NOTIFICATION = "event: notification\nid: ".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] DATA = "\ndata: ".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] END = "\n\n".getBytes(StandardCharsets.US_ASCII);
    private static final Buffer HEARTBEAT = Buffer.buffer(":\n\n");

    /** Gathered events past this many bytes are written before more are taken. */
    private static final int FLUSH_AT = 16 * 1024;

    private final HttpServerResponse response;
    private final long retryMillis;
    private final Executor executor;
    // guarded by this: events not yet handed to the socket
    private Buffer pending;
    // guarded by this: when something was last handed to the socket
    private long lastWrite = System.nanoTime();

    SseConnection(HttpServerResponse response, long retryMillis, Executor executor) {
        this.response = response;
        this.retryMillis = retryMillis;
        this.executor = executor;
    }

    @Override
    public Executor executor() {
        return executor;
    }

    @Override
    public synchronized void ready(String clientId, boolean resumed, byte[] cursor) {
        pending(96 + cursor.length).appendString("retry: " + retryMillis + "\nevent: ready\nid: ")
                .appendBytes(cursor).appendString("\ndata: {\"client\":\"" + clientId
                + "\",\"resumed\":" + resumed + "}\n\n");
    }

    @Override
    public synchronized void notification(byte[] cursor, byte[] frame) {
        Buffer b = pending(frame.length + cursor.length + 32);
        b.appendBytes(NOTIFICATION).appendBytes(cursor).appendBytes(DATA).appendBytes(frame).appendBytes(END);
    }

    @Override
    public synchronized void listen(String type, String key, boolean listening, byte[] cursor) {
        JsonStringEncoder json = JsonStringEncoder.getInstance();
        pending(64 + cursor.length).appendString("event: listen\nid: ").appendBytes(cursor)
                .appendString("\ndata: {\"type\":\"" + new String(json.quoteAsString(type))
                + "\",\"key\":\"" + new String(json.quoteAsString(key)) + "\",\"listening\":" + listening + "}\n\n");
    }

    @Override
    public synchronized void listenRefused(String type, String key, boolean listening, TidingsException.Reason refusal,
            String message) {
        String error = Errors.code(refusal);
        JsonStringEncoder json = JsonStringEncoder.getInstance();
        pending(128).appendString("event: listen\ndata: {\"type\":\"" + new String(json.quoteAsString(type))
                + "\",\"key\":\"" + new String(json.quoteAsString(key)) + "\",\"listening\":" + listening
                + ",\"error\":\"" + new String(json.quoteAsString(error)) + "\",\"message\":\""
                + new String(json.quoteAsString(message == null ? error : message)) + "\"}\n\n");
    }

    @Override
    public synchronized void ended(String reason) {
        pending(64).appendString("event: closed\ndata: {\"reason\":\"" + reason + "\"}\n\n"); // close() flushes it
    }

    /**
     * This replica is shutting down: ends the stream without {@code event: closed} (which would
     * mean "do not come back"), suggesting a reconnect after {@code retryMillis}, elsewhere.
     */
    synchronized void drain(long retryMillis) {
        pending(32).appendString("retry: " + retryMillis + "\n\n");
        close();
    }

    /** The caller's token expired: says so and ends the stream; the client process stays for its grace period. */
    synchronized void expire() {
        ended("expired");
        close();
    }

    /**
     * {@code {"reason":"overflow"}} when the queue overflowed (every key), else
     * {@code {"reason":…,"keys":[{"type":…,"key":…},…]}}.
     */
    @Override
    public synchronized void missed(Missed missed) {
        JsonStringEncoder json = JsonStringEncoder.getInstance();
        StringBuilder b = new StringBuilder("event: missed\ndata: {\"reason\":\"").append(json.quoteAsString(missed.reason()))
                .append('"');
        if (!missed.keys().isEmpty()) {
            b.append(",\"keys\":[");
            String sep = "";
            for (Missed.Key k : missed.keys()) {
                b.append(sep).append("{\"type\":\"").append(json.quoteAsString(k.type())).append("\",\"key\":\"")
                        .append(json.quoteAsString(k.key())).append("\"}");
                sep = ",";
            }
            b.append(']');
        }
        pending(b.length() + 8).appendString(b.append("}\n\n").toString());
    }

    private Buffer pending(int room) {
        if (pending == null) {
            pending = Buffer.buffer(Math.max(256, room));
        }
        return pending;
    }

    @Override
    public synchronized void flush() {
        Buffer b = pending;
        if (b != null) {
            pending = null;
            write(b);
        }
    }

    /** A comment line, when nothing was written for {@code idleNanos}: keeps an idle connection open. */
    synchronized void heartbeatIfIdle(long now, long idleNanos) {
        if (now - lastWrite >= idleNanos && pending == null && writable()) {
            write(HEARTBEAT);
        }
    }

    @Override
    public synchronized boolean writable() {
        if (pending != null && pending.length() >= FLUSH_AT) {
            flush();
        }
        try {
            return !response.writeQueueFull();
        } catch (IllegalStateException closed) {
            return true; // nothing to wait for on a dead stream; writes are dropped
        }
    }

    @Override
    public void whenWritable(Runnable task) {
        response.drainHandler(v -> task.run());
    }

    @Override
    public synchronized void close() {
        flush();
        try {
            if (!response.ended()) {
                response.end();
            }
        } catch (IllegalStateException alreadyGone) {
            // the client went first
        }
    }

    private void write(Buffer buffer) {
        if (response.closed() || response.ended()) {
            return;
        }
        lastWrite = System.nanoTime();
        try {
            response.write(buffer, null); // no promise, no listener: nothing waits for this write
        } catch (IllegalStateException raced) {
            // closed between the check and the write: the close handler detaches this stream
        }
    }
}
