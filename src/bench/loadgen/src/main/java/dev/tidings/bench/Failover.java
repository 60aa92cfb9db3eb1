package dev.tidings.bench;

import io.vertx.core.Context;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.net.NetClient;
import io.vertx.core.net.NetClientOptions;
import io.vertx.core.net.NetSocket;
import java.io.IOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Semaphore;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.concurrent.atomic.LongAdder;
import org.HdrHistogram.Histogram;
import org.HdrHistogram.Recorder;

/**
 * {@code failover}: the failover storm of issue 12. N clients over K keys ({@code feed} type), split
 * between two replicas on Kafka, each listening with {@code listen=} in its URL, as a browser's
 * own {@code EventSource} does; notifies at a steady rate alternating between the replicas. After
 * a warm-up and a measured calm window, replica 1 is killed with {@code kill -9}; its clients see
 * their stream end and reconnect to the survivor after 1–3 s of jitter (as browsers do after
 * {@code retry:}), with {@code Last-Event-ID} set to the last {@code id:} they received and the
 * same listens, while notifies keep flowing through the survivor.
 *
 * <p>Every client parses its stream as {@code EventSource} does (chunked transfer decoded, SSE
 * fields, the last event id). Every notification carries {@code #t<nanoTime>#s<seq>#}, sequence
 * numbers per key, at most one publish per key in flight; each client remembers every sequence
 * number it received, so a duplicate is counted when it arrives and a gap at the end: every
 * sequence number published on its key from its first one up to the last must have arrived,
 * except those whose notify failed (the replica died under it: it may or may not be in the log).
 * The rate is a ceiling: when every key's notify is in flight and the generator falls more than a
 * second behind, the notifies it could not send are counted, not sent later in a burst.
 *
 * <p>Measured: the time from the kill until every moved client has received, past its cursor, a
 * notification published after it reconnected (recovered and live); lost, duplicate and reordered
 * notifications per client over the whole run, seam included; {@code event: missed}; the survivor's
 * own clients' delivery latency before the kill, during the storm (kill → every moved client
 * recovered) and after it; the survivor's CPU in each window; notify failures.
 */
final class Failover {

    // ---- options ------------------------------------------------------------------------------

    String host = "127.0.0.1";
    int[] ports = {28480, 28482};
    int killPid = -1;
    int survivorPid = -1;
    int clients = 10_000;
    int keys = 100;
    double rate = 200;
    int warmupSeconds = 15;
    int calmSeconds = 10;
    int afterSeconds = 10;
    int jitterMinMillis = 1000;
    int jitterMaxMillis = 3000;
    int recoverTimeoutSeconds = 120;
    /** False: reconnect without Last-Event-ID, a control run that shows the losses are seen when nothing recovers them. */
    boolean sendCursor = true;
    List<String> sources = List.of("127.0.0.1");
    int connectConcurrency = 200;
    int pubConnections = 16;
    String label = "failover";
    Path out;
    Path report;

    // ---- state --------------------------------------------------------------------------------

    Vertx vertx;
    final List<Client> all = new ArrayList<>();
    final List<NetClient> nets = new ArrayList<>();
    /** The next sequence number to publish per key (published ones are below it). */
    AtomicLongArray nextSeq;
    /** Per key, sequence numbers whose notify failed: they may or may not be in the log. Publisher context only. */
    BitSet[] uncertain;
    boolean[] busy;
    final AtomicInteger held = new AtomicInteger();
    final AtomicInteger refused = new AtomicInteger();
    final AtomicInteger connectFailures = new AtomicInteger();
    final AtomicInteger unexpectedEnds = new AtomicInteger();
    final AtomicInteger moved = new AtomicInteger();
    final AtomicInteger reconnected = new AtomicInteger();
    final AtomicInteger recovered = new AtomicInteger();
    /** Clients that have received their first notification. */
    final AtomicInteger started = new AtomicInteger();
    /** Moved clients' deliveries on their new stream published before they reconnected: the replay. */
    final LongAdder replayed = new LongAdder();
    final LongAdder missedEvents = new LongAdder();
    final LongAdder duplicates = new LongAdder();
    final LongAdder reorders = new LongAdder();
    final LongAdder received = new LongAdder();
    final List<String> missedSamples = new ArrayList<>();
    /** The survivor's own clients' delivery latency, µs; moved clients' live latency after they recovered. */
    final Recorder own = new Recorder(3);
    final Recorder movedLive = new Recorder(3);
    /** Per moved client: kill → noticed end, kill → recovered, reconnect sent → recovered, ms. */
    final Recorder noticed = new Recorder(3);
    final Recorder sinceKill = new Recorder(3);
    final Recorder sinceReconnect = new Recorder(3);
    /** Per moved client: reconnect sent → every notification published before it received (the replay done), ms. */
    final Recorder caughtUp = new Recorder(3);
    /** The generator's own event loops: how late a 50 ms timer fires, µs (its lag is in every latency it measures). */
    final Recorder lag = new Recorder(3);
    volatile boolean measuring;
    volatile long killedAt;
    /** The replicas notifies go to: both, then the survivor only from the kill on. */
    volatile int[] notifyPorts;
    final Map<String, String> results = new LinkedHashMap<>();
    /** The generator's event loops; clients are spread over them ({@link LoadGen#eventLoopContexts}). */
    static final int EVENT_LOOPS = 2;

