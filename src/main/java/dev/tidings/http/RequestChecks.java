package dev.tidings.http;

import dev.tidings.core.TidingsConfig;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpVersion;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.BodyHandler;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.util.Locale;

/**
 * What every state-changing request under {@code /notif} must be before a resource sees it, each
 * refusal the JSON error of the API:
 *
 * <ul>
 * <li>{@code application/json} (415 otherwise). A POST without a Content-Type, or with
 * {@code text/plain} or a form type, is what a page on another site can send without a CORS
 * preflight; none of them is JSON, so none of them reaches a resource. A DELETE carries no body:
 * it may come without a Content-Type, but not with another one.</li>
 * <li>no larger than {@code tidings.limits.max-payload} (413): refused before it is read when its
 * Content-Length says so, and, for a chunked body, as soon as it has grown past the limit; the
 * body is read here (the resources get it whole) and never held beyond the limit.</li>
 * </ul>
 *
 * <p>These routes run after Quarkus's CORS filter (order -300), so a request from a refused
 * origin is refused there first.
 */
@ApplicationScoped
class RequestChecks {

    static final int ORDER_CONTENT_TYPE = -200;
    static final int ORDER_BODY = -100;

    void install(@Observes Router router, TidingsConfig config) {
        long max = config.limits().maxPayload();
        router.route("/notif/*").order(ORDER_CONTENT_TYPE).handler(RequestChecks::jsonOnly);
        router.post("/notif/*").order(ORDER_BODY).handler(rc -> declaredLength(rc, max));
        BodyHandler body = BodyHandler.create(false).setBodyLimit(max).setHandleFileUploads(false)
                .setMergeFormAttributes(false);
        // Vert.x's BodyHandler waits forever for a request that has already ended (an empty body),
        // and leaves no body at all when none came: the resource would then wait to read it itself.
        // Over HTTP/2 the resource reads the body itself: RESTEasy pauses the request it is given,
        // which Vert.x refuses for an HTTP/2 request already read. There, a body without a declared
        // length gets Quarkus's 413 (no body) past quarkus.http.limits.max-body-size.
        router.post("/notif/*").order(ORDER_BODY).handler(rc -> {
            if (rc.request().isEnded() || rc.request().version() == HttpVersion.HTTP_2) {
                rc.next();
            } else {
                body.handle(rc);
            }
        }).failureHandler(rc -> {
            if (rc.statusCode() == 413) {
                Errors.refuse(rc.request(), 413, "too_large", "body is over the limit of " + max
                        + " bytes (tidings.limits.max-payload)");
            } else {
                rc.next();
            }
        });
        router.post("/notif/*").order(ORDER_BODY).handler(rc -> {
            if (rc.body().buffer() == null && rc.request().version() != HttpVersion.HTTP_2) {
                rc.setBody(Buffer.buffer());
            }
            rc.next();
        });
    }

    private static void jsonOnly(RoutingContext rc) {
        HttpServerRequest request = rc.request();
        HttpMethod method = request.method();
        if (method != HttpMethod.POST && method != HttpMethod.DELETE) {
            rc.next();
            return;
        }
        String type = request.getHeader("Content-Type");
        if (type == null && method == HttpMethod.DELETE || isJson(type)) {
            rc.next();
            return;
        }
        Errors.refuse(request, 415, "unsupported_media_type", type == null
                ? "the body must be application/json; this request has no Content-Type"
                : "the body must be application/json, not " + mediaType(type));
    }

    /** {@code application/json}, with parameters ({@code ; charset=utf-8}) or without, in any case. */
    static boolean isJson(String contentType) {
        return contentType != null && mediaType(contentType).equals("application/json");
    }

    private static String mediaType(String contentType) {
        int semicolon = contentType.indexOf(';');
        String type = (semicolon < 0 ? contentType : contentType.substring(0, semicolon)).trim().toLowerCase(Locale.ROOT);
        return type.length() > 100 ? type.substring(0, 100) + "…" : type;
    }

    private static void declaredLength(RoutingContext rc, long max) {
        String length = rc.request().getHeader("Content-Length");
        long declared;
        try {
            declared = length == null ? -1 : Long.parseLong(length.trim());
        } catch (NumberFormatException e) {
            declared = -1; // Vert.x's parser has refused such a request already
        }
        if (declared > max) {
            Errors.refuse(rc.request(), 413, "too_large", "body is " + declared + " bytes, over the limit of " + max
                    + " (tidings.limits.max-payload)");
        } else {
            rc.next();
        }
    }
}
