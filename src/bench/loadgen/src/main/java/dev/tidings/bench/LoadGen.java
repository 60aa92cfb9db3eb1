package dev.tidings.bench;

import io.vertx.core.AbstractVerticle;
import io.vertx.core.Context;
import io.vertx.core.DeploymentOptions;
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
import java.io.InputStream;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.HdrHistogram.Histogram;
import org.HdrHistogram.Recorder;

/**
 * The benchmark's load generator. Opens N Server-Sent Events clients over K keys against Tidings
 * or nginx + Nchan (the same clients, keys and rates for both), measures the server while they are
 * idle (heap after GC, RSS), then runs load phases and reports deliveries per second,
 * notify→delivery latency (from a timestamp inside each notification), CPU seconds per 100k
 * deliveries, deliveries lost, and its own CPU.
 *
 * <p>Every notification carries {@code #t<nanoTime>#s<seq>#}; sequence numbers are per key, so each
 * client checks that it sees its key's notifications gap-free and in order. At most one publish
 * per key is in flight, so any reordering is the server's.
 *
 * <p>Phases: {@code rate:<notifies/s>:<seconds>} publishes at a fixed rate; {@code max:<seconds>}
 * publishes as fast as the server delivers: a closed loop that keeps at most {@code --window}
 * notifications' worth of deliveries outstanding (published but not yet received), so a lossless
 * server is never pushed into dropping.
 */
public final class LoadGen {

    // ---- options ------------------------------------------------------------------------------

    String target = "tidings";          // tidings | nchan
    String host = "127.0.0.1";
    int port = 8080;
    int[] ports;                         // several replicas: clients and notifies alternate over them
    String type = "feed";               // tidings type: feed (simple) or chat (prepare)
    int clients = 1000;
    int keys = 100;
    int tabs = 1;                       // tabs per identity (chat); an identity's tabs share a key
    List<String> sources = List.of("127.0.0.1");
    List<String> phases = new ArrayList<>();
    List<Integer> serverPids = new ArrayList<>();
    int jvmPid = -1;
    Path out;
    int window = 64;
    int connectConcurrency = 200;
    int pubConnections = 16;
    int eventLoops = 2;
    int settleSeconds = 3;
    int warmupSeconds = 0;
    String label = "";

    // ---- state --------------------------------------------------------------------------------

    Vertx vertx;
    final List<Client> all = new ArrayList<>();
    int[] listeners;                     // held clients per key
    long[] nextSeq;                      // per key
    boolean[] busy;                      // a publish in flight on the key (publisher context only)
    final AtomicInteger held = new AtomicInteger();
    final AtomicInteger failed = new AtomicInteger();
    final AtomicInteger dropped = new AtomicInteger();
    final LongAdder received = new LongAdder();
    final LongAdder gaps = new LongAdder();
    final LongAdder reorders = new LongAdder();
    final AtomicLong lastReceipt = new AtomicLong();
    volatile boolean checking;           // sequence checks on (off while warming up)
    volatile Recorder recorder = new Recorder(3);
    /** From a publish request's send to its answer (202). */
    final Recorder publishRecorder = new Recorder(3);
    /** From deciding to publish to the request's send: the wait for a pooled connection, this generator's own queue. */
    final Recorder queueRecorder = new Recorder(3);
    final Map<String, String> results = new LinkedHashMap<>();

    /** One SSE client. Touched only by its event loop once connected. */
    final class Client {
        final int key;
        final String identity;
        NetSocket socket;
        boolean headers;
        boolean closed;
        // the #t…#s…# scanner
        int state;
        long t;
        long s;
        long lastSeq = -1;
        long got;
        Semaphore permit;

        Client(int key, String identity) {
            this.key = key;
            this.identity = identity;
        }

