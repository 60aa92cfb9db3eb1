package dev.tidings.http;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.tidings.core.Caller;
import dev.tidings.core.Stats;
import dev.tidings.core.Tidings;
import dev.tidings.core.TidingsConfig;
import dev.tidings.core.TidingsException;
import dev.tidings.core.TidingsException.Reason;
import dev.tidings.identity.CallerResolver;
import io.smallrye.mutiny.Uni;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.ext.web.RoutingContext;
import jakarta.inject.Inject;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.DELETE;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;

/** The REST side of the HTTP contract: listen, unlisten, notify, unlisten-identity, close, stats. */
@Path("/notif")
@Produces(MediaType.APPLICATION_JSON)
public class NotifResource {

    private final Tidings tidings;
    private final CallerResolver callers;
    private final ObjectMapper mapper;
    private final TidingsConfig config;

    @Inject
    public NotifResource(Tidings tidings, CallerResolver callers, ObjectMapper mapper, TidingsConfig config) {
        this.tidings = tidings;
        this.callers = callers;
        this.mapper = mapper;
        this.config = config;
    }

    @POST
    @Path("{type}/listen")
    @Consumes(MediaType.APPLICATION_JSON)
    public Uni<Response> listen(@PathParam("type") String type, byte[] body, @Context HttpServerRequest request,
            @Context RoutingContext rc) {
        return changeListen(type, body(body, rc), request, true);
    }

    @POST
    @Path("{type}/unlisten")
    @Consumes(MediaType.APPLICATION_JSON)
    public Uni<Response> unlisten(@PathParam("type") String type, byte[] body, @Context HttpServerRequest request,
            @Context RoutingContext rc) {
        return changeListen(type, body(body, rc), request, false);
    }

    private Uni<Response> changeListen(String type, byte[] body, HttpServerRequest request, boolean listening) {
        return Uni.createFrom().deferred(() -> {
            Caller caller = callers.forRequest(request);
            JsonNode json = object(body);
            return tidings.listen(type, text(json, "client"), text(json, "key"), caller, listening)
                    .map(here -> Response.status(here ? 204 : 202).build());
        });
    }

    @POST
    @Path("{type}/notify")
    @Consumes(MediaType.APPLICATION_JSON)
    public Uni<Response> notify(@PathParam("type") String type, byte[] body, @Context HttpServerRequest request,
            @Context RoutingContext rc) {
        return Uni.createFrom().deferred(() -> {
            Caller caller = callers.forRequest(request);
            NotifyRequest n = NotifyRequest.read(mapper.getFactory(), checkedSize(body(body, rc)));
            return tidings.notify(type, n.key(), n.notification(), n.notFor(), caller)
                    .replaceWith(Response.accepted().build());
        });
    }

    @POST
    @Path("{type}/unlisten-identity")
    @Consumes(MediaType.APPLICATION_JSON)
    public Uni<Response> unlistenIdentity(@PathParam("type") String type, byte[] body, @Context HttpServerRequest request,
            @Context RoutingContext rc) {
        return Uni.createFrom().deferred(() -> {
            callers.requireNotifier(callers.forRequest(request));
            JsonNode json = object(body(body, rc));
            return tidings.unlistenIdentity(type, text(json, "identity"), text(json, "key"))
                    .replaceWith(Response.accepted().build());
        });
    }

    /** Ends every client process of an identity (a user logging out, or banned), on every replica. */
    @POST
    @Path("disconnect")
    @Consumes(MediaType.APPLICATION_JSON)
    public Uni<Response> disconnect(byte[] body, @Context HttpServerRequest request, @Context RoutingContext rc) {
        return Uni.createFrom().deferred(() -> {
            callers.requireNotifier(callers.forRequest(request));
            return tidings.disconnect(text(object(body(body, rc)), "identity")).replaceWith(Response.accepted().build());
        });
    }

    /** Ends a client process at once (a tab that closes), rather than after the grace period. */
    @DELETE
    @Path("client/{client}")
    public Uni<Response> close(@PathParam("client") String client, @Context HttpServerRequest request) {
        return Uni.createFrom().deferred(() -> tidings.close(client, callers.forRequest(request)))
                .map(here -> Response.status(here ? 204 : 202).build());
    }

    /** Who is connected and what is listened on: in JWT mode for the notifier and admin groups only. */
    @GET
    @Path("stats")
    public Stats stats(@Context HttpServerRequest request) {
        callers.requireOperator(callers.forRequest(request));
        return tidings.stats();
    }

    /**
     * The body as {@link RequestChecks} read it (HTTP/1.x). The {@code byte[]} RESTEasy hands over
     * for a body that Vert.x's body handler has already read is zero-filled past about 10 KB, so it
     * is used only where no body was read before the resource: over HTTP/2.
     */
    private static byte[] body(byte[] given, RoutingContext rc) {
        Buffer read = rc == null ? null : rc.body().buffer();
        return read != null ? read.getBytes() : given;
    }

    private JsonNode object(byte[] body) {
        checkedSize(body);
        JsonNode json;
        try {
            json = mapper.reader().with(DeserializationFeature.FAIL_ON_TRAILING_TOKENS).readTree(body);
        } catch (JsonProcessingException e) {
            throw new TidingsException(Reason.BAD_REQUEST, "malformed JSON: " + e.getOriginalMessage());
        } catch (java.io.IOException e) {
            throw new TidingsException(Reason.BAD_REQUEST, "unreadable body");
        }
        if (json == null || !json.isObject()) {
            throw new TidingsException(Reason.BAD_REQUEST, "the body must be a JSON object");
        }
        return json;
    }

    private byte[] checkedSize(byte[] body) {
        if (body == null || body.length == 0) {
            throw new TidingsException(Reason.BAD_REQUEST, "a JSON object body is required");
        }
        if (body.length > config.limits().maxPayload()) {
            throw new TidingsException(Reason.TOO_LARGE, "body is " + body.length + " bytes, over the limit of "
                    + config.limits().maxPayload() + " (tidings.limits.max-payload)");
        }
        return body;
    }

    private static String text(JsonNode json, String field) {
        JsonNode value = json.get(field);
        if (value == null || value.isNull()) {
            throw new TidingsException(Reason.BAD_REQUEST, field + " is missing");
        }
        if (!value.isTextual() || value.textValue().isEmpty()) {
            throw new TidingsException(Reason.BAD_REQUEST, field + " must be a non-empty string");
        }
        return value.textValue();
    }

}
