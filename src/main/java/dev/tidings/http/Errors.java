package dev.tidings.http;

import com.fasterxml.jackson.core.io.JsonStringEncoder;
import dev.tidings.core.TidingsException;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.http.HttpVersion;

/** The one error shape of the HTTP API, {@code {"error":"…","message":"…"}}, and how reasons map to statuses. */
final class Errors {

    private Errors() {
    }

    static int status(TidingsException.Reason reason) {
        return switch (reason) {
            case BAD_REQUEST -> 400;
            case UNAUTHENTICATED -> 401;
            case FORBIDDEN, LISTEN_REFUSED -> 403;
            case UNKNOWN_TYPE, UNKNOWN_CLIENT -> 404;
            case TOO_LARGE -> 413;
            case LIMIT -> 429;
            case UNAVAILABLE, CAPACITY -> 503;
        };
    }

    static String code(TidingsException.Reason reason) {
        return reason.name().toLowerCase(java.util.Locale.ROOT);
    }

    static String retryAfterSeconds(java.time.Duration d) {
        return Long.toString(Math.max(1, (d.toMillis() + 999) / 1000));
    }

    static String body(String error, String message) {
        JsonStringEncoder json = JsonStringEncoder.getInstance();
        return "{\"error\":\"" + new String(json.quoteAsString(error)) + "\",\"message\":\""
                + new String(json.quoteAsString(message == null ? error : message)) + "\"}";
    }

    /** Writes an error on a response nothing has been written to yet (the SSE stream before it opens). */
    static void write(HttpServerResponse response, Throwable failure) {
        if (response.headWritten() || response.ended() || response.closed()) {
            return;
        }
        int status;
        String body;
        if (failure instanceof TidingsException e) {
            status = status(e.reason());
            body = body(code(e.reason()), e.getMessage());
            e.retryAfter().ifPresent(d -> response.putHeader("Retry-After", retryAfterSeconds(d)));
        } else {
            status = 500;
            body = body("internal", "the server failed; see its log");
        }
        response.setStatusCode(status).putHeader("Content-Type", "application/json").end(body);
    }

    /**
     * Answers a request at the edge, before a handler has read it: the JSON error, and, when the
     * request's body is still arriving, over HTTP/1.x an end to the connection once the body is in,
     * the rest of it read and dropped meanwhile. (Closing at once would reset the connection under
     * a client still sending, and it would lose the answer; a body that never ends is cut by
     * {@link SlowSenders} at tidings.http.request-timeout.) An HTTP/2 stream is only answered: flow
     * control bounds what its sender can still push, and a reset right after the answer makes
     * clients (curl, Java's HttpClient) drop the answer.
     */
    static void refuse(HttpServerRequest request, int status, String error, String message) {
        HttpServerResponse response = request.response();
        boolean close = !request.isEnded() && request.version() != HttpVersion.HTTP_2;
        if (close) {
            request.handler(dropped -> { }).endHandler(ended -> request.connection().close()).resume();
        }
        if (response.headWritten() || response.ended() || response.closed()) {
            if (close) {
                request.connection().close(); // already answered: nothing left to say
            }
            return;
        }
        response.setStatusCode(status).putHeader("Content-Type", "application/json");
        if (close) {
            response.putHeader("Connection", "close");
        }
        response.end(body(error, message));
    }

    /**
     * Answers a request whose sender is too slow and ends its connection (HTTP/1.x) as soon as the
     * answer is written, body or no body.
     */
    static void cut(HttpServerRequest request, int status, String error, String message) {
        HttpServerResponse response = request.response();
        boolean http1 = request.version() != HttpVersion.HTTP_2;
        if (response.headWritten() || response.ended() || response.closed()) {
            if (http1) {
                request.connection().close();
            }
            return;
        }
        response.setStatusCode(status).putHeader("Content-Type", "application/json");
        if (http1) {
            response.putHeader("Connection", "close");
        }
        response.end(body(error, message)).onComplete(written -> {
            if (http1) {
                request.connection().close();
            }
        });
    }
}