        void onData(Buffer b) {
            int n = b.length();
            int i = 0;
            if (!headers) {
                String head = b.getString(0, Math.min(n, 16), "US-ASCII");
                if (!head.startsWith("HTTP/1.1 200")) {
                    failed.incrementAndGet();
                    System.err.println("stream refused: " + b.getString(0, Math.min(n, 300)));
                    closed = true;
                    socket.close();
                    permit.release();
                    return;
                }
                headers = true;
                held.incrementAndGet();
                permit.release();
            }
            for (; i < n; i++) {
                byte c = b.getByte(i);
                switch (state) {
                    case 0 -> { if (c == '#') state = 1; }
                    case 1 -> { if (c == 't') { state = 2; t = 0; } else state = c == '#' ? 1 : 0; }
                    case 2 -> {
                        if (c >= '0' && c <= '9') t = t * 10 + (c - '0');
                        else state = c == '#' ? 3 : 0;
                    }
                    case 3 -> { if (c == 's') { state = 4; s = 0; } else state = c == '#' ? 1 : 0; }
                    case 4 -> {
                        if (c >= '0' && c <= '9') s = s * 10 + (c - '0');
                        else if (c == '#') { state = 0; delivered(this, t, s); }
                        else state = 0;
                    }
                    default -> state = 0;
                }
            }
        }
    }

    void delivered(Client c, long sentNanos, long seq) {
        long now = System.nanoTime();
        if (checking) {
            if (c.lastSeq >= 0 && seq != c.lastSeq + 1) {
                if (seq <= c.lastSeq) {
                    reorders.increment();
                } else {
                    gaps.add(seq - c.lastSeq - 1);
                }
            }
            recorder.recordValue(Math.max(1, (now - sentNanos) / 1000));
        }
        c.lastSeq = Math.max(c.lastSeq, seq);
        c.got++;
        received.increment();
        lastReceipt.lazySet(now);
    }

    // ---- main ---------------------------------------------------------------------------------

    public static void main(String[] args) throws Exception {
        if (args.length > 0 && args[0].equals("drop")) {
            System.exit(Drop.run(Arrays.copyOfRange(args, 1, args.length)));
        }
        if (args.length > 0 && args[0].equals("failover")) {
            System.exit(Failover.run(Arrays.copyOfRange(args, 1, args.length)));
        }
        if (args.length > 0 && args[0].equals("compare")) {
            Compare.main(Arrays.copyOfRange(args, 1, args.length));
            return;
        }
        LoadGen g = new LoadGen();
        g.parse(args);
        int code = g.run();
        System.exit(code);
    }

    void parse(String[] args) {
        for (int i = 0; i < args.length; i++) {
            String a = args[i];
            String v = i + 1 < args.length ? args[i + 1] : null;
            switch (a) {
                case "--target" -> target = v;
                case "--host" -> host = v;
                case "--port" -> port = Integer.parseInt(v);
                case "--ports" -> ports = Arrays.stream(v.split(",")).mapToInt(Integer::parseInt).toArray();
                case "--type" -> type = v;
                case "--clients" -> clients = Integer.parseInt(v);
                case "--keys" -> keys = Integer.parseInt(v);
                case "--tabs" -> tabs = Integer.parseInt(v);
                case "--sources" -> sources = List.of(v.split(","));
                case "--phase" -> phases.add(v);
                case "--server-pids" -> { for (String p : v.split(",")) serverPids.add(Integer.parseInt(p.trim())); }
                case "--jvm-pid" -> jvmPid = Integer.parseInt(v);
                case "--out" -> out = Path.of(v);
                case "--window" -> window = Integer.parseInt(v);
                case "--connect-concurrency" -> connectConcurrency = Integer.parseInt(v);
                case "--pub-connections" -> pubConnections = Integer.parseInt(v);
                case "--event-loops" -> eventLoops = Integer.parseInt(v);
                case "--settle" -> settleSeconds = Integer.parseInt(v);
                case "--warmup" -> warmupSeconds = Integer.parseInt(v);
                case "--label" -> label = v;
                default -> throw new IllegalArgumentException("unknown option " + a);
            }
            i++;
        }
    }

