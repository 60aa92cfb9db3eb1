package dev.tidings.http;

import com.fasterxml.jackson.core.io.JsonStringEncoder;
import dev.tidings.core.ClientConnection;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServerResponse;
import java.nio.charset.StandardCharsets;

/**
 * One open {@code text/event-stream} response. The notification frame is shared between every
 * client that receives it; only the short {@code event:}/{@code id:} header is written per client.
 */
final class SseConnection implements ClientConnection {

    private static final byte[] NOTIFICATION = "event: notification\nid: ".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] DATA = "\ndata: ".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] END = "\n\n".getBytes(StandardCharsets.US_ASCII);
    private static final Buffer MISSED = Buffer.buffer("event: missed\ndata: {}\n\n");
    private static final Buffer HEARTBEAT = Buffer.buffer(":\n\n");

    private final HttpServerResponse response;
    private final long retryMillis;

    SseConnection(HttpServerResponse response, long retryMillis) {
        this.response = response;
        this.retryMillis = retryMillis;
    }

    @Override
    public void ready(String clientId, boolean resumed) {
        write(Buffer.buffer("retry: " + retryMillis + "\nevent: ready\ndata: {\"client\":\"" + clientId
                + "\",\"resumed\":" + resumed + "}\n\n"));
    }

    @Override
    public void notification(long id, byte[] frame) {
        Buffer b = Buffer.buffer(frame.length + 48);
        b.appendBytes(NOTIFICATION).appendString(Long.toString(id)).appendBytes(DATA).appendBytes(frame).appendBytes(END);
        write(b);
    }

    @Override
    public void listen(String type, String key, boolean listening) {
        JsonStringEncoder json = JsonStringEncoder.getInstance();
        write(Buffer.buffer("event: listen\ndata: {\"type\":\"" + new String(json.quoteAsString(type))
                + "\",\"key\":\"" + new String(json.quoteAsString(key)) + "\",\"listening\":" + listening + "}\n\n"));
    }

    @Override
    public void listenRefused(String type, String key, boolean listening, String error, String message) {
        JsonStringEncoder json = JsonStringEncoder.getInstance();
        write(Buffer.buffer("event: listen\ndata: {\"type\":\"" + new String(json.quoteAsString(type))
                + "\",\"key\":\"" + new String(json.quoteAsString(key)) + "\",\"listening\":" + listening
                + ",\"error\":\"" + new String(json.quoteAsString(error)) + "\",\"message\":\""
                + new String(json.quoteAsString(message == null ? error : message)) + "\"}\n\n"));
    }

    @Override
    public void ended(String reason) {
        write(Buffer.buffer("event: closed\ndata: {\"reason\":\"" + reason + "\"}\n\n"));
    }

    @Override
    public void missed() {
        write(MISSED);
    }

    void heartbeat() {
        if (writable()) {
            write(HEARTBEAT);
        }
    }

    @Override
    public boolean writable() {
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
    public void close() {
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
        try {
            response.write(buffer);
        } catch (IllegalStateException raced) {
            // closed between the check and the write: the close handler detaches this stream
        }
    }
}