    /** One EventSource-like client, connecting from its {@link #home} event loop. Its state is touched under its own lock. */
    final class Client {
        final int index;
        final int key;
        final String identity;
        int port;
        NetSocket socket;
        boolean moving;       // on the killed replica
        boolean ended;        // the current stream ended
        // chunked transfer decoding
        int http;             // 0 head, 1 chunk size, 2 chunk data, 3 chunk end, 4 done
        int headTail;         // the last bytes of the head, for \r\n\r\n
        StringBuilder head = new StringBuilder();
        long chunkLeft;
        // SSE fields
        final StringBuilder line = new StringBuilder(256);
        String event = "";
        String data;
        String idBuffer = "";
        String lastEventId = "";
        boolean ready;
        // sequence bookkeeping
        final BitSet seen = new BitSet();
        long firstSeq = -1;
        long maxSeq = -1;
        long liveFrom = Long.MAX_VALUE; // moved: the first sequence number published after it reconnected
        long reconnectSentAt;
        boolean isRecovered;
        boolean isCaughtUp;

        /** The generator's event loop this client connects (and reconnects) from. */
        final Context home;

        Client(int index, int key, String identity, int port, Context home) {
            this.home = home;
            this.index = index;
            this.key = key;
            this.identity = identity;
            this.port = port;
        }

        String request() {
            StringBuilder r = new StringBuilder("GET /notif/stream?listen=feed:k").append(key).append(" HTTP/1.1\r\nHost: ")
                    .append(host).append("\r\nAccept: text/event-stream\r\nX-Identity: ").append(identity).append("\r\n");
            if (sendCursor && !lastEventId.isEmpty()) {
                r.append("Last-Event-ID: ").append(lastEventId).append("\r\n");
            }
            return r.append("\r\n").toString();
        }

        synchronized void onData(Buffer b) {
            int n = b.length();
            for (int i = 0; i < n; i++) {
                byte c = b.getByte(i);
                switch (http) {
                    case 0 -> {
                        head.append((char) c);
                        headTail = (headTail << 8) | (c & 0xff);
                        if (headTail == 0x0d0a0d0a) {
                            if (!head.toString().startsWith("HTTP/1.1 200")) {
                                refusedNow(head.toString());
                                return;
                            }
                            head = null;
                            http = 1;
                            chunkLeft = 0;
                        }
                    }
                    case 1 -> {
                        if (c == '\n') {
                            if (chunkLeft == 0) {
                                http = 4; // the last chunk: the server ended the stream
                                return;
                            }
                            http = 2;
                        } else {
                            int d = Character.digit(c, 16);
                            if (d >= 0) {
                                chunkLeft = chunkLeft * 16 + d;
                            }
                        }
                    }
                    case 2 -> {
                        sse(c);
                        if (--chunkLeft == 0) {
                            http = 3;
                        }
                    }
                    case 3 -> {
                        if (c == '\n') {
                            http = 1;
                        }
                    }
                    default -> { }
                }
            }
        }

        private void refusedNow(String status) {
            refused.incrementAndGet();
            if (refused.get() <= 5) {
                System.err.println("stream refused: " + status.lines().findFirst().orElse(status));
            }
            http = 4;
            socket.close(); // the close handler reconnects a moved client
        }

        /** One byte of the event stream, as EventSource parses it (lines end with \n here). */
        private void sse(byte c) {
            if (c != '\n') {
                if (c != '\r') {
                    line.append((char) c);
                }
                return;
            }
            if (line.length() == 0) {
                dispatch();
            } else if (line.charAt(0) != ':') {
                int colon = line.indexOf(":");
                String field = colon < 0 ? line.toString() : line.substring(0, colon);
                int at = colon < 0 ? line.length() : colon + 1;
                if (at < line.length() && line.charAt(at) == ' ') {
                    at++;
                }
                String value = line.substring(at);
                switch (field) {
                    case "event" -> event = value;
                    case "data" -> data = data == null ? value : data + "\n" + value;
                    case "id" -> { if (value.indexOf('\0') < 0) idBuffer = value; }
                    default -> { }
                }
            }
            line.setLength(0);
        }