    int run() throws Exception {
        if (ports == null) {
            ports = new int[] {port};
        }
        put("ports", Arrays.toString(ports));
        vertx = Vertx.vertx(new VertxOptions().setEventLoopPoolSize(eventLoops).setWorkerPoolSize(1)
                .setBlockedThreadCheckInterval(60_000));
        listeners = new int[keys];
        nextSeq = new long[keys];
        busy = new boolean[keys];
        put("target", target);
        put("label", label);
        put("type", type);
        put("clients.wanted", clients);
        put("keys", keys);
        put("tabs", tabs);
        put("sources", String.join(",", sources));
        try {
            long heap0 = heapAfterGc();
            long rss0 = rssKiB();
            long gen0 = cpuTicks(List.of(selfPid()));
            log("baseline: heap after GC %s KiB, RSS %d KiB", heap0 < 0 ? "n/a" : heap0, rss0);

            long t0 = System.nanoTime();
            connectAll();
            double connectSeconds = (System.nanoTime() - t0) / 1e9;
            log("held %d of %d clients in %.1f s (%d failed)", held.get(), clients, connectSeconds, failed.get());
            put("clients.held", held.get());
            put("clients.failed", failed.get());
            put("connect.seconds", fmt(connectSeconds));
            Thread.sleep(settleSeconds * 1000L);

            long heap1 = heapAfterGc();
            long rss1 = rssKiB();
            int n = Math.max(1, held.get());
            if (heap0 >= 0) {
                put("idle.heapKiB.before", heap0);
                put("idle.heapKiB.after", heap1);
                put("idle.heapPerClientKiB", fmt((heap1 - heap0) / (double) n));
            }
            put("idle.rssKiB.before", rss0);
            put("idle.rssKiB.after", rss1);
            put("idle.rssPerClientKiB", fmt((rss1 - rss0) / (double) n));
            log("idle: heap %s KiB/client, RSS %.2f KiB/client",
                    heap0 >= 0 ? fmt((heap1 - heap0) / (double) n) : "n/a", (rss1 - rss0) / (double) n);

            for (Client c : all) {
                if (c.headers && !c.closed) {
                    listeners[c.key]++;
                }
            }
            warmUp();
            if (warmupSeconds > 0) {
                runPhase("warmup:" + warmupSeconds); // JIT and caches; its figures are not reported
            }
            for (String phase : phases) {
                runPhase(phase);
            }
            put("clients.droppedByServer", dropped.get());
            put("gen.cpuSeconds.total", fmt((cpuTicks(List.of(selfPid())) - gen0) / 100.0));
        } finally {
            closeAll();
            write();
        }
        return 0;
    }

    // ---- clients ------------------------------------------------------------------------------

    /**
     * One context on each of {@code n} event loops. A connect from a non-Vert.x thread takes that
     * thread's one sticky context, and so puts every client on one event loop; clients connect from
     * these in turn instead.
     */
    static List<Context> eventLoopContexts(Vertx vertx, int n) throws Exception {
        List<Context> loops = Collections.synchronizedList(new ArrayList<>());
        vertx.deployVerticle(() -> new AbstractVerticle() {
            @Override
            public void start() {
                loops.add(context);
            }
        }, new DeploymentOptions().setInstances(n)).toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
        return loops;
    }

    void connectAll() throws Exception {
        List<Context> loops = eventLoopContexts(vertx, eventLoops);
        List<NetClient> nets = new ArrayList<>();
        for (String src : sources) {
            nets.add(vertx.createNetClient(new NetClientOptions().setLocalAddress(src).setConnectTimeout(15_000)
                    .setTcpNoDelay(true).setReceiveBufferSize(16 * 1024)));
        }
        Semaphore permits = new Semaphore(connectConcurrency);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(Math.max(60, clients / 100));
        for (int i = 0; i < clients; i++) {
            int identityIndex = i / tabs;
            Client c = new Client(identityIndex % keys, "u" + identityIndex);
            c.permit = permits;
            all.add(c);
            if (!permits.tryAcquire(Math.max(1, deadline - System.nanoTime()), TimeUnit.NANOSECONDS)) {
                log("connect deadline passed at %d clients", i);
                break;
            }
            NetClient net = nets.get(i % nets.size());
            byte[] request = request(c).getBytes(StandardCharsets.US_ASCII);
            int port = ports[i % ports.length];
            loops.get(i % loops.size()).runOnContext(go -> net.connect(port, host).onComplete(ar -> {
                if (ar.failed()) {
                    failed.incrementAndGet();
                    c.closed = true;
                    permits.release();
                    if (failed.get() < 5) {
                        System.err.println("connect failed: " + ar.cause());
                    }
                    return;
                }
                NetSocket s = ar.result();
                c.socket = s;
                s.handler(c::onData);
                s.closeHandler(v -> {
                    if (!c.closed) {
                        c.closed = true;
                        if (c.headers) {
                            dropped.incrementAndGet();
                        } else {
                            failed.incrementAndGet();
                            permits.release();
                        }
                    }
                });
                s.write(Buffer.buffer(request));
            }));
        }
        while (held.get() + failed.get() < all.size() && System.nanoTime() < deadline) {
            Thread.sleep(50);
        }
    }

