package dev.tidings.http;

import dev.tidings.core.Caller;
import dev.tidings.core.Cursor;
import dev.tidings.core.Tidings;
import dev.tidings.core.TidingsException;
import dev.tidings.core.TidingsException.Reason;
import dev.tidings.identity.CallerResolver;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelOutboundHandler;
import io.netty.channel.ChannelPipeline;
import io.netty.handler.timeout.IdleStateHandler;
import io.quarkus.runtime.ShutdownDelayInitiatedEvent;
import io.smallrye.mutiny.Multi;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.http.HttpVersion;
import io.vertx.core.http.impl.Http1xServerConnection;
import io.vertx.core.http.impl.HttpServerRequestInternal;
import io.vertx.core.impl.ContextInternal;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.eclipse.microprofile.config.inject.ConfigProperty;

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
    /** Open streams per owning event loop; each loop sends its own streams' heartbeats. */
    private final Map<Executor, Set<SseConnection>> openByLoop = new ConcurrentHashMap<>();
    /** Open streams whose event loop is unknown; a Vert.x timer sends their heartbeats. */
    private final Set<SseConnection> openElsewhere = ConcurrentHashMap.newKeySet();

    /** How often a stream written below the idle handler tells it that it is busy: a quarter of its timeout. */
    private final long idleTouchNanos;

    @Inject
    public StreamRoute(Tidings tidings, CallerResolver callers, HttpConfig config,
            @ConfigProperty(name = "quarkus.http.idle-timeout", defaultValue = "30M") Duration idleTimeout) {
        this.tidings = tidings;
        this.callers = callers;
        this.config = config;
        this.idleTouchNanos = idleTimeout.isZero() ? Long.MAX_VALUE // no idle handler to tell
                : Math.max(TimeUnit.MILLISECONDS.toNanos(100), idleTimeout.toNanos() / 4);
    }

    private Vertx vertx;

    void install(@Observes Router router, Vertx vertx) {
        this.vertx = vertx;
        router.get("/notif/stream").handler(this::open);
        long every = heartbeatTick();
        vertx.setPeriodic(every, id -> heartbeats(openElsewhere));
    }

    /**
     * Heartbeats go to streams idle for a whole interval, checked four times per interval, on the
     * event loop that owns each stream: no cross-thread write, no pause of one loop for every
     * stream of the server, and nothing at all for streams that are receiving notifications.
     */
    private long heartbeatTick() {
        return Math.max(1, config.heartbeat().toMillis() / 4);
    }

    private void heartbeats(Set<SseConnection> streams) {
        long now = System.nanoTime();
        long idle = config.heartbeat().toNanos() - java.util.concurrent.TimeUnit.MILLISECONDS.toNanos(heartbeatTick()) / 2;
        for (SseConnection c : streams) {
            c.heartbeatIfIdle(now, idle);
        }
    }

    private Set<SseConnection> openSet(Executor loop) {
        if (!(loop instanceof ScheduledExecutorService scheduler)) {
            return openElsewhere;
        }
        return openByLoop.computeIfAbsent(loop, l -> {
            Set<SseConnection> streams = ConcurrentHashMap.newKeySet();
            long every = heartbeatTick();
            scheduler.scheduleAtFixedRate(() -> heartbeats(streams), every, every, java.util.concurrent.TimeUnit.MILLISECONDS);
            return streams;
        });
    }

    private record ListenParam(String type, String key) {}

    /** True once shutdown began: new streams are refused, open ones are being ended. */
    private volatile boolean draining;

    /**
     * SIGTERM: readiness is already DOWN (Quarkus' shutdown delay), so the load balancer sends
     * new streams elsewhere; those that still come get 503. Open streams are ended one by one,
     * spread over most of the drain window, each with a {@code retry:} hint and no
     * {@code event: closed}, so that their clients reconnect to the other replicas gradually.
     */
    void drain(@Observes ShutdownDelayInitiatedEvent event) {
        draining = true;
        List<SseConnection> open = new ArrayList<>(openElsewhere);
        openByLoop.values().forEach(open::addAll);
        long window = config.drain().toMillis() * 8 / 10;
        long retry = config.retry().toMillis();
        for (int i = 0; i < open.size(); i++) {
            SseConnection c = open.get(i);
            long at = open.size() == 1 ? 0 : window * i / (open.size() - 1);
            vertx.setTimer(Math.max(1, at), id -> c.drain(retry / 2 + java.util.concurrent.ThreadLocalRandom.current().nextLong(retry + 1)));
        }
        org.jboss.logging.Logger.getLogger(StreamRoute.class).infof(
                "Shutting down: ending %d open streams over %s; new streams get 503", open.size(), config.drain());
    }

    private void open(RoutingContext rc) {
        HttpServerRequest request = rc.request();
        if (draining) {
            Errors.write(rc.response(), new TidingsException(Reason.UNAVAILABLE,
                    "this replica is shutting down; connect again (another replica takes over)", null,
                    java.time.Duration.ofSeconds(1)));
            return;
        }
        Caller caller;
        List<ListenParam> listens;
        Cursor lastEventId;
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
                clientId = tidings.open(caller);
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
                        ok -> stream(request, rc.response(), caller, clientId, resume != null, lastEventId),
                        failure -> {
                            if (resume == null) {
                                tidings.discard(clientId);
                            }
                            Errors.write(rc.response(), failure);
                        });
    }

    /** The event loop that owns the request's connection, where its writes cost no cross-thread task. */
    static Executor eventLoop(HttpServerRequest request) {
        try {
            return ((ContextInternal) ((HttpServerRequestInternal) request).context()).nettyEventLoop();
        } catch (ClassCastException | NullPointerException e) {
            return null; // unknown request wrapper: the core then writes from the notifying thread
        }
    }

    /**
     * Where {@link SseConnection} may write framed chunks itself: the HTTP/1.1 encoder's place in
     * the pipeline, when nothing between it and Vert.x's handler transforms or holds back writes
     * (TLS adds a chunked writer, compression a compressor; HTTP/2 frames differently). An idle
     * handler there is allowed: the connection keeps it informed ({@link SseConnection}). Null:
     * every write goes through Vert.x.
     */
    static SseConnection.RawPath rawPath(HttpServerRequest request) {
        if (request.version() != HttpVersion.HTTP_1_1 || !(request.connection() instanceof Http1xServerConnection c)) {
            return null;
        }
        ChannelHandlerContext vertx = c.channelHandlerContext(); // where Vert.x's own writes enter
        ChannelPipeline pipeline = vertx.pipeline();
        ChannelHandlerContext encoder = pipeline.context("httpEncoder");
        if (encoder == null) {
            return null;
        }
        boolean afterEncoder = false;
        for (Map.Entry<String, ChannelHandler> h : pipeline) {
            if (h.getValue() == vertx.handler()) {
                return afterEncoder ? new SseConnection.RawPath(encoder, vertx) : null;
            }
            if (afterEncoder && h.getValue() instanceof ChannelOutboundHandler && !(h.getValue() instanceof IdleStateHandler)) {
                return null;
            }
            afterEncoder |= h.getValue() == encoder.handler();
        }
        return null;
    }

    private void stream(HttpServerRequest request, HttpServerResponse response, Caller caller, String clientId,
            boolean resumed, Cursor lastEventId) {
        if (response.closed()) {
            return; // gone before we answered; a new process simply expires after its grace period
        }
        response.setChunked(true)
                .putHeader("Content-Type", "text/event-stream; charset=utf-8")
                .putHeader("Cache-Control", "no-cache, no-store")
                .putHeader("X-Accel-Buffering", "no");
        Executor loop = eventLoop(request);
        SseConnection connection = new SseConnection(response, config.retry().toMillis(), loop, rawPath(request),
                idleTouchNanos);
        Set<SseConnection> open = openSet(loop);
        long expiry = endAtExpiry(caller, connection);
        Runnable gone = () -> {
            open.remove(connection);
            connection.discard();
            vertx.cancelTimer(expiry);
            tidings.detach(clientId, connection);
        };
        response.closeHandler(v -> gone.run());
        response.endHandler(v -> gone.run());
        try {
            tidings.attach(clientId, connection, resumed, lastEventId);
        } catch (TidingsException e) {
            connection.close(); // the process ended between the checks and now
            return;
        }
        open.add(connection); // only now, so that no heartbeat precedes ready
        if (response.closed()) {
            gone.run();
        }
    }

    /**
     * A stream does not outlive its token: at the token's {@code exp} it ends with
     * {@code event: closed} {@code {"reason":"expired"}}, while the client process stays for its
     * grace period, so a client with a fresh token resumes it without loss. Returns the timer, or -1.
     */
    private long endAtExpiry(Caller caller, SseConnection connection) {
        Object exp = caller.claims().get("exp");
        if (!(exp instanceof Number seconds)) {
            return -1;
        }
        long delay = Math.max(1, seconds.longValue() * 1000 - System.currentTimeMillis());
        return vertx.setTimer(delay, id -> connection.expire());
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

    /** The cursor to recover from: {@code Last-Event-ID}, or {@code lastEventId=} for a hand-made reconnect; 400 if it is not one. */
    private static Cursor lastEventId(HttpServerRequest request) {
        String text = request.getHeader("Last-Event-ID");
        if (text == null || text.isBlank()) {
            text = CallerResolver.param(request, "lastEventId");
        }
        if (text == null || text.isBlank()) {
            return null;
        }
        return Cursor.parse(text);
    }


}