        private void dispatch() {
            lastEventId = idBuffer;
            String e = event;
            String d = data;
            event = "";
            data = null;
            if (d == null) {
                return;
            }
            switch (e) {
                case "ready" -> {
                    if (!ready) {
                        ready = true;
                        held.incrementAndGet();
                    }
                    if (liveFrom != Long.MAX_VALUE && maxSeq >= liveFrom - 1) {
                        caughtUp(System.nanoTime()); // nothing was published since its cursor
                    }
                }
                case "missed" -> {
                    missedEvents.increment();
                    synchronized (missedSamples) {
                        if (missedSamples.size() < 10) {
                            missedSamples.add("u" + index + " k" + key + ": " + d);
                        }
                    }
                }
                case "notification" -> notification(d);
                default -> { }
            }
        }

        private void notification(String d) {
            int t = d.indexOf("#t");
            int s = d.indexOf("#s", t + 2);
            int end = d.indexOf('#', s + 2);
            if (t < 0 || s < 0 || end < 0) {
                return;
            }
            long sent = Long.parseLong(d, t + 2, s, 10);
            long seq = Long.parseLong(d, s + 2, end, 10);
            long now = System.nanoTime();
            received.increment();
            if (seq > Integer.MAX_VALUE) {
                throw new IllegalStateException("sequence number out of range: " + seq);
            }
            if (seen.get((int) seq)) {
                duplicates.increment();
                return;
            }
            if (seq < maxSeq) {
                reorders.increment();
            }
            seen.set((int) seq);
            if (firstSeq < 0) {
                firstSeq = seq;
                started.incrementAndGet();
            }
            maxSeq = Math.max(maxSeq, seq);
            long latency = Math.max(1, (now - sent) / 1000);
            if (!moving) {
                if (measuring) {
                    own.recordValue(latency);
                }
            } else if (liveFrom != Long.MAX_VALUE && seq < liveFrom) {
                replayed.increment();
                if (seq == liveFrom - 1) {
                    caughtUp(now);
                }
            } else if (seq >= liveFrom) {
                caughtUp(now); // the last one published before it reconnected failed (uncertain) and never came
                if (!isRecovered) {
                    isRecovered = true;
                    sinceKill.recordValue(Math.max(1, (now - killedAt) / 1_000_000));
                    sinceReconnect.recordValue(Math.max(1, (now - reconnectSentAt) / 1_000_000));
                    recovered.incrementAndGet();
                } else if (measuring) {
                    movedLive.recordValue(latency);
                }
            }
        }

        private void caughtUp(long now) {
            if (!isCaughtUp) {
                isCaughtUp = true;
                caughtUp.recordValue(Math.max(1, (now - reconnectSentAt) / 1_000_000));
            }
        }

        /** The stream ended (socket closed). */
        synchronized void closed() {
            if (ended) {
                return;
            }
            ended = true;
            if (!moving || killedAt == 0) {
                if (ready || http == 4) {
                    unexpectedEnds.incrementAndGet();
                    System.err.println("stream of u" + index + " on " + port + " ended unexpectedly");
                }
                return;
            }
            if (port != ports[1]) {
                port = ports[1];
                moved.incrementAndGet();
                noticed.recordValue(Math.max(1, (System.nanoTime() - killedAt) / 1_000_000));
            }
            // as EventSource after retry:, with jitter; again after a refusal or a failed connect
            long delay = ThreadLocalRandom.current().nextLong(jitterMinMillis, jitterMaxMillis + 1);
            vertx.setTimer(delay, id -> connect(null));
        }

        /** Opens (or reopens) the stream on {@link #port}, with the last event id if it has one. */
        void connect(Semaphore permits) {
            NetClient net = nets.get(index % nets.size());
            String request;
            synchronized (this) {
                ended = false;
                http = 0;
                head = new StringBuilder();
                headTail = 0;
                line.setLength(0);
                event = "";
                data = null;
                if (moving && killedAt != 0) {
                    liveFrom = nextSeq.get(key);
                    isCaughtUp = false;
                    reconnectSentAt = System.nanoTime();
                    reconnected.incrementAndGet();
                }
                request = request();
            }
            int to = port;
            home.runOnContext(go -> net.connect(to, host).onComplete(ar -> {
                if (permits != null) {
                    permits.release();
                }
                if (ar.failed()) {
                    connectFailures.incrementAndGet();
                    if (connectFailures.get() <= 5) {
                        System.err.println("connect to " + port + " failed: " + ar.cause());
                    }
                    closed();
                    return;
                }
                NetSocket s = ar.result();
                synchronized (this) {
                    socket = s;
                }
                s.handler(this::onData);
                s.closeHandler(v -> closed());
                s.write(Buffer.buffer(request));
            }));
        }
    }

    // ---- main ---------------------------------------------------------------------------------

    static int run(String[] args) throws Exception {
        Failover f = new Failover();
        f.parse(args);
        return f.run();
    }

