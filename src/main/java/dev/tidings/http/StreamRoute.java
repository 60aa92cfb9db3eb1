package dev.tidings.http;

import dev.tidings.core.Caller;
import dev.tidings.core.Tidings;
import dev.tidings.core.TidingsException;
import dev.tidings.core.TidingsException.Reason;
import dev.tidings.identity.CallerResolver;
import io.smallrye.mutiny.Multi;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * {@code GET /notif/stream}: opens (or resumes) a client process and keeps its Server-Sent Events
 * stream.
 *
 * <p>This is a plain Vert.x route rather than a JAX-RS resource because the stream writes
 * pre-serialised frames shared by many clients, needs the socket's back-pressure
 * ({@code writeQueueFull}/{@code drainHandler}) and must notice a closed connection at once; the
 * JAX-RS SSE API hides all three (see quarkusio/quarkus#13988, #23997).
 */
@ApplicationScoped
public class StreamRoute {

    private final Tidings tidings;
    private final CallerResolver callers;
    private final HttpConfig config;
    private final Set<SseConnection> open = ConcurrentHashMap.newKeySet();

    @Inject
    public StreamRoute(Tidings tidings, CallerResolver callers, HttpConfig config) {
        this.tidings = tidings;
        this.callers = callers;
        this.config = config;
    }

    void install(@Observes Router router, Vertx vertx) {
        router.get("/notif/stream").handler(this::open);
        vertx.setPeriodic(config.heartbeat().toMillis(), id -> open.forEach(SseConnection::heartbeat));
    }

    private record ListenParam(String type, String key) {}

    private void open(RoutingContext rc) {
        HttpServerRequest request = rc.request();
        Caller caller;
        List<ListenParam> listens;
        Long lastEventId;
        String resume;
        String clientId;
        try {
            resume = CallerResolver.param(request, "client");
            caller = callers.forStream(request);
            listens = listenParams(request.params().getAll("listen"));
            lastEventId = lastEventId(request);
            if (resume != null) {
                tidings.checkResumable(resume, caller);
                clientId = resume;
            } else {
                clientId = tidings.init(caller);
            }
        } catch (TidingsException e) {
            Errors.write(rc.response(), e);
            return;
        }
        // Listens from the query are made before anything is sent, so a bad one fails the request.
        Multi.createFrom().iterable(listens)
                .onItem().transformToUniAndConcatenate(l -> tidings.listen(l.type(), clientId, l.key(), caller, true))
                .collect().last()
                .subscribe().with(
                        ok -> stream(rc.response(), clientId, resume != null, lastEventId),
                        failure -> {
                            if (resume == null) {
                                tidings.deinit(clientId, null);
                            }
                            Errors.write(rc.response(), failure);
                        });
    }

    private void stream(HttpServerResponse response, String clientId, boolean resumed, Long lastEventId) {
        if (response.closed()) {
            return; // gone before we answered; a new process simply expires after its grace period
        }
        response.setChunked(true)
                .putHeader("Content-Type", "text/event-stream; charset=utf-8")
                .putHeader("Cache-Control", "no-cache, no-store")
                .putHeader("X-Accel-Buffering", "no");
        SseConnection connection = new SseConnection(response, config.retry().toMillis());
        response.closeHandler(v -> {
            open.remove(connection);
            tidings.detach(clientId, connection);
        });
        response.endHandler(v -> {
            open.remove(connection);
            tidings.detach(clientId, connection);
        });
        try {
            tidings.attach(clientId, connection, resumed, lastEventId);
        } catch (TidingsException e) {
            connection.close(); // the process ended between the checks and now
            return;
        }
        open.add(connection); // only now, so that no heartbeat precedes ready
        if (response.closed()) {
            open.remove(connection);
            tidings.detach(clientId, connection);
        }
    }

    private static List<ListenParam> listenParams(List<String> values) {
        List<ListenParam> result = new ArrayList<>(values.size());
        for (String value : values) {
            int colon = value.indexOf(':');
            if (colon <= 0 || colon == value.length() - 1) {
                throw new TidingsException(Reason.BAD_REQUEST, "listen must be <type>:<key>, got " + value);
            }
            result.add(new ListenParam(value.substring(0, colon), value.substring(colon + 1)));
        }
        return result;
    }

    private static Long lastEventId(HttpServerRequest request) {
        String text = request.getHeader("Last-Event-ID");
        if (text == null || text.isBlank()) {
            text = CallerResolver.param(request, "lastEventId");
        }
        if (text == null || text.isBlank()) {
            return null;
        }
        try {
            return Long.parseLong(text.trim());
        } catch (NumberFormatException e) {
            throw new TidingsException(Reason.BAD_REQUEST, "Last-Event-ID must be a number, got " + text);
        }
    }


}
