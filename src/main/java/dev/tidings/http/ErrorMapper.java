package dev.tidings.http;

import dev.tidings.core.TidingsException;
import jakarta.ws.rs.WebApplicationException;
import jakarta.ws.rs.core.Response;
import java.util.Locale;
import org.jboss.logging.Logger;
import org.jboss.resteasy.reactive.server.ServerExceptionMapper;

/** Every REST failure as {@code {"error","message"}}: 4xx for the caller's mistakes, 500 only for ours. */
public class ErrorMapper {

    private static final Logger LOG = Logger.getLogger(ErrorMapper.class);

    @ServerExceptionMapper
    public Response refused(TidingsException e) {
        Response.ResponseBuilder r = Response.status(Errors.status(e.reason())).type("application/json")
                .entity(Errors.body(Errors.code(e.reason()), e.getMessage()));
        e.retryAfter().ifPresent(d -> r.header("Retry-After", Errors.retryAfterSeconds(d)));
        return r.build();
    }

    @ServerExceptionMapper
    public Response web(WebApplicationException e) {
        int status = e.getResponse().getStatus();
        Response.Status known = Response.Status.fromStatusCode(status);
        String code = known == null ? "http_" + status
                : known.name().toLowerCase(Locale.ROOT);
        String message = switch (status) {
            case 404 -> "no such resource";
            case 405 -> "method not allowed here";
            case 406 -> "only application/json is produced";
            case 415 -> "the body must be application/json";
            default -> e.getMessage();
        };
        return json(status, code, message);
    }

    /**
     * A body that could not be read: the connection failed, or (HTTP/2, no declared length) it
     * grew past quarkus.http.limits.max-body-size, which Quarkus has answered with a 413 already.
     * The caller's doing, not a failure of ours: no stack trace.
     */
    @ServerExceptionMapper
    public Response unreadable(java.io.IOException e) {
        return json(400, "bad_request", "the body could not be read");
    }

    @ServerExceptionMapper
    public Response unexpected(Throwable e) {
        LOG.error("Unexpected failure", e);
        return json(500, "internal", "the server failed; see its log");
    }

    private static Response json(int status, String code, String message) {
        return Response.status(status).type("application/json").entity(Errors.body(code, message)).build();
    }
}