    void parse(String[] args) {
        for (int i = 0; i < args.length; i += 2) {
            String a = args[i];
            String v = args[i + 1];
            switch (a) {
                case "--host" -> host = v;
                case "--ports" -> ports = java.util.Arrays.stream(v.split(",")).mapToInt(Integer::parseInt).toArray();
                case "--kill-pid" -> killPid = Integer.parseInt(v);
                case "--survivor-pid" -> survivorPid = Integer.parseInt(v);
                case "--clients" -> clients = Integer.parseInt(v);
                case "--keys" -> keys = Integer.parseInt(v);
                case "--rate" -> rate = Double.parseDouble(v);
                case "--warmup" -> warmupSeconds = Integer.parseInt(v);
                case "--calm" -> calmSeconds = Integer.parseInt(v);
                case "--after" -> afterSeconds = Integer.parseInt(v);
                case "--jitter" -> {
                    jitterMinMillis = Integer.parseInt(v.split("-")[0]);
                    jitterMaxMillis = Integer.parseInt(v.split("-")[1]);
                }
                case "--recover-timeout" -> recoverTimeoutSeconds = Integer.parseInt(v);
                case "--cursor" -> sendCursor = Boolean.parseBoolean(v);
                case "--sources" -> sources = List.of(v.split(","));
                case "--label" -> label = v;
                case "--out" -> out = Path.of(v);
                case "--report" -> report = Path.of(v);
                default -> throw new IllegalArgumentException("unknown option " + a);
            }
        }
        if (ports.length != 2 || killPid < 0 || survivorPid < 0) {
            throw new IllegalArgumentException("failover needs --ports <killed>,<survivor> --kill-pid --survivor-pid");
        }
    }

    int run() throws Exception {
        vertx = Vertx.vertx(new VertxOptions().setEventLoopPoolSize(EVENT_LOOPS).setWorkerPoolSize(1)
                .setBlockedThreadCheckInterval(60_000));
        nextSeq = new AtomicLongArray(keys);
        uncertain = new BitSet[keys];
        for (int k = 0; k < keys; k++) {
            uncertain[k] = new BitSet();
        }
        busy = new boolean[keys];
        notifyPorts = ports;
        put("label", label);
        put("clients.wanted", clients);
        put("keys", keys);
        put("rate", rate);
        put("jitterMs", jitterMinMillis + "-" + jitterMaxMillis);
        put("reconnectWithCursor", sendCursor);
        put("sources", String.join(",", sources));
        long gen0 = LoadGen.cpuTicks(List.of(LoadGen.selfPid()));
        try {
            connectAll();
            Publisher pub = new Publisher();
            pub.start();
            // warm-up: JIT and caches, and every client has received a notification (its sequence starts)
            long warmEnd = System.nanoTime() + TimeUnit.SECONDS.toNanos(warmupSeconds);
            waitFor("every client received a notification", 60 + warmupSeconds,
                    () -> started.get() >= clients && System.nanoTime() >= warmEnd);

            // calm: the survivor's own clients before the kill
            startLagProbes();
            own.reset();
            lag.reset();
            measuring = true;
            Window calm = new Window("calm", pub);
            Thread.sleep(calmSeconds * 1000L); // a fixed measuring window, not a wait for a condition
            calm.end();
            int movingCount = 0;
            for (Client c : all) {
                synchronized (c) {
                    c.moving = c.port == ports[0];
                    movingCount += c.moving ? 1 : 0;
                }
            }

            // the kill: notifies go to the survivor only from now on; in-flight ones to the killed replica may fail
            notifyPorts = new int[] {ports[1]};
            Window storm = new Window("storm", pub);
            killedAt = System.nanoTime();
            Process kill = new ProcessBuilder("kill", "-9", Integer.toString(killPid)).inheritIO().start();
            int killCode = kill.waitFor();
            log("killed replica 1 (pid %d, kill -9 exit %d); %d of its clients to move", killPid, killCode, movingCount);
            put("killExit", killCode);
            put("clients.onKilled", movingCount);
            int toMove = movingCount;
            boolean allRecovered = waitFor("every moved client recovered and live", recoverTimeoutSeconds,
                    () -> recovered.get() >= toMove);
            double stormSecs = (System.nanoTime() - killedAt) / 1e9;
            storm.end();
            log("storm: %d of %d moved clients recovered in %.2f s; %d reconnects, %d refused, %d connect failures, %d missed events",
                    recovered.get(), toMove, stormSecs, reconnected.get(), refused.get(), connectFailures.get(),
                    missedEvents.sum());

            // after: the same flow on the survivor alone
            movedLive.reset();
            Window after = new Window("after", pub);
            Thread.sleep(afterSeconds * 1000L); // a fixed measuring window
            after.end();
            Histogram movedAfter = movedLive.getIntervalHistogram();
            measuring = false;

            pub.stop();
            // drain: every held client has everything published on its key (or the timeout says it never will)
            boolean drained = waitFor("every client received the last notification of its key", 20, this::drained);

            put("clients.heldAtEnd", countReady());
            put("clients.moved", moved.get());
            put("reconnects", reconnected.get());
            put("reconnects.refused", refused.get());
            put("reconnects.connectFailures", connectFailures.get());
            put("streams.endedUnexpectedly", unexpectedEnds.get());
            put("recovered", recovered.get());
            put("recovered.all", allRecovered);
            put("drained", drained);
            put("storm.seconds", fmt(stormSecs));
            Histogram k = sinceKill.getIntervalHistogram();
            Histogram r = sinceReconnect.getIntervalHistogram();
            Histogram nh = noticed.getIntervalHistogram();
            putMs("moved.noticedEndMs", nh, false);
            putMs("moved.killToRecoveredMs", k, false);
            putMs("moved.reconnectToRecoveredMs", r, false);
            putMs("moved.reconnectToCaughtUpMs", caughtUp.getIntervalHistogram(), false);
            put("notifies", pub.sent.sum());
            put("notifies.notSentBehindRate", pub.behind.sum());
            put("notifies.failedOnKilled", pub.failedKilled.sum());
            put("notifies.failedOnSurvivor", pub.failedSurvivor.sum());
            put("notifies.survivor5xx", pub.survivor5xx.sum());
            put("deliveries", received.sum());
            put("moved.replayedDeliveries", replayed.sum());
            Accounting a = account();
            put("lost", a.lost);
            put("lost.movedClients", a.lostMoved);
            put("lost.clientsWithGaps", a.clientsWithGaps);
            put("uncertain.notifies", a.uncertain);
            put("uncertain.received", a.uncertainReceived);
            put("duplicates", duplicates.sum());
            put("reorders", reorders.sum());
            put("missedEvents", missedEvents.sum());
            put("missedSamples", String.join(" | ", missedSamples));
            putMs("moved.after.latencyMs", movedAfter, true);
            put("gen.cpuSeconds.total", fmt((LoadGen.cpuTicks(List.of(LoadGen.selfPid())) - gen0) / 100.0));
            log("lost %d (moved clients %d, %d clients with gaps), duplicates %d, reorders %d, missed events %d; "
                    + "uncertain notifies %d (%d deliveries of them)", a.lost, a.lostMoved, a.clientsWithGaps,
                    duplicates.sum(), reorders.sum(), missedEvents.sum(), a.uncertain, a.uncertainReceived);
        } finally {
            closeAll();
            write();
        }
        return 0;
    }

