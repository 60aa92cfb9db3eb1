package dev.tidings.kafka;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetOutOfRangeException;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.jboss.logging.Logger;

/**
 * Reads records back from the broker for recoveries that the in-memory tails cannot serve (a
 * cursor older than {@code tidings.kafka.recovery.tail-records} records of its partition). One
 * plain consumer on one thread of its own, shared by every recovery and used one read at a time:
 * a storm of reconnecting clients costs the broker one reader per replica, not one per client,
 * and never an event loop.
 *
 * <p>Recoveries that wait on the same partition share one read. After every replica restarted,
 * each recovering client's cursor is older than the (empty) tails; read one by one, five thousand
 * clients would wait out five thousand broker round trips while their streams hold every live
 * notification back. A partition has at most one read queued: a recovery asked while it waits
 * joins it. The read is made in bands by how far behind each cursor is, nearest first, each band
 * with its own timeout, so that a cursor far behind (up to {@code tidings.kafka.recovery.max-read},
 * forged or not) neither holds back nor fails those nearer the end. Each recovery gets only the
 * records on its keys in its own range.
 */
final class LogReader {

    private static final Logger LOG = Logger.getLogger(LogReader.class);
    private static final Duration POLL = Duration.ofMillis(200);

    /** The records asked for, or null when the partition no longer holds the first of them (retention). */
    record Read(List<ConsumerRecord<byte[], byte[]>> records) {}

    /** One recovery's part of a read: the records on its keys after {@code afterOffset} up to {@code upTo}. */
    private record Wanted(long afterOffset, long upTo, Set<String> keys, CompletableFuture<Read> result,
            List<ConsumerRecord<byte[], byte[]>> records) {}

    private final Map<String, Object> properties;
    private final Duration timeout;
    private final ExecutorService thread;
    /** Recoveries waiting for the read queued for their partition. */
    private final Map<TopicPartition, List<Wanted>> waiting = new HashMap<>();
    private KafkaConsumer<byte[], byte[]> consumer; // on the thread only

