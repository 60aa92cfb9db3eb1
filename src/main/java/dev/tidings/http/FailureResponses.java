package dev.tidings.http;

import io.vertx.core.Handler;
import io.vertx.core.http.HttpClosedException;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.HttpException;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import org.jboss.logging.Logger;

/**
 * Failures that no resource mapped, answered in the API's JSON shape instead of Quarkus's error
 * page or Vert.x's empty body: the request router's own 400s (a query string that does not decode,
 * a missing Host), a body handler's 413, and anything a route failed with.
 *
 * <p>Only a 5xx is logged, by its path alone: a URL's query may carry an {@code access_token}.
 * Quarkus's error handler, which logs the whole URL with a stack trace, is never reached.
 */
@ApplicationScoped
class FailureResponses {

    private static final Logger LOG = Logger.getLogger(FailureResponses.class);

    /** Before Quarkus's error handler, which is the last route. */
    static final int ORDER = 20_000;

    void install(@Observes Router router) {
        Handler<RoutingContext> json = FailureResponses::answer;
        router.route().order(ORDER).failureHandler(json);
        // Vert.x Web answers these itself, with an empty body, when routing cannot even start.
        for (int status : new int[] {400, 404, 405, 413, 500}) {
            router.errorHandler(status, json);
        }
    }

    static void answer(RoutingContext rc) {
        if (rc.response().ended() || rc.response().closed() || rc.failure() instanceof HttpClosedException) {
            return; // answered already (and the connection cut, if need be), or nobody left to answer
        }
        int status = status(rc);
        if (status >= 500) {
            Throwable failure = rc.failure();
            LOG.errorf(failure, "%s %s failed", rc.request().method(), rc.request().path());
        }
        Errors.refuse(rc.request(), status, code(status), message(status));
    }

    private static int status(RoutingContext rc) {
        if (rc.failure() instanceof HttpException e) {
            return e.getStatusCode();
        }
        return rc.statusCode() >= 400 ? rc.statusCode() : 500;
    }

    private static String code(int status) {
        return switch (status) {
            case 400 -> "bad_request";
            case 404 -> "not_found";
            case 405 -> "method_not_allowed";
            case 408 -> "request_timeout";
            case 413 -> "too_large";
            case 415 -> "unsupported_media_type";
            default -> status >= 500 ? "internal" : "http_" + status;
        };
    }

    private static String message(int status) {
        return switch (status) {
            case 400 -> "the request does not parse (its query string, path or Host header)";
            case 404 -> "no such resource";
            case 405 -> "method not allowed here";
            case 413 -> "the body is too large";
            default -> status >= 500 ? "the server failed; see its log" : "the request was refused";
        };
    }
}