    int countReady() {
        int n = 0;
        for (Client c : all) {
            synchronized (c) {
                n += c.ready && !c.ended ? 1 : 0;
            }
        }
        return n;
    }

    // ---- clients ------------------------------------------------------------------------------

    void connectAll() throws Exception {
        List<Context> loops = LoadGen.eventLoopContexts(vertx, EVENT_LOOPS);
        for (String src : sources) {
            nets.add(vertx.createNetClient(new NetClientOptions().setLocalAddress(src).setConnectTimeout(15_000)
                    .setTcpNoDelay(true).setReceiveBufferSize(16 * 1024)));
        }
        Semaphore permits = new Semaphore(connectConcurrency);
        long t0 = System.nanoTime();
        for (int i = 0; i < clients; i++) {
            Client c = new Client(i, i % keys, "u" + i, ports[(i / keys) % 2], loops.get(i % loops.size()));
            all.add(c);
            permits.acquire();
            c.connect(permits);
        }
        boolean ok = waitFor("every client's stream ready", Math.max(60, clients / 100),
                () -> held.get() + connectFailures.get() + refused.get() >= clients);
        log("held %d of %d clients in %.1f s (%d refused, %d failed to connect)%s", held.get(), clients,
                (System.nanoTime() - t0) / 1e9, refused.get(), connectFailures.get(), ok ? "" : " (timed out)");
        put("connect.seconds", fmt((System.nanoTime() - t0) / 1e9));
        put("connect.refused", refused.get());
        put("connect.failed", connectFailures.get());
        if (held.get() < clients) {
            throw new IllegalStateException("only " + held.get() + " of " + clients + " streams opened");
        }
    }

    void closeAll() throws InterruptedException {
        for (Client c : all) {
            synchronized (c) {
                c.moving = false;
                c.ended = true; // no reconnect, no "unexpected end"
                if (c.socket != null) {
                    c.socket.close();
                }
            }
        }
        CountDownLatch done = new CountDownLatch(1);
        vertx.close().onComplete(v -> done.countDown());
        done.await(20, TimeUnit.SECONDS);
    }

    // ---- publishing ---------------------------------------------------------------------------

    /** A steady rate of notifies, one in flight per key, to the replicas in {@link #notifyPorts} in turn. */
    final class Publisher {
        final HttpClient http = vertx.createHttpClient(new HttpClientOptions().setKeepAlive(true)
                .setMaxPoolSize(pubConnections).setTcpNoDelay(true).setMaxWaitQueueSize(-1).setConnectTimeout(5_000));
        final Context ctx = vertx.getOrCreateContext();
        final LongAdder sent = new LongAdder();
        final LongAdder behind = new LongAdder();
        final LongAdder failedKilled = new LongAdder();
        final LongAdder failedSurvivor = new LongAdder();
        final LongAdder survivor5xx = new LongAdder();
        final CountDownLatch idle = new CountDownLatch(1);
        long timer;
        long start;
        long issued; // sent, plus those skipped when more than a second behind
        int cursor;
        int inFlight;
        boolean stopping;

