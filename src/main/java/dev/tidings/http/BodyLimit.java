package dev.tidings.http;

import dev.tidings.core.TidingsConfig;
import io.vertx.ext.web.Router;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;

/**
 * Answers an oversized request with the JSON 413 of the API before its body is read. Bodies
 * without a length are checked once read, in {@link NotifResource}.
 */
@ApplicationScoped
class BodyLimit {

    void install(@Observes Router router, TidingsConfig config) {
        long max = config.limits().maxPayload();
        router.post("/notif/*").order(-100).handler(rc -> {
            String length = rc.request().getHeader("Content-Length");
            long declared;
            try {
                declared = length == null ? -1 : Long.parseLong(length.trim());
            } catch (NumberFormatException e) {
                declared = -1;
            }
            if (declared > max) {
                rc.response().setStatusCode(413).putHeader("Content-Type", "application/json")
                        .putHeader("Connection", "close")
                        .end(Errors.body("too_large", "body is " + declared + " bytes, over the limit of " + max
                                + " (tidings.limits.max-payload)"));
            } else {
                rc.next();
            }
        });
    }
}