    String request(Client c) {
        String path = target.equals("nchan")
                ? "/sub/k" + c.key
                : "/notif/stream?listen=" + type + ":k" + c.key + "&identity=" + c.identity;
        return "GET " + path + " HTTP/1.1\r\nHost: " + host + "\r\nAccept: text/event-stream\r\n\r\n";
    }

    void closeAll() throws InterruptedException {
        CountDownLatch done = new CountDownLatch(1);
        for (Client c : all) {
            if (c.socket != null) {
                c.closed = true;
                c.socket.close();
            }
        }
        vertx.close().onComplete(v -> done.countDown());
        done.await(20, TimeUnit.SECONDS);
    }

    // ---- publishing ---------------------------------------------------------------------------

    HttpClient http;
    Context pubCtx;

    long publishes;

    void publish(int key, Runnable after, boolean[] errorFlag, LongAdder errors) {
        int toPort = ports[(int) (publishes++ % ports.length)];
        long seq = nextSeq[key]++;
        busy[key] = true;
        String path = target.equals("nchan") ? "/pub/k" + key
                : type.equals("chat") ? "/notif/chat/notify" : "/notif/" + type + "/notify";
        RequestOptions ro = new RequestOptions().setMethod(HttpMethod.POST).setHost(host).setPort(toPort).setURI(path)
                .putHeader("Content-Type", "application/json");
        long decided = System.nanoTime();
        long[] sent = new long[1];
        // Stamped once a pooled connection takes the request: the wait for one is this generator's
        // own queue (16 connections, up to 64 notifications outstanding at max speed), not the server's.
        http.request(ro).compose(req -> {
                    sent[0] = System.nanoTime();
                    if (checking) {
                        queueRecorder.recordValue(Math.max(1, (sent[0] - decided) / 1000));
                    }
                    return req.send(Buffer.buffer(body(key, "#t" + sent[0] + "#s" + seq + "#")));
                })
                .compose(resp -> resp.body().map(b -> resp.statusCode()))
                .onComplete(ar -> {
                    busy[key] = false;
                    if (checking && sent[0] != 0) {
                        publishRecorder.recordValue(Math.max(1, (System.nanoTime() - sent[0]) / 1000));
                    }
                    if (ar.failed() || ar.result() / 100 != 2) {
                        errors.increment();
                        if (errors.sum() < 5) {
                            System.err.println("publish failed: " + (ar.failed() ? ar.cause() : ar.result()));
                        }
                    }
                    after.run();
                });
    }

    private String body(int key, String marker) {
        if (target.equals("nchan")) {
            return "{\"m\":\"" + marker + "\"}";
        } else if (type.equals("chat")) {
            return "{\"key\":\"k" + key + "\",\"notification\":{\"from\":\"bench\",\"text\":\"" + marker + "\"}}";
        }
        return "{\"key\":\"k" + key + "\",\"notification\":{\"m\":\"" + marker + "\"}}";
    }