        void start() {
            ctx.runOnContext(v -> {
                start = System.nanoTime();
                timer = vertx.setPeriodic(1, id -> pump());
            });
        }

        void pump() {
            if (stopping) {
                return;
            }
            long due = (long) (rate * (System.nanoTime() - start) / 1e9);
            if (issued < due - (long) rate) {
                // more than a second behind (every key busy: notifies answer slowly): a steady rate
                // does not catch up in a burst; the notifies not sent are counted
                behind.add(due - (long) rate - issued);
                issued = due - (long) rate;
            }
            for (int tries = 0; issued < due && tries < keys; ) {
                int k = cursor;
                cursor = (cursor + 1) % keys;
                if (busy[k]) {
                    tries++;
                    continue;
                }
                issued++;
                publish(k);
            }
        }

        void publish(int key) {
            int[] to = notifyPorts;
            int port = to[(int) (issued % to.length)];
            long seq = nextSeq.get(key);
            String body = "{\"key\":\"k" + key + "\",\"notification\":{\"m\":\"#t" + System.nanoTime() + "#s" + seq + "#\"}}";
            nextSeq.set(key, seq + 1); // after the timestamp: a client that reconnects now waits for this one at most
            busy[key] = true;
            inFlight++;
            sent.increment();
            RequestOptions ro = new RequestOptions().setMethod(HttpMethod.POST).setHost(host).setPort(port)
                    .setURI("/notif/feed/notify").putHeader("Content-Type", "application/json");
            http.request(ro).compose(req -> req.send(Buffer.buffer(body)))
                    .compose(resp -> resp.body().map(b -> resp.statusCode()))
                    .onComplete(ar -> {
                        busy[key] = false;
                        inFlight--;
                        if (ar.failed() || ar.result() / 100 != 2) {
                            synchronized (uncertain[key]) {
                                uncertain[key].set((int) seq);
                            }
                            (port == ports[0] ? failedKilled : failedSurvivor).increment();
                            if (port == ports[1] && ar.succeeded() && ar.result() >= 500) {
                                survivor5xx.increment();
                            }
                            if (port == ports[1] || failedKilled.sum() <= 3) {
                                System.err.println("notify to " + port + " failed: " + (ar.failed() ? ar.cause() : ar.result()));
                            }
                        }
                        if (stopping && inFlight == 0) {
                            idle.countDown();
                        }
                    });
        }

        /** Stops publishing and waits until every notify in flight has its answer. */
        void stop() throws InterruptedException {
            ctx.runOnContext(v -> {
                stopping = true;
                vertx.cancelTimer(timer);
                if (inFlight == 0) {
                    idle.countDown();
                }
            });
            if (!idle.await(30, TimeUnit.SECONDS)) {
                log("notifies still unanswered after 30 s");
            }
        }
    }

    // ---- measuring windows ----------------------------------------------------------------------

    /**
     * One measuring window: the survivor's own clients' latency, notifies sent, the survivor's CPU,
     * the whole machine's busy CPU (other processes share it) and the generator's event-loop lag.
     */
    final class Window {
        final String name;
        final Publisher pub;
        final long t0 = System.nanoTime();
        final long survivor0 = LoadGen.cpuTicks(List.of(survivorPid));
        final long machine0 = machineTicks();
        final long notifies0;
        final String load0 = loadavg();

        Window(String name, Publisher pub) {
            this.name = name;
            this.pub = pub;
            this.notifies0 = pub.sent.sum();
            own.getIntervalHistogram(); // starts the window's interval
            lag.getIntervalHistogram();
        }

        void end() {
            double secs = (System.nanoTime() - t0) / 1e9;
            String p = "own." + name + ".";
            putMs(p + "latencyMs", own.getIntervalHistogram(), true);
            putMs("gen." + name + ".eventLoopLagMs", lag.getIntervalHistogram(), true);
            put(name + ".seconds", fmt(secs));
            put(name + ".notifiesPerSec", fmt((pub.sent.sum() - notifies0) / secs));
            put("survivor." + name + ".cpuCores", fmt((LoadGen.cpuTicks(List.of(survivorPid)) - survivor0) / 100.0 / secs));
            put("machine." + name + ".busyCores", fmt((machineTicks() - machine0) / 100.0 / secs));
            put("machine." + name + ".loadavgAtStart", load0);
            log("%s: %.1f s, %s notifies/s, own clients p50 %s p99 %s max %s ms, survivor %s cores, machine busy %s cores, "
                    + "generator lag max %s ms", name, secs, results.get(name + ".notifiesPerSec"), results.get(p + "latencyMs.p50"),
                    results.get(p + "latencyMs.p99"), results.get(p + "latencyMs.max"),
                    results.get("survivor." + name + ".cpuCores"), results.get("machine." + name + ".busyCores"),
                    results.get("gen." + name + ".eventLoopLagMs.max"));
        }
    }

