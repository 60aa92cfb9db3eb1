package dev.tidings.bench;

import java.io.Writer;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/**
 * The drop scenario: how many records per second a replica reads and drops when nobody on it
 * listens on their keys.
 *
 * <p>The replica is positioned on the topic and ready. It is then stopped (SIGSTOP), the records
 * are written to the broker, and it is continued (SIGCONT): from then on it reads the backlog as
 * fast as it can, so the rate measured is the replica's, not the producer's. The clock runs from
 * SIGCONT until {@code noListener} in {@code /notif/stats} has grown by the number of records.
 *
 * <p>{@code drop --bootstrap <host:port> --topic <t> --records N --keys K --port <replica http>
 * --pid <replica pid> --out <file>}
 */
final class Drop {

    private static final Pattern NO_LISTENER = Pattern.compile("\"noListener\"\\s*:\\s*(\\d+)");

    static int run(String[] args) throws Exception {
        String bootstrap = "127.0.0.1:9092";
        String topic = "tidings.feed";
        long records = 5_000_000;
        int keys = 10_000;
        int port = 8080;
        int pid = -1;
        Path out = null;
        for (int i = 0; i + 1 < args.length; i += 2) {
            switch (args[i]) {
                case "--bootstrap" -> bootstrap = args[i + 1];
                case "--topic" -> topic = args[i + 1];
                case "--records" -> records = Long.parseLong(args[i + 1]);
                case "--keys" -> keys = Integer.parseInt(args[i + 1]);
                case "--port" -> port = Integer.parseInt(args[i + 1]);
                case "--pid" -> pid = Integer.parseInt(args[i + 1]);
                case "--out" -> out = Path.of(args[i + 1]);
                default -> throw new IllegalArgumentException("unknown option " + args[i]);
            }
        }
        Map<String, String> results = new LinkedHashMap<>();
        HttpClient http = HttpClient.newHttpClient();
        URI stats = URI.create("http://127.0.0.1:" + port + "/notif/stats");
        long base = noListener(http, stats);

        signal("STOP", pid);
        long produced;
        long p0 = System.nanoTime();
        try {
            produced = produce(bootstrap, topic, records, keys);
        } finally {
            signal("CONT", pid);
        }
        double produceSeconds = (System.nanoTime() - p0) / 1e9;
        long t0 = System.nanoTime();
        long cpu0 = LoadGen.cpuTicks(List.of(pid));
        long deadline = t0 + TimeUnit.SECONDS.toNanos(180);
        long seen = 0;
        long tReached = -1;
        while (System.nanoTime() < deadline) {
            seen = noListener(http, stats) - base;
            if (seen >= produced) {
                tReached = System.nanoTime();
                break;
            }
            Thread.sleep(20);
        }
        long cpu = LoadGen.cpuTicks(List.of(pid)) - cpu0;
        double seconds = ((tReached < 0 ? System.nanoTime() : tReached) - t0) / 1e9;
        results.put("records", Long.toString(produced));
        results.put("producer.seconds", fmt(produceSeconds));
        results.put("producer.recordsPerSec", Long.toString(Math.round(produced / produceSeconds)));
        results.put("dropped", Long.toString(seen));
        results.put("seconds", fmt(seconds));
        results.put("recordsPerSec", Long.toString(Math.round(seen / seconds)));
        results.put("server.cpuSeconds", fmt(cpu / 100.0));
        results.put("recordsPerCpuSecond", Long.toString(cpu == 0 ? 0 : Math.round(seen / (cpu / 100.0))));
        results.put("complete", Boolean.toString(tReached >= 0));
        System.out.printf(Locale.ROOT, "[drop] %d records written in %.1f s (%d/s); the replica read and dropped %d in %.2f s after SIGCONT: %d records/s, %.2f CPU s (%d records per CPU second)%n",
                produced, produceSeconds, Math.round(produced / produceSeconds), seen, seconds, Math.round(seen / seconds),
                cpu / 100.0, cpu == 0 ? 0 : Math.round(seen / (cpu / 100.0)));
        if (out != null) {
            try (Writer w = Files.newBufferedWriter(out)) {
                for (Map.Entry<String, String> e : results.entrySet()) {
                    w.write(e.getKey() + "=" + e.getValue() + "\n");
                }
            }
        }
        return tReached >= 0 ? 0 : 1;
    }

    /** Writes the records (keys k0…k(K-1) of the drop topic, ~70-byte JSON values); returns how many were acknowledged. */
    static long produce(String bootstrap, String topic, long records, int keys) throws Exception {
        Properties props = new Properties();
        props.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        props.put(ProducerConfig.ACKS_CONFIG, "1");
        props.put(ProducerConfig.LINGER_MS_CONFIG, "20");
        props.put(ProducerConfig.BATCH_SIZE_CONFIG, Integer.toString(512 * 1024));
        props.put(ProducerConfig.BUFFER_MEMORY_CONFIG, Long.toString(256L * 1024 * 1024));
        props.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "false");
        props.put(ProducerConfig.COMPRESSION_TYPE_CONFIG, "none");
        byte[][] keyBytes = new byte[keys][];
        for (int k = 0; k < keys; k++) {
            keyBytes[k] = ("drop-k" + k).getBytes(StandardCharsets.UTF_8);
        }
        java.util.concurrent.atomic.LongAdder failed = new java.util.concurrent.atomic.LongAdder();
        try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(props, new ByteArraySerializer(), new ByteArraySerializer())) {
            for (long i = 0; i < records; i++) {
                byte[] value = ("{\"m\":\"nobody listens here\",\"seq\":" + i + ",\"pad\":\"xxxxxxxxxxxxxxxxxxxx\"}")
                        .getBytes(StandardCharsets.UTF_8);
                producer.send(new ProducerRecord<>(topic, keyBytes[(int) (i % keys)], value), (md, e) -> {
                    if (e != null) {
                        failed.increment();
                    }
                });
            }
            producer.flush();
        }
        return records - failed.sum();
    }

    static long noListener(HttpClient http, URI stats) throws Exception {
        String body = http.send(HttpRequest.newBuilder(stats).timeout(Duration.ofSeconds(10)).build(),
                HttpResponse.BodyHandlers.ofString()).body();
        Matcher m = NO_LISTENER.matcher(body);
        if (!m.find()) {
            throw new IllegalStateException("no noListener counter in " + body);
        }
        return Long.parseLong(m.group(1));
    }

    static void signal(String signal, int pid) throws Exception {
        if (pid > 0) {
            new ProcessBuilder("kill", "-" + signal, Integer.toString(pid)).inheritIO().start().waitFor();
        }
    }

    static String fmt(double d) {
        return String.format(Locale.ROOT, "%.3f", d);
    }
}
