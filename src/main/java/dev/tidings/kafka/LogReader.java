package dev.tidings.kafka;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.jboss.logging.Logger;

/**
 * Reads records back from the broker for recoveries that the in-memory tails cannot serve (a
 * cursor older than {@code tidings.kafka.recovery.tail-records} records of its partition). One
 * plain consumer on one thread of its own, shared by every recovery and used one request at a
 * time: a storm of reconnecting clients costs the broker one reader per replica, not one per
 * client, and never an event loop.
 */
final class LogReader {

    private static final Logger LOG = Logger.getLogger(LogReader.class);
    private static final Duration POLL = Duration.ofMillis(200);

    /** The records asked for, or null when the partition no longer holds the first of them (retention). */
    record Read(List<ConsumerRecord<byte[], byte[]>> records) {}

    private final Map<String, Object> properties;
    private final Duration timeout;
    private final ExecutorService thread;
    private KafkaConsumer<byte[], byte[]> consumer; // on the thread only

    /** @param consumerProperties the broadcast consumer's properties (no group, no commits) */
    LogReader(Map<String, Object> consumerProperties, String clientId, Duration timeout) {
        this.properties = new HashMap<>(consumerProperties);
        properties.put(ConsumerConfig.CLIENT_ID_CONFIG, clientId + "-recovery");
        this.timeout = timeout;
        this.thread = Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, "tidings-kafka-recovery");
            t.setDaemon(true);
            return t;
        });
    }

    /**
     * The records of {@code tp} on {@code keys} after {@code afterOffset} up to {@code upTo}
     * (inclusive), in offset order; {@code Read(null)} when the log starts after
     * {@code afterOffset + 1} (retention took them). Records on other keys are let go as they are
     * read. Fails after {@code tidings.kafka.recovery.read-timeout}.
     */
    CompletionStage<Read> read(TopicPartition tp, long afterOffset, long upTo, Set<String> keys) {
        CompletableFuture<Read> result = new CompletableFuture<>();
        thread.execute(() -> {
            try {
                result.complete(readNow(tp, afterOffset, upTo, keys));
            } catch (RuntimeException e) {
                LOG.debugf("reading %s after %d back failed: %s", tp, afterOffset, e);
                result.completeExceptionally(e);
            }
        });
        return result;
    }

    private Read readNow(TopicPartition tp, long afterOffset, long upTo, Set<String> keys) {
        if (consumer == null) {
            consumer = new KafkaConsumer<>(properties, new ByteArrayDeserializer(), new ByteArrayDeserializer());
        }
        KafkaConsumer<byte[], byte[]> c = consumer;
        c.assign(List.of(tp));
        long begin = c.beginningOffsets(List.of(tp), timeout).get(tp);
        if (afterOffset + 1 < begin) {
            return new Read(null);
        }
        c.seek(tp, afterOffset + 1);
        List<ConsumerRecord<byte[], byte[]>> out = new ArrayList<>();
        long deadline = System.nanoTime() + timeout.toNanos();
        // offsets may skip (compaction, transaction markers): the position tells how far it got
        while (c.position(tp, timeout) <= upTo) {
            if (System.nanoTime() - deadline > 0) {
                throw new IllegalStateException("reading " + tp + " back took longer than " + timeout);
            }
            for (ConsumerRecord<byte[], byte[]> r : c.poll(POLL).records(tp)) {
                String key = r.offset() <= upTo ? RecordCodec.key(r) : null;
                if (key != null && keys.contains(key)) {
                    out.add(r);
                }
            }
        }
        return new Read(out);
    }

    void close() {
        thread.execute(() -> {
            if (consumer != null) {
                consumer.close(Duration.ofSeconds(1));
            }
        });
        thread.shutdown();
        try {
            thread.awaitTermination(2, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