    /** A 50 ms timer on each of the generator's event loops, recording how late it fires. */
    void startLagProbes() {
        for (int i = 0; i < 2; i++) {
            Context ctx = vertx.getOrCreateContext();
            ctx.runOnContext(v -> {
                long[] last = {System.nanoTime()};
                vertx.setPeriodic(50, id -> {
                    long now = System.nanoTime();
                    lag.recordValue(Math.max(1, (now - last[0] - 50_000_000L) / 1000));
                    last[0] = now;
                });
            });
        }
    }

    /** Busy CPU ticks of the whole machine (user, nice, system, irq, softirq, steal), from /proc/stat. */
    static long machineTicks() {
        try {
            String[] f = Files.readAllLines(Path.of("/proc/stat")).get(0).trim().split("\\s+");
            return Long.parseLong(f[1]) + Long.parseLong(f[2]) + Long.parseLong(f[3]) + Long.parseLong(f[6])
                    + Long.parseLong(f[7]) + Long.parseLong(f[8]);
        } catch (IOException | RuntimeException e) {
            return 0;
        }
    }

    static String loadavg() {
        try {
            return Files.readString(Path.of("/proc/loadavg")).trim().split(" ")[0];
        } catch (IOException e) {
            return "?";
        }
    }

    // ---- accounting ---------------------------------------------------------------------------

    record Accounting(long lost, long lostMoved, long clientsWithGaps, long uncertain, long uncertainReceived) {}

    /** True once every ready client has received the last certain notification of its key. */
    boolean drained() {
        for (Client c : all) {
            synchronized (c) {
                if (c.ended && !c.moving) {
                    continue; // counted as an unexpected end; its gaps are counted below
                }
                long last = lastCertain(c.key);
                if (last >= 0 && c.maxSeq < last) {
                    return false;
                }
            }
        }
        return true;
    }

    long lastCertain(int key) {
        synchronized (uncertain[key]) {
            for (long s = nextSeq.get(key) - 1; s >= 0; s--) {
                if (!uncertain[key].get((int) s)) {
                    return s;
                }
            }
        }
        return -1;
    }

    /** Per client: every certain sequence number of its key from its first one up to the last published must have arrived. */
    Accounting account() {
        long lost = 0;
        long lostMoved = 0;
        long withGaps = 0;
        long uncertainReceived = 0;
        long uncertainCount = 0;
        for (int k = 0; k < keys; k++) {
            uncertainCount += uncertain[k].cardinality();
        }
        for (Client c : all) {
            synchronized (c) {
                if (c.firstSeq < 0) {
                    continue;
                }
                long end = nextSeq.get(c.key);
                long missing = 0;
                for (long s = c.firstSeq; s < end; s++) {
                    boolean u = uncertain[c.key].get((int) s);
                    boolean got = c.seen.get((int) s);
                    if (u && got) {
                        uncertainReceived++;
                    } else if (!u && !got) {
                        missing++;
                    }
                }
                lost += missing;
                if (c.moving) {
                    lostMoved += missing;
                }
                withGaps += missing > 0 ? 1 : 0;
                if (missing > 0 && withGaps <= 5) {
                    System.err.printf("u%d (k%d, %s): %d missing between %d and %d%n", c.index, c.key,
                            c.moving ? "moved" : "stayed", missing, c.firstSeq, end - 1);
                }
            }
        }
        return new Accounting(lost, lostMoved, withGaps, uncertainCount, uncertainReceived);
    }

    // ---- helpers ------------------------------------------------------------------------------

