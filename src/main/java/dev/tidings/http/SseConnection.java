package dev.tidings.http;

import com.fasterxml.jackson.core.io.JsonStringEncoder;
import dev.tidings.core.ClientConnection;
import dev.tidings.core.Missed;
import dev.tidings.core.TidingsException;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServerResponse;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;

/**
 * One open {@code text/event-stream} response. The notification frame is shared between every
 * client that receives it; only the short {@code event:}/{@code id:} header is written per client.
 *
 * <p>Events are gathered into one buffer until the core calls {@link #flush} at the end of a
 * drain, so several events ready at once cost one socket write; the core drains on
 * {@link #executor()}, the connection's own event loop, so the write needs no cross-thread task.
 *
 * <p>On a plain HTTP/1.1 connection (see {@code StreamRoute.rawPath}), once Vert.x has written the response head,
 * the gathered events are framed as one HTTP chunk in a pooled direct buffer and handed to the
 * socket below the HTTP encoder: no Vert.x response bookkeeping, no chunk encoder, no heap-to-direct
 * copy per write (BENCHMARKS.md run 12). Raw writes happen on the connection's event loop only, so
 * they stay in order with the Vert.x writes (head, end) that share the channel.
 */
final class SseConnection implements ClientConnection {

    private static final byte[] NOTIFICATION = "event: notification\nid: ".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] DATA = "\ndata: ".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] END = "\n\n".getBytes(StandardCharsets.US_ASCII);
    private static final Buffer HEARTBEAT = Buffer.buffer(":\n\n");
    private static final ByteBuf RAW_HEARTBEAT = Unpooled.unreleasableBuffer(
            Unpooled.directBuffer(8).writeBytes("3\r\n:\n\n\r\n".getBytes(StandardCharsets.US_ASCII)).asReadOnly());
    private static final byte[] CRLF = {'\r', '\n'};
    /** Room left in front of the gathered events for the chunk-size line: 8 hex digits and CRLF. */
    private static final int CHUNK_HEAD = 10;

    /** Gathered events past this many bytes are written before more are taken. */
    private static final int FLUSH_AT = 16 * 1024;

    private final HttpServerResponse response;
    private final long retryMillis;
    private final Executor executor;
    /**
     * Where raw chunks may go: {@code encoder}, the HTTP encoder's place in the pipeline, below
     * which they enter; {@code vertx}, Vert.x's own place, above the idle handler.
     */
    record RawPath(ChannelHandlerContext encoder, ChannelHandlerContext vertx) {}

    /** Where framed chunks enter the pipeline, below the HTTP encoder; null: every write goes through Vert.x. */
    private final ChannelHandlerContext raw;
    /** Vert.x's own place in the pipeline, above the idle handler; set with {@link #raw}. */
    private final ChannelHandlerContext vertx;
    /** How often raw writes tell the idle handler, which they bypass, that the connection is in use. */
    private final long touchNanos;
    // guarded by this: events not yet handed to the socket, after CHUNK_HEAD bytes of room
    private ByteBuf pending;
    // guarded by this: Vert.x wrote the response head, so raw chunks may follow it
    private boolean headWritten;
    // guarded by this: a flush is queued on the event loop
    private boolean flushQueued;
    // guarded by this: when something was last handed to the socket
    private long lastWrite = System.nanoTime();
    // guarded by this: when a write last went through the whole pipeline
    private long lastTouch = System.nanoTime();

    /** {@code path}: null, or not on {@code executor}'s loop, for every write through Vert.x. */
    SseConnection(HttpServerResponse response, long retryMillis, Executor executor, RawPath path, long touchNanos) {
        this.response = response;
        this.retryMillis = retryMillis;
        this.executor = executor;
        boolean usable = path != null && executor == path.encoder().executor();
        this.raw = usable ? path.encoder() : null;
        this.vertx = usable ? path.vertx() : null;
        this.touchNanos = touchNanos;
    }

    /** Raw writes are in use and this thread is not their event loop: the step must move there. */
    private boolean offLoop() {
        return raw != null && !raw.executor().inEventLoop();
    }

    @Override
    public Executor executor() {
        return executor;
    }

    @Override
    public synchronized void ready(String clientId, boolean resumed, byte[] cursor) {
        ByteBuf b = pending(96 + cursor.length);
        ascii(b, "retry: " + retryMillis + "\nevent: ready\nid: ");
        b.writeBytes(cursor);
        utf8(b, "\ndata: {\"client\":\"" + clientId + "\",\"resumed\":" + resumed + "}\n\n");
    }

    @Override
    public synchronized void notification(byte[] cursor, byte[] frame) {
        pending(frame.length + cursor.length + 32).writeBytes(NOTIFICATION).writeBytes(cursor).writeBytes(DATA)
                .writeBytes(frame).writeBytes(END);
    }

    @Override
    public synchronized void listen(String type, String key, boolean listening, byte[] cursor) {
        JsonStringEncoder json = JsonStringEncoder.getInstance();
        ByteBuf b = pending(64 + cursor.length);
        ascii(b, "event: listen\nid: ");
        b.writeBytes(cursor);
        utf8(b, "\ndata: {\"type\":\"" + new String(json.quoteAsString(type))
                + "\",\"key\":\"" + new String(json.quoteAsString(key)) + "\",\"listening\":" + listening + "}\n\n");
    }

    @Override
    public synchronized void listenRefused(String type, String key, boolean listening, TidingsException.Reason refusal,
            String message) {
        String error = Errors.code(refusal);
        JsonStringEncoder json = JsonStringEncoder.getInstance();
        utf8(pending(128), "event: listen\ndata: {\"type\":\"" + new String(json.quoteAsString(type))
                + "\",\"key\":\"" + new String(json.quoteAsString(key)) + "\",\"listening\":" + listening
                + ",\"error\":\"" + new String(json.quoteAsString(error)) + "\",\"message\":\""
                + new String(json.quoteAsString(message == null ? error : message)) + "\"}\n\n");
    }

    @Override
    public synchronized void ended(String reason) {
        utf8(pending(64), "event: closed\ndata: {\"reason\":\"" + reason + "\"}\n\n"); // close() flushes it
    }

    /**
     * This replica is shutting down: ends the stream without {@code event: closed} (which would
     * mean "do not come back"), suggesting a reconnect after {@code retryMillis}, elsewhere.
     */
    synchronized void drain(long retryMillis) {
        if (offLoop() && onLoop(() -> drain(retryMillis))) {
            return; // as one step on the loop, so that no drain there writes between these lines and the end
        }
        ascii(pending(32), "retry: " + retryMillis + "\n\n");
        close();
    }

    /** The caller's token expired: says so and ends the stream; the client process stays for its grace period. */
    synchronized void expire() {
        if (offLoop() && onLoop(this::expire)) {
            return; // as one step on the loop, so that nothing follows event: closed
        }
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
        utf8(pending(b.length() + 8), b.append("}\n\n"));
    }

    private ByteBuf pending(int room) {
        if (pending == null) {
            int capacity = CHUNK_HEAD + Math.max(256, room);
            // raw: pooled direct, what the socket writes from; else unpooled heap, which Vert.x may keep
            pending = (raw != null ? raw.alloc().directBuffer(capacity) : Unpooled.buffer(capacity))
                    .writerIndex(CHUNK_HEAD).readerIndex(CHUNK_HEAD);
        }
        return pending;
    }

    private static void ascii(ByteBuf b, String s) {
        b.writeCharSequence(s, StandardCharsets.US_ASCII);
    }

    private static void utf8(ByteBuf b, CharSequence s) {
        b.writeCharSequence(s, StandardCharsets.UTF_8);
    }

    @Override
    public synchronized void flush() {
        ByteBuf b = pending;
        if (b == null) {
            return;
        }
        if (offLoop()) {
            // raw writes stay on the event loop, in order with Vert.x's; the events wait in pending
            if (!flushQueued) {
                flushQueued = true;
                if (!onLoop(this::flushQueued)) {
                    flushQueued = false;
                    discard();
                }
            }
            return;
        }
        pending = null;
        // an empty chunk would end the response: nothing gathered, nothing written
        if (!b.isReadable() || response.closed() || response.ended()) {
            b.release();
            return;
        }
        lastWrite = System.nanoTime();
        if (raw != null && headWritten) {
            writeChunk(b);
            return;
        }
        Buffer vertx;
        if (raw != null) { // the first write carries the head, which only Vert.x writes: a heap copy, once
            vertx = Buffer.buffer(ByteBufUtil.getBytes(b));
            b.release();
        } else {
            vertx = Buffer.buffer(b); // unpooled heap: Vert.x may keep it, the collector frees it
        }
        try {
            response.write(vertx, null); // no promise, no listener: nothing waits for this write
            headWritten = true;
        } catch (IllegalStateException raced) {
            // closed between the check and the write: the close handler detaches this stream
        }
    }

    private synchronized void flushQueued() {
        flushQueued = false;
        flush();
    }

    /** The gathered events as one chunk: size line in the room left in front, CRLF after. */
    private void writeChunk(ByteBuf b) {
        int size = b.readableBytes();
        b.writeBytes(CRLF);
        int digits = Math.max(1, (Integer.SIZE - Integer.numberOfLeadingZeros(size) + 3) / 4);
        int at = CHUNK_HEAD - 2 - digits;
        for (int i = digits - 1, v = size; i >= 0; i--, v >>>= 4) {
            b.setByte(at + i, Character.forDigit(v & 0xF, 16));
        }
        b.setByte(CHUNK_HEAD - 2, '\r').setByte(CHUNK_HEAD - 1, '\n').readerIndex(at);
        if (!raw.channel().isActive()) {
            b.release();
            return;
        }
        touchIdleHandler();
        raw.write(b, raw.voidPromise());
        raw.flush();
    }

    /** An empty write from Vert.x's place in the pipeline, which its idle handler counts as activity. */
    private void touchIdleHandler() {
        long now = System.nanoTime();
        if (now - lastTouch >= touchNanos) {
            lastTouch = now;
            vertx.write(Unpooled.EMPTY_BUFFER, vertx.voidPromise());
        }
    }

    /** Runs the task on the event loop; false when the loop takes no more tasks (shutting down). */
    private boolean onLoop(Runnable task) {
        try {
            executor.execute(task);
            return true;
        } catch (RejectedExecutionException stopped) {
            return false;
        }
    }

    /** A comment line, when nothing was written for {@code idleNanos}: keeps an idle connection open. */
    synchronized void heartbeatIfIdle(long now, long idleNanos) {
        if (now - lastWrite >= idleNanos && pending == null && writable() && !response.closed() && !response.ended()) {
            lastWrite = System.nanoTime();
            if (raw != null && headWritten && !offLoop()) {
                if (raw.channel().isActive()) {
                    touchIdleHandler();
                    raw.writeAndFlush(RAW_HEARTBEAT.duplicate(), raw.voidPromise());
                }
            } else {
                try {
                    response.write(HEARTBEAT, null);
                } catch (IllegalStateException raced) {
                    // closed meanwhile
                }
            }
        }
    }

    /**
     * Also false while {@link #FLUSH_AT} bytes gathered off the event loop wait for their flush
     * there ({@link #whenWritable} then continues on the loop): a drain off the loop (a replay
     * read back on another thread) would otherwise gather everything it has into one buffer.
     */
    @Override
    public synchronized boolean writable() {
        if (pending != null && pending.readableBytes() >= FLUSH_AT) {
            flush();
            if (pending != null) {
                return false; // off the loop: the flush is queued there
            }
        }
        try {
            return !response.writeQueueFull();
        } catch (IllegalStateException closed) {
            return true; // nothing to wait for on a dead stream; writes are dropped
        }
    }

    /**
     * The task runs as a task of its own on the event loop: Netty reports writability from inside a
     * flush, which may run under this connection's lock, and the task takes the core's lock, which
     * another thread may hold while it waits for this one.
     */
    @Override
    public void whenWritable(Runnable task) {
        Executor loop = executor;
        synchronized (this) {
            if (pending != null && offLoop() && onLoop(task)) {
                return; // waiting for this connection's own flush, queued on the loop before the task
            }
        }
        response.drainHandler(v -> {
            if (loop == null || !onLoop(task)) {
                task.run();
            }
        });
    }

    @Override
    public synchronized void close() {
        if (offLoop() && onLoop(this::close)) {
            return; // after any queued flush, so the last events precede the end
        }
        flush();
        try {
            if (!response.ended()) {
                response.end();
            }
        } catch (IllegalStateException alreadyGone) {
            // the client went first
        }
    }

    /** The stream is gone: what was gathered and never sent goes back to the pool. */
    synchronized void discard() {
        if (pending != null) {
            pending.release();
            pending = null;
        }
    }
}
