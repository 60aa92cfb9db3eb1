package dev.tidings.kafka;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import dev.tidings.kafka.testing.KafkaBroker;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.RecordsToDelete;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Reading a partition back for recoveries, against a real broker: each recovery gets exactly the
 * records on its keys in its own range, and recoveries that wait on one partition share one read.
 */
class LogReaderTest {

    private static final Duration WAIT = Duration.ofSeconds(30);
    private static final String[] KEYS = {"k0", "k1", "k2", "k3", "k4"};

    private final String topic = "log-reader-" + UUID.randomUUID();
    private final TopicPartition p0 = new TopicPartition(topic, 0);
    private final TopicPartition p1 = new TopicPartition(topic, 1);
    /** The reader's one thread, held by the test until every recovery has asked. */
    private final ThreadPoolExecutor thread = new ThreadPoolExecutor(1, 1, 0, TimeUnit.SECONDS, new LinkedBlockingQueue<>());
    private final CountDownLatch release = new CountDownLatch(1);
    private Admin admin;
    private LogReader reader;

    @BeforeEach
    void topicWithRecords() throws Exception {
        String servers = KafkaBroker.shared().bootstrapServers();
        admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, servers));
        admin.createTopics(List.of(new NewTopic(topic, 2, (short) 1))).all().get(30, TimeUnit.SECONDS);
        try (KafkaProducer<String, String> producer = new KafkaProducer<>(Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, servers),
                new StringSerializer(), new StringSerializer())) {
            for (int i = 0; i < 200; i++) { // offsets 0-199 of partition 0, keys round-robin
                producer.send(new ProducerRecord<>(topic, 0, KEYS[i % KEYS.length], "v" + i)).get(30, TimeUnit.SECONDS);
            }
            for (int i = 0; i < 20; i++) {
                producer.send(new ProducerRecord<>(topic, 1, KEYS[i % KEYS.length], "w" + i)).get(30, TimeUnit.SECONDS);
            }
        }
        reader = new LogReader(Map.of(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, servers,
                ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false"), "log-reader-test", WAIT, thread);
        thread.execute(() -> {
            try {
                release.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
    }

    @AfterEach
    void close() throws Exception {
        release.countDown();
        reader.close();
        admin.deleteTopics(List.of(topic)).all().get(30, TimeUnit.SECONDS);
        admin.close();
    }

    /** What a recovery of {@code keys} after {@code afterOffset} up to {@code upTo} must get from partition 0. */
    private static List<String> expected(long afterOffset, long upTo, Set<String> keys) {
        List<String> out = new ArrayList<>();
        for (long o = afterOffset + 1; o <= upTo; o++) {
            String key = KEYS[(int) (o % KEYS.length)];
            if (keys.contains(key)) {
                out.add(o + ":" + key + "=v" + o);
            }
        }
        return out;
    }

    private static List<String> got(CompletableFuture<LogReader.Read> read) throws Exception {
        List<String> out = new ArrayList<>();
        for (ConsumerRecord<byte[], byte[]> r : read.get(WAIT.toSeconds(), TimeUnit.SECONDS).records()) {
            out.add(r.offset() + ":" + new String(r.key(), StandardCharsets.UTF_8) + "=" + new String(r.value(), StandardCharsets.UTF_8));
        }
        return out;
    }

    @Test
    void recoveriesWaitingOnOnePartitionShareOneReadAndEachGetsOnlyItsOwnRangeAndKeys() throws Exception {
        List<CompletableFuture<LogReader.Read>> reads = new ArrayList<>();
        List<List<String>> wanted = new ArrayList<>();
        for (int i = 0; i < 30; i++) {
            long after = i * 5L - 1; // -1 (from the start) to 144
            long upTo = 150 + i;
            Set<String> keys = i % 3 == 0 ? Set.of(KEYS[i % KEYS.length]) : Set.of(KEYS[i % KEYS.length], KEYS[(i + 2) % KEYS.length]);
            reads.add(reader.read(p0, after, upTo, keys).toCompletableFuture());
            wanted.add(expected(after, upTo, keys));
        }
        CompletableFuture<LogReader.Read> other = reader.read(p1, 9, 19, Set.of("k0")).toCompletableFuture();

        assertEquals(2, thread.getQueue().size(), "one read queued per partition for 31 recoveries");
        release.countDown();

        for (int i = 0; i < reads.size(); i++) {
            assertEquals(wanted.get(i), got(reads.get(i)), "recovery " + i);
        }
        assertEquals(List.of("10:k0=w10", "15:k0=w15"), got(other));
    }

    @Test
    void recoveriesNearerTheEndAreServedBeforeOnesFarBehindThatShareTheirRead() throws Exception {
        CompletableFuture<LogReader.Read> farBehind = reader.read(p0, -1, 199, Set.of("k3")).toCompletableFuture();
        CompletableFuture<LogReader.Read> nearEnd = reader.read(p0, 170, 199, Set.of("k3")).toCompletableFuture();
        // runs on the reader's thread as the near one completes, so it sees whether the far one had to be read first
        CompletableFuture<Boolean> farDoneFirst = nearEnd.thenApply(read -> farBehind.isDone());
        assertEquals(1, thread.getQueue().size());
        release.countDown();

        assertEquals(expected(170, 199, Set.of("k3")), got(nearEnd));
        assertEquals(false, farDoneFirst.get(WAIT.toSeconds(), TimeUnit.SECONDS), "the near recovery waited for the far one");
        assertEquals(expected(-1, 199, Set.of("k3")), got(farBehind));
    }

    /** Keys whose reading throws {@code failure}: a read that goes wrong where the test wants it. */
    private static Set<String> poison(java.util.function.Supplier<Throwable> failure) {
        return new java.util.AbstractSet<>() {
            @Override
            public java.util.Iterator<String> iterator() {
                Throwable t = failure.get();
                if (t instanceof Error e) {
                    throw e;
                }
                throw (RuntimeException) t;
            }

            @Override
            public int size() {
                return 1;
            }
        };
    }

    private static void assertFailedWith(String message, CompletableFuture<LogReader.Read> read) {
        java.util.concurrent.ExecutionException failed = org.junit.jupiter.api.Assertions.assertThrows(
                java.util.concurrent.ExecutionException.class, () -> read.get(WAIT.toSeconds(), TimeUnit.SECONDS));
        assertEquals(message, failed.getCause().getMessage());
    }

    @Test
    void aReadThatDiesFailsEveryRecoveryItServesAndTheNextReadWorks() throws Exception {
        // an Error, not an exception a read expects
        CompletableFuture<LogReader.Read> poisoned =
                reader.read(p0, 150, 199, poison(() -> new AssertionError("a read that dies"))).toCompletableFuture();
        CompletableFuture<LogReader.Read> sameBand = reader.read(p0, 160, 199, Set.of("k1")).toCompletableFuture();
        release.countDown();

        assertFailedWith("a read that dies", poisoned);
        assertFailedWith("a read that dies", sameBand);
        assertEquals(expected(100, 199, Set.of("k2")), got(reader.read(p0, 100, 199, Set.of("k2")).toCompletableFuture()));
    }

    @Test
    void aBandThatFailsFailsTheBandsFurtherBehindButNotThoseNearer() throws Exception {
        CompletableFuture<LogReader.Read> nearer = reader.read(p0, 190, 199, Set.of("k0")).toCompletableFuture(); // 9 behind
        CompletableFuture<LogReader.Read> failing =
                reader.read(p0, 150, 199, poison(() -> new IllegalStateException("broker away"))).toCompletableFuture(); // 49
        CompletableFuture<LogReader.Read> further = reader.read(p0, -1, 199, Set.of("k0")).toCompletableFuture(); // 200
        release.countDown();

        assertEquals(expected(190, 199, Set.of("k0")), got(nearer));
        assertFailedWith("broker away", failing);
        assertFailedWith("broker away", further);
    }

    @Test
    void consecutiveRecoveriesOfOnePartitionAreEachServed() throws Exception {
        release.countDown();
        assertEquals(expected(-1, 199, Set.of("k1")), got(reader.read(p0, -1, 199, Set.of("k1")).toCompletableFuture()));
        assertEquals(expected(100, 120, Set.of("k2", "k3")),
                got(reader.read(p0, 100, 120, Set.of("k2", "k3")).toCompletableFuture()));
    }

    @Test
    void aRecoveryOlderThanTheLogIsToldSoWhileTheOthersSharingItsReadAreServed() throws Exception {
        admin.deleteRecords(Map.of(p0, RecordsToDelete.beforeOffset(50))).all().get(30, TimeUnit.SECONDS);

        CompletableFuture<LogReader.Read> tooOld = reader.read(p0, 10, 199, Set.of("k0")).toCompletableFuture();
        CompletableFuture<LogReader.Read> fromTheStart = reader.read(p0, 49, 80, Set.of("k0")).toCompletableFuture();
        CompletableFuture<LogReader.Read> later = reader.read(p0, 150, 199, Set.of("k4")).toCompletableFuture();
        assertEquals(1, thread.getQueue().size());
        release.countDown();

        assertNull(tooOld.get(WAIT.toSeconds(), TimeUnit.SECONDS).records(), "past retention");
        assertEquals(expected(49, 80, Set.of("k0")), got(fromTheStart));
        assertEquals(expected(150, 199, Set.of("k4")), got(later));
    }
}