    /** Polls a condition until it holds or the timeout passes; true if it held. */
    boolean waitFor(String what, int timeoutSeconds, java.util.function.BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(timeoutSeconds);
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                log("timed out after %d s waiting until %s", timeoutSeconds, what);
                return false;
            }
            Thread.sleep(20);
        }
        return true;
    }

    void putMs(String prefix, Histogram h, boolean micros) {
        double unit = micros ? 1000.0 : 1.0;
        put(prefix + ".count", h.getTotalCount());
        put(prefix + ".p50", fmt(h.getValueAtPercentile(50) / unit));
        put(prefix + ".p99", fmt(h.getValueAtPercentile(99) / unit));
        put(prefix + ".max", fmt(h.getMaxValue() / unit));
    }

    void put(String k, Object v) {
        results.put(k, String.valueOf(v));
    }

    static String fmt(double d) {
        return String.format(Locale.ROOT, "%.3f", d);
    }

    void log(String format, Object... args) {
        System.out.printf("[failover %s] %s%n", label, String.format(Locale.ROOT, format, args));
        System.out.flush();
    }

    void write() throws IOException {
        if (out != null) {
            Files.createDirectories(out.toAbsolutePath().getParent());
            try (Writer w = Files.newBufferedWriter(out)) {
                for (Map.Entry<String, String> e : results.entrySet()) {
                    w.write(e.getKey() + "=" + e.getValue() + "\n");
                }
            }
        }
        if (report != null) {
            Files.writeString(report, report(results), StandardCharsets.UTF_8);
        }
    }

    /** The Markdown table of one run's figures. */
    static String report(Map<String, String> r) {
        StringBuilder b = new StringBuilder("### failover (").append(r.get("clients.wanted")).append(" clients, ")
                .append(r.get("keys")).append(" keys, feed type, 2 replicas on Kafka, ").append(r.get("rate"))
                .append(" notifies/s, replica 1 killed with kill -9, reconnect jitter ").append(r.get("jitterMs"))
                .append(" ms")
                .append("true".equals(r.get("reconnectWithCursor")) ? "" : "; CONTROL RUN: reconnects without Last-Event-ID")
                .append(")\n\n| figure | value |\n|---|---:|\n");
        String[][] rows = {
                {"clients on the killed replica / moved / recovered", "clients.onKilled", "clients.moved", "recovered"},
                {"kill → every moved client recovered and live, s", "storm.seconds"},
                {"kill → recovered per client, ms p50 / p99 / max", "moved.killToRecoveredMs.p50", "moved.killToRecoveredMs.p99",
                        "moved.killToRecoveredMs.max"},
                {"reconnect sent → recovered per client, ms p50 / p99 / max", "moved.reconnectToRecoveredMs.p50",
                        "moved.reconnectToRecoveredMs.p99", "moved.reconnectToRecoveredMs.max"},
                {"reconnect sent → caught up (all published before it), ms p50 / p99 / max", "moved.reconnectToCaughtUpMs.p50",
                        "moved.reconnectToCaughtUpMs.p99", "moved.reconnectToCaughtUpMs.max"},
                {"kill → stream end noticed, ms p50 / max", "moved.noticedEndMs.p50", "moved.noticedEndMs.max"},
                {"reconnects / refused / failed to connect", "reconnects", "reconnects.refused", "reconnects.connectFailures"},
                {"moved clients' deliveries on the new stream published before they reconnected", "moved.replayedDeliveries"},
                {"notifications lost (all clients / moved clients)", "lost", "lost.movedClients"},
                {"duplicates", "duplicates"},
                {"reorders", "reorders"},
                {"event: missed", "missedEvents"},
                {"streams of unmoved clients that ended", "streams.endedUnexpectedly"},
                {"notifies / failed on the killed replica / failed on the survivor (5xx)", "notifies", "notifies.failedOnKilled",
                        "notifies.failedOnSurvivor", "notifies.survivor5xx"},
                {"notifies whose outcome is unknown (killed in flight) / deliveries of them", "uncertain.notifies",
                        "uncertain.received"},
                {"survivor's own clients, latency ms before the kill p50 / p99 / max", "own.calm.latencyMs.p50",
                        "own.calm.latencyMs.p99", "own.calm.latencyMs.max"},
                {"survivor's own clients, latency ms during the storm p50 / p99 / max", "own.storm.latencyMs.p50",
                        "own.storm.latencyMs.p99", "own.storm.latencyMs.max"},
                {"survivor's own clients, latency ms after the storm p50 / p99 / max", "own.after.latencyMs.p50",
                        "own.after.latencyMs.p99", "own.after.latencyMs.max"},
                {"moved clients, live latency ms after the storm p50 / p99 / max", "moved.after.latencyMs.p50",
                        "moved.after.latencyMs.p99", "moved.after.latencyMs.max"},
                {"notifies/s achieved: before / storm / after", "calm.notifiesPerSec", "storm.notifiesPerSec",
                        "after.notifiesPerSec"},
                {"notifies not sent: the rate more than 1 s behind (every key's notify in flight)", "notifies.notSentBehindRate"},
                {"survivor CPU, cores: before / storm / after", "survivor.calm.cpuCores", "survivor.storm.cpuCores",
                        "survivor.after.cpuCores"},
                {"whole machine busy, cores of 2: before / storm / after", "machine.calm.busyCores", "machine.storm.busyCores",
                        "machine.after.busyCores"},
                {"load generator event-loop lag, ms max: before / storm / after", "gen.calm.eventLoopLagMs.max",
                        "gen.storm.eventLoopLagMs.max", "gen.after.eventLoopLagMs.max"},
        };
        for (String[] row : rows) {
            b.append("| ").append(row[0]).append(" | ");
            for (int i = 1; i < row.length; i++) {
                b.append(i > 1 ? " / " : "").append(r.getOrDefault(row[i], "—"));
            }
            b.append(" |\n");
        }
        if (!r.getOrDefault("missedSamples", "").isEmpty()) {
            b.append("\n`event: missed` received: ").append(r.get("missedSamples")).append('\n');
        }
        b.append('\n');
        return b.toString();
    }
}