    /** Publishes one notification on every key (repeatedly, up to 10 times) until every held client has one. */
    void warmUp() throws Exception {
        initPublisher();
        LongAdder errors = new LongAdder();
        for (int round = 0; round < 10; round++) {
            CountDownLatch sent = new CountDownLatch(keys);
            pubCtx.runOnContext(v -> {
                for (int k = 0; k < keys; k++) {
                    if (listeners[k] > 0) {
                        publish(k, sent::countDown, null, errors);
                    } else {
                        sent.countDown();
                    }
                }
            });
            sent.await(30, TimeUnit.SECONDS);
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
            while (System.nanoTime() < deadline && !allHaveOne()) {
                Thread.sleep(20);
            }
            if (allHaveOne()) {
                log("warm-up: every held client received a notification (round %d)", round + 1);
                put("warmup.rounds", round + 1);
                Thread.sleep(500);
                return;
            }
        }
        long missing = all.stream().filter(c -> c.headers && !c.closed && c.got == 0).count();
        log("warm-up: %d held clients never received a notification", missing);
        put("warmup.missing", missing);
    }

    boolean allHaveOne() {
        for (Client c : all) {
            if (c.headers && !c.closed && c.got == 0) {
                return false;
            }
        }
        return true;
    }

    void initPublisher() {
        if (http == null) {
            http = vertx.createHttpClient(new HttpClientOptions().setKeepAlive(true).setMaxPoolSize(pubConnections)
                    .setTcpNoDelay(true).setMaxWaitQueueSize(-1));
            pubCtx = vertx.getOrCreateContext();
        }
    }