    /** @param consumerProperties the broadcast consumer's properties (no group, no commits) */
    LogReader(Map<String, Object> consumerProperties, String clientId, Duration timeout) {
        this(consumerProperties, clientId, timeout, Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, "tidings-kafka-recovery");
            t.setDaemon(true);
            return t;
        }));
    }

    /** @param thread runs the reads, one at a time; the consumer is used on it only */
    LogReader(Map<String, Object> consumerProperties, String clientId, Duration timeout, ExecutorService thread) {
        this.properties = new HashMap<>(consumerProperties);
        properties.put(ConsumerConfig.CLIENT_ID_CONFIG, clientId + "-recovery");
        // records deleted while they are read must be said (OffsetOutOfRangeException), not skipped to the end
        properties.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "none");
        this.timeout = timeout;
        this.thread = thread;
    }

    /**
     * The records of {@code tp} on {@code keys} after {@code afterOffset} up to {@code upTo}
     * (inclusive), in offset order; {@code Read(null)} when the log starts after
     * {@code afterOffset + 1} (retention took them). Records on other keys are let go as they are
     * read. Fails after {@code tidings.kafka.recovery.read-timeout} of reading, with every
     * recovery of its band (see {@link #bands}).
     */
    CompletionStage<Read> read(TopicPartition tp, long afterOffset, long upTo, Set<String> keys) {
        Wanted wanted = new Wanted(afterOffset, upTo, keys, new CompletableFuture<>(), new ArrayList<>());
        boolean queue;
        synchronized (waiting) {
            List<Wanted> joined = waiting.get(tp);
            queue = joined == null;
            if (queue) {
                joined = new ArrayList<>();
                waiting.put(tp, joined);
            }
            joined.add(wanted);
        }
        if (queue) {
            try {
                thread.execute(() -> serve(tp));
            } catch (Throwable notQueued) { // shut down (rejected), or no thread: this one and any that joined it fail
                List<Wanted> joined;
                synchronized (waiting) {
                    joined = waiting.remove(tp);
                }
                joined.forEach(w -> w.result().completeExceptionally(notQueued));
            }
        }
        return wanted.result();
    }

    private void serve(TopicPartition tp) {
        List<Wanted> batch;
        synchronized (waiting) {
            batch = waiting.remove(tp); // from now on, a recovery of this partition queues the next read
        }
        try {
            if (consumer == null) {
                consumer = new KafkaConsumer<>(properties, new ByteArrayDeserializer(), new ByteArrayDeserializer());
            }
            RuntimeException failed = null;
            for (List<Wanted> band : bands(batch)) {
                if (failed == null) {
                    failed = readGroup(tp, band);
                } else {
                    // a band nearer the end failed (the broker away, a timeout): those further behind
                    // would fail the same way, each after its own timeout, with other partitions waiting
                    RuntimeException cause = failed;
                    band.forEach(w -> w.result().completeExceptionally(cause));
                }
            }
        } catch (Throwable e) {
            // not a failed read (those fail their band): the consumer itself is in doubt, so start afresh;
            // the recoveries are answered first, so that nothing here can leave them waiting
            batch.forEach(w -> w.result().completeExceptionally(e));
            closeConsumer();
            LOG.errorf(e, "reading %s back for %d recoveries failed; their keys are reported missed", tp, batch.size());
        }
    }

    /**
     * The batch by how far behind the newest end asked each cursor is, in bands of powers of four,
     * nearest first: a cursor far behind (up to {@code max-read}, forged or not) neither holds back
     * nor fails those nearer the end, which are read first and apart. Reading the bands apart costs
     * less than 7/3 of one read over all of them: the bands nearer the end together span less than
     * 4/3 of the farthest one's span.
     */
    private static Collection<List<Wanted>> bands(List<Wanted> batch) {
        long end = batch.stream().mapToLong(Wanted::upTo).max().orElse(-1);
        TreeMap<Integer, List<Wanted>> bands = new TreeMap<>();
        for (Wanted w : batch) {
            long behind = Math.max(1, end - w.afterOffset());
            int band = (63 - Long.numberOfLeadingZeros(behind)) / 2; // floor(log4(behind))
            bands.computeIfAbsent(band, b -> new ArrayList<>()).add(w);
        }
        return bands.values();
    }

    private void closeConsumer() {
        KafkaConsumer<byte[], byte[]> c = consumer;
        consumer = null;
        if (c != null) {
            try {
                c.close(Duration.ofSeconds(1));
            } catch (RuntimeException ignored) {
                // a consumer in doubt: the next read makes a new one either way
            }
        }
    }

    /** One read for a group of recoveries; a failure fails the group, and is returned (else null). */
    private RuntimeException readGroup(TopicPartition tp, List<Wanted> group) {
        if (group.isEmpty()) {
            return null;
        }
        try {
            try {
                readNow(tp, group);
            } catch (OffsetOutOfRangeException moved) {
                // retention deleted records while they were read: once more, so that the recoveries now
                // past the log's start are told so and the others get every record of their range
                group.forEach(w -> w.records().clear());
                readNow(tp, group);
            }
        } catch (RuntimeException e) {
            LOG.debugf("reading %s back for %d recoveries failed: %s", tp, group.size(), e);
            group.forEach(w -> w.result().completeExceptionally(e));
            return e;
        }
        return null;
    }

    private void readNow(TopicPartition tp, List<Wanted> group) {
        KafkaConsumer<byte[], byte[]> c = consumer;
        c.assign(List.of(tp));
        long begin = c.beginningOffsets(List.of(tp), timeout).get(tp);
        long from = Long.MAX_VALUE;
        long upTo = -1;
        Map<String, List<Wanted>> byKey = new HashMap<>();
        List<Wanted> served = new ArrayList<>(group.size());
        for (Wanted w : group) {
            if (w.result().isDone()) {
                continue; // told at the first attempt that retention took its records
            }
            if (w.afterOffset() + 1 < begin) {
                w.result().complete(new Read(null));
                continue;
            }
            served.add(w);
            from = Math.min(from, w.afterOffset() + 1);
            upTo = Math.max(upTo, w.upTo());
            for (String key : w.keys()) {
                byKey.computeIfAbsent(key, k -> new ArrayList<>(1)).add(w);
            }
        }
        if (served.isEmpty()) {
            return;
        }
        c.seek(tp, from);
        long deadline = System.nanoTime() + timeout.toNanos();
        // offsets may skip (compaction, transaction markers): the position tells how far it got
        while (c.position(tp, timeout) <= upTo) {
            if (System.nanoTime() - deadline > 0) {
                throw new IllegalStateException("reading " + tp + " back took longer than " + timeout);
            }
            for (ConsumerRecord<byte[], byte[]> r : c.poll(POLL).records(tp)) {
                String key = r.offset() <= upTo ? RecordCodec.key(r) : null;
                List<Wanted> on = key == null ? null : byKey.get(key);
                if (on == null) {
                    continue;
                }
                for (Wanted w : on) {
                    if (r.offset() > w.afterOffset() && r.offset() <= w.upTo()) {
                        w.records().add(r);
                    }
                }
            }
        }
        served.forEach(w -> w.result().complete(new Read(w.records())));
    }

    void close() {
        thread.execute(this::closeConsumer);
        thread.shutdown();
        try {
            thread.awaitTermination(2, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
