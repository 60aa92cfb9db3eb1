package dev.tidings.http;

import io.vertx.core.Vertx;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpVersion;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;

/**
 * A request whose body has not arrived within {@code tidings.http.request-timeout} of its headers
 * gets a 408 and loses its connection, so that a sender trickling a body (one byte a second, say)
 * cannot hold a connection and a body buffer for as long as it likes.
 *
 * <p>Vert.x has no such setting: its idle timeouts reset with every byte, and Quarkus's
 * {@code quarkus.http.read-timeout} applies to blocking reads only. The clock starts when the
 * headers are complete, so it does not cover headers trickled in byte by byte (Vert.x parses them
 * before any route runs); {@code quarkus.http.limits.max-header-size} and
 * {@code quarkus.http.idle-timeout} bound those, and a proxy in front should time them.
 */
@ApplicationScoped
class SlowSenders {

    /** Before everything else that may look at the request, CORS included. */
    static final int ORDER = -1000;

    void install(@Observes Router router, Vertx vertx, HttpConfig config) {
        long timeout = config.requestTimeout().toMillis();
        String message = "the request body did not arrive within " + config.requestTimeout().toSeconds()
                + " s of its headers (tidings.http.request-timeout)";
        router.route().order(ORDER).handler(rc -> {
            HttpServerRequest request = rc.request();
            boolean http2 = request.version() == HttpVersion.HTTP_2;
            if (http2 ? !request.isEnded() : announcesBody(request)) {
                long timer = vertx.setTimer(timeout, id -> {
                    // HTTP/2: a stream whose answer is under way (the event stream) is left alone, as a
                    // paused request may never look ended; flow control bounds what it can send.
                    if (!request.isEnded() && !(http2 && request.response().headWritten())) {
                        Errors.cut(request, 408, "request_timeout", message);
                    }
                });
                // Answered with the body read: no deadline left. HTTP/1.x answered before its body was
                // read (a 413, a 415, a CORS refusal): the deadline still ends a connection whose body
                // keeps coming.
                rc.addEndHandler(done -> {
                    if (http2 || request.isEnded()) {
                        vertx.cancelTimer(timer);
                    }
                });
            }
            rc.next();
        });
    }

    /** Only HTTP/1.x requests that announce a body get a timer: a stream's GET never has one. */
    private static boolean announcesBody(HttpServerRequest request) {
        if (request.isEnded()) {
            return false;
        }
        String length = request.getHeader(HttpHeaders.CONTENT_LENGTH);
        return request.headers().contains(HttpHeaders.TRANSFER_ENCODING)
                || length != null && !length.trim().equals("0");
    }
}