    void runPhase(String spec) throws Exception {
        String[] parts = spec.split(":");
        boolean warmup = parts[0].equals("warmup");
        boolean max = parts[0].equals("max") || warmup;
        double rate = max ? 0 : Double.parseDouble(parts[1]);
        int seconds = Integer.parseInt(parts[max ? 1 : 2]);
        String name = warmup ? "warmup" : max ? "max" : "rate" + parts[1];
        long heldListeners = Arrays.stream(listeners).sum();
        double perKey = heldListeners / (double) keys;
        long windowDeliveries = Math.max(1, Math.round(window * perKey));

        checking = true;
        recorder.reset();
        publishRecorder.reset();
        queueRecorder.reset();
        long received0 = received.sum();
        long gaps0 = gaps.sum();
        long reorders0 = reorders.sum();
        long server0 = cpuTicks(serverPids);
        Map<String, Long> threads0 = threadTicks(serverPids);
        long gen0 = cpuTicks(List.of(selfPid()));
        AtomicLong expected = new AtomicLong();
        AtomicLong notifies = new AtomicLong();
        LongAdder errors = new LongAdder();
        long start = System.nanoTime();
        long end = start + TimeUnit.SECONDS.toNanos(seconds);
        CountDownLatch stopped = new CountDownLatch(1);
        int[] cursor = {0};
        Runnable[] pump = new Runnable[1];
        pump[0] = () -> {
            long now = System.nanoTime();
            if (now >= end) {
                return;
            }
            for (int tries = 0; ; ) {
                if (max) {
                    if (expected.get() - (received.sum() - received0) >= windowDeliveries) {
                        return;
                    }
                } else if (notifies.get() >= (long) (rate * (now - start) / 1e9)) {
                    return;
                }
                int k = cursor[0];
                while ((busy[k] || listeners[k] == 0) && tries < keys) {
                    k = (k + 1) % keys;
                    tries++;
                }
                if (tries >= keys) {
                    return;
                }
                cursor[0] = (k + 1) % keys;
                notifies.incrementAndGet();
                expected.addAndGet(listeners[k]);
                publish(k, pump[0], null, errors);
            }
        };
        pubCtx.runOnContext(v -> {
            long timer = vertx.setPeriodic(1, id -> pump[0].run());
            vertx.setTimer(Math.max(1, TimeUnit.NANOSECONDS.toMillis(end - System.nanoTime()) + 1), id -> {
                vertx.cancelTimer(timer);
                stopped.countDown();
            });
            pump[0].run();
        });
        stopped.await(seconds + 30L, TimeUnit.SECONDS);
        // let every delivery arrive (or time out): a lossless server reaches expected
        long drainDeadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(15);
        while (System.nanoTime() < drainDeadline && received.sum() - received0 < expected.get()) {
            Thread.sleep(10);
        }
        Thread.sleep(200);
        long got = received.sum() - received0;
        long lastAt = lastReceipt.get();
        double elapsed = (Math.max(lastAt, end) - start) / 1e9;
        if (!max) {
            elapsed = seconds; // a fixed rate: deliveries per second over the phase
        }
        long serverTicks = cpuTicks(serverPids) - server0;
        Map<String, Long> threads1 = threadTicks(serverPids);
        StringBuilder byThread = new StringBuilder();
        threads1.entrySet().stream()
                .map(e -> Map.entry(e.getKey(), e.getValue() - threads0.getOrDefault(e.getKey(), 0L)))
                .filter(e -> e.getValue() > 0)
                .sorted((a, b) -> Long.compare(b.getValue(), a.getValue()))
                .limit(8)
                .forEach(e -> byThread.append(byThread.length() == 0 ? "" : ", ").append(e.getKey()).append(' ')
                        .append(fmt(e.getValue() / 100.0)));
        long genTicks = cpuTicks(List.of(selfPid())) - gen0;
        Histogram h = recorder.getIntervalHistogram();
        Histogram ph = publishRecorder.getIntervalHistogram();
        Histogram qh = queueRecorder.getIntervalHistogram();
        String p = warmup ? "warmup." : "phase." + name + ".";
        put(p + "seconds", seconds);
        put(p + "notifies", notifies.get());
        put(p + "publishErrors", errors.sum());
        put(p + "deliveries", got);
        put(p + "deliveriesExpected", expected.get());
        put(p + "lost", Math.max(0, expected.get() - got));
        put(p + "gaps", gaps.sum() - gaps0);
        put(p + "reorders", reorders.sum() - reorders0);
        put(p + "deliveriesPerSec", Math.round(got / elapsed));
        put(p + "latencyMs.p50", fmt(h.getValueAtPercentile(50) / 1000.0));
        put(p + "latencyMs.p99", fmt(h.getValueAtPercentile(99) / 1000.0));
        put(p + "latencyMs.p999", fmt(h.getValueAtPercentile(99.9) / 1000.0));
        put(p + "latencyMs.max", fmt(h.getMaxValue() / 1000.0));
        put(p + "publishMs.p50", fmt(ph.getValueAtPercentile(50) / 1000.0));
        put(p + "publishMs.p99", fmt(ph.getValueAtPercentile(99) / 1000.0));
        put(p + "publishMs.max", fmt(ph.getMaxValue() / 1000.0));
        put(p + "publishQueueMs.p50", fmt(qh.getValueAtPercentile(50) / 1000.0));
        put(p + "publishQueueMs.p99", fmt(qh.getValueAtPercentile(99) / 1000.0));
        put(p + "publishQueueMs.max", fmt(qh.getMaxValue() / 1000.0));
        put(p + "server.cpuSeconds", fmt(serverTicks / 100.0));
        put(p + "server.cpuSecondsPer100k", fmt(got == 0 ? 0 : serverTicks / 100.0 / (got / 100_000.0)));
        put(p + "gen.cpuSeconds", fmt(genTicks / 100.0));
        put(p + "server.cpuSecondsByThread", byThread.toString());
        put(p + "gen.cpuSecondsPer100k", fmt(got == 0 ? 0 : genTicks / 100.0 / (got / 100_000.0)));
        log("%s: %d notifies, %d deliveries (%d expected, lost %d, gaps %d, reorders %d), %d/s, latency p50 %.2f p99 %.2f max %.2f ms, server CPU %.2f s (%.3f s/100k), generator CPU %.2f s",
                name, notifies.get(), got, expected.get(), Math.max(0, expected.get() - got), gaps.sum() - gaps0,
                reorders.sum() - reorders0, Math.round(got / elapsed), h.getValueAtPercentile(50) / 1000.0,
                h.getValueAtPercentile(99) / 1000.0, h.getMaxValue() / 1000.0, serverTicks / 100.0,
                got == 0 ? 0 : serverTicks / 100.0 / (got / 100_000.0), genTicks / 100.0);
        log("%s: server CPU by thread: %s", name, byThread);
    }

    // ---- measurements -------------------------------------------------------------------------

    static int selfPid() {
        return (int) ProcessHandle.current().pid();
    }

    /** utime + stime, in clock ticks (100/s), summed over the processes. */
    static long cpuTicks(List<Integer> pids) {
        long sum = 0;
        for (int pid : pids) {
            try {
                String stat = Files.readString(Path.of("/proc/" + pid + "/stat"));
                String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
                sum += Long.parseLong(f[11]) + Long.parseLong(f[12]);
            } catch (IOException | RuntimeException e) {
                // process gone
            }
        }
        return sum;
    }

    /** CPU ticks per thread name (digits folded), over the processes' threads. */
    static Map<String, Long> threadTicks(List<Integer> pids) {
        Map<String, Long> m = new java.util.TreeMap<>();
        for (int pid : pids) {
            java.io.File[] tasks = new java.io.File("/proc/" + pid + "/task").listFiles();
            if (tasks == null) {
                continue;
            }
            for (java.io.File t : tasks) {
                try {
                    String stat = Files.readString(t.toPath().resolve("stat"));
                    String name = stat.substring(stat.indexOf('(') + 1, stat.lastIndexOf(')')).replaceAll("[0-9]+", "N");
                    String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
                    m.merge(name, Long.parseLong(f[11]) + Long.parseLong(f[12]), Long::sum);
                } catch (IOException | RuntimeException e) {
                    // thread gone
                }
            }
        }
        return m;
    }

    long rssKiB() {
        long sum = 0;
        for (int pid : serverPids) {
            try {
                for (String line : Files.readAllLines(Path.of("/proc/" + pid + "/status"))) {
                    if (line.startsWith("VmRSS:")) {
                        sum += Long.parseLong(line.replaceAll("[^0-9]", ""));
                    }
                }
            } catch (IOException e) {
                // gone
            }
        }
        return sum;
    }

    private static final Pattern USED = Pattern.compile("used (\\d+)K");

    /** Heap in use after a full GC, KiB, through jcmd; -1 without a JVM to ask. */
    long heapAfterGc() throws Exception {
        if (jvmPid < 0) {
            return -1;
        }
        jcmd("GC.run");
        jcmd("GC.run");
        // G1: "garbage-first heap total …, used NK"; Parallel: "PSYoungGen total …, used NK" and
        // "ParOldGen total …, used NK". Metaspace lines come after and are not heap.
        long used = -1;
        for (String line : jcmd("GC.heap_info").split("\n")) {
            if (line.contains("Metaspace")) {
                break;
            }
            Matcher m = USED.matcher(line);
            if (line.contains("total") && m.find()) {
                used = Math.max(0, used) + Long.parseLong(m.group(1));
            }
        }
        return used;
    }

    String jcmd(String command) throws Exception {
        Process p = new ProcessBuilder("jcmd", Integer.toString(jvmPid), command).redirectErrorStream(true).start();
        try (InputStream in = p.getInputStream()) {
            String text = new String(in.readAllBytes(), StandardCharsets.UTF_8);
            p.waitFor(60, TimeUnit.SECONDS);
            return text;
        }
    }

    // ---- output -------------------------------------------------------------------------------

    void put(String k, Object v) {
        results.put(k, String.valueOf(v));
    }

    static String fmt(double d) {
        return String.format(java.util.Locale.ROOT, "%.3f", d);
    }

    void log(String format, Object... args) {
        System.out.printf("[%s %s] %s%n", target, label, String.format(java.util.Locale.ROOT, format, args));
        System.out.flush();
    }

    void write() throws IOException {
        if (out == null) {
            return;
        }
        Files.createDirectories(out.toAbsolutePath().getParent());
        try (Writer w = Files.newBufferedWriter(out)) {
            for (Map.Entry<String, String> e : results.entrySet()) {
                w.write(e.getKey() + "=" + e.getValue() + "\n");
            }
        }
    }
}
