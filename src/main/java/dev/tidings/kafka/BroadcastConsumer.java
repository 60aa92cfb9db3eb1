package dev.tidings.kafka;

import dev.tidings.core.Control;
import dev.tidings.core.Transport.Receiver;
import io.smallrye.common.annotation.NonBlocking;
import io.smallrye.common.annotation.Identifier;
import io.smallrye.mutiny.Uni;
import io.smallrye.reactive.messaging.kafka.KafkaClientService;
import io.smallrye.reactive.messaging.kafka.KafkaConsumerRebalanceListener;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Default;
import jakarta.inject.Inject;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.Metric;
import org.apache.kafka.common.TopicPartition;
import org.eclipse.microprofile.reactive.messaging.Incoming;
import org.jboss.logging.Logger;

/**
 * The broadcast consumption every replica does: the connector's {@value KafkaChannels#IN} channel
 * reads every partition of every type's topic and of the control topic, in a consumer group of
 * this replica's own (so no other replica takes a partition away), from the newest record.
 *
 * <ul>
 *   <li>Inside each poll, {@link #skipUnlistened} (run by the {@link SkipUnlistened} consumer
 *       interceptor) drops the records for keys nobody here listens on, after a map lookup and
 *       without reading their value or headers.
 *   <li>The rest arrive at {@link #receive} in batches, as polled, on the connector's event loop,
 *       one batch after the other, and reach the {@link Receiver} one record at a time in
 *       partition order: per-key order holds because one key lives on one partition.
 *   <li>As the channel's rebalance listener ({@code consumer-rebalance-listener.name}) it decides
 *       where each newly assigned partition starts and resolves that position at once (on the
 *       polling thread): the first assignment at the newest record; a partition that appears later
 *       (a topic created after start, partitions added) at its beginning, since all it holds is
 *       new; a partition assigned again (the group lost this member, e.g. after a network
 *       partition longer than {@code session.timeout.ms}) where this replica stopped reading it.
 * </ul>
 */
@ApplicationScoped
@Default
@Identifier(KafkaChannels.IN)
public class BroadcastConsumer implements KafkaConsumerRebalanceListener {

    private static final Logger LOG = Logger.getLogger(BroadcastConsumer.class);
    /** How long the polling thread may be in a poll before it takes a task (the connector's {@code poll-timeout}). */
    private static final Duration POLL_TIMEOUT = Duration.ofSeconds(1);

    private final KafkaClientService clients;
    private volatile Receiver hub;
    private volatile Topics topics;
    private volatile ControlCodec controls;
    private volatile Duration positionTimeout = Duration.ofSeconds(5);

    /** How far this replica got in each partition it has read. */
    private final Map<TopicPartition, Progress> progress = new ConcurrentHashMap<>();
    private final Set<TopicPartition> assigned = ConcurrentHashMap.newKeySet();
    /** Assigned partitions whose starting position is not resolved yet (the broker did not answer in time). */
    private final Set<TopicPartition> unpositioned = ConcurrentHashMap.newKeySet();
    private volatile boolean assignedOnce;
    /** What ended consumption (an error thrown while handing a record over); null while it goes on. */
    private volatile Throwable died;
    private final AtomicLong badControls = new AtomicLong();

    /**
     * Offsets in one partition: {@code seen} and {@code passed} written by the polling thread,
     * {@code received} by {@link #receive}.
     */
    private static final class Progress {
        /** Where reading started (after the first assignment). */
        volatile long start = -1;
        /** The last offset the poll saw (skipped, or passed on to {@link #receive}). */
        volatile long seen = -1;
        /** The last offset the poll passed on to {@link #receive}. */
        volatile long passed = -1;
        /** The last offset {@link #receive} handed to the hub: it never hands one over twice. */
        volatile long received = -1;

        /**
         * Where to go on after losing the partition: after the last record handed over when some
         * passed on were not handed over yet (the connector drops its queue of a lost partition),
         * else after the last one seen.
         */
        long resume() {
            if (passed > received) {
                return received >= 0 ? received + 1 : start;
            }
            return seen >= 0 ? seen + 1 : start;
        }
    }

    @Inject
    public BroadcastConsumer(KafkaClientService clients) {
        this.clients = clients;
    }

    /** Called by the transport before the channel starts. */
    void start(Receiver receiver, Topics topics, ControlCodec controls, Duration positionTimeout) {
        this.topics = topics;
        this.controls = controls;
        this.positionTimeout = positionTimeout;
        this.hub = receiver;
    }

    // ---- records -----------------------------------------------------------------------------------

    /**
     * On the polling thread, inside the poll: drops the records for keys nobody here listens on
     * (counted as skipped), and keeps control records, records with listeners and bad records
     * (which {@link #receive} reports). It never returns an empty batch for a non-empty one (the
     * connector pauses before the next poll after an empty one): then the last record stays.
     */
    ConsumerRecords<byte[], byte[]> skipUnlistened(ConsumerRecords<byte[], byte[]> records) {
        Receiver hub = this.hub;
        if (hub == null || records.isEmpty()) {
            return records;
        }
        Map<TopicPartition, List<ConsumerRecord<byte[], byte[]>>> kept = new LinkedHashMap<>();
        ConsumerRecord<byte[], byte[]> lastSkipped = null;
        String lastSkippedType = null;
        boolean dropped = false;
        for (TopicPartition tp : records.partitions()) {
            List<ConsumerRecord<byte[], byte[]>> list = records.records(tp);
            Progress p = progress.computeIfAbsent(tp, k -> new Progress());
            if (p.start < 0) {
                p.start = list.get(0).offset();
            }
            String type = topics.typeOf(tp.topic());
            List<ConsumerRecord<byte[], byte[]>> keep = type == null ? list : new ArrayList<>();
            if (type != null) {
                long seen = p.seen;
                for (ConsumerRecord<byte[], byte[]> r : list) {
                    // a record seen before (read again after the partition was lost) goes on to receive()
                    if (r.offset() > seen && unlistened(hub, type, r)) {
                        if (lastSkipped != null) {
                            hub.skipped(lastSkippedType);
                        }
                        lastSkipped = r;
                        lastSkippedType = type;
                        dropped = true;
                    } else {
                        keep.add(r);
                    }
                }
            }
            if (!keep.isEmpty()) {
                kept.put(tp, keep);
                p.passed = Math.max(p.passed, keep.get(keep.size() - 1).offset());
            }
            p.seen = Math.max(p.seen, list.get(list.size() - 1).offset());
        }
        if (!dropped) {
            return records;
        }
        if (kept.isEmpty()) {
            // keep the last one: receive() skips it (and counts it)
            TopicPartition tp = new TopicPartition(lastSkipped.topic(), lastSkipped.partition());
            kept.put(tp, List.of(lastSkipped));
            Progress p = progress.get(tp);
            p.passed = Math.max(p.passed, lastSkipped.offset());
        } else {
            hub.skipped(lastSkippedType);
        }
        return new ConsumerRecords<>(kept, records.nextOffsets());
    }

    /** A well-formed record of a type's topic for a key nobody here listens on. */
    private static boolean unlistened(Receiver hub, String type, ConsumerRecord<byte[], byte[]> r) {
        try {
            String key = RecordCodec.key(r);
            return key != null && r.value() != null && !hub.listensOn(type, key);
        } catch (RuntimeException e) {
            return false; // receive() reports it
        }
    }

    /**
     * The records kept by {@link #skipUnlistened}, one batch after the other, on the connector's
     * event loop, as in-process notifies are delivered on theirs: nothing here blocks (a type's
     * {@code prepare} answers with a {@code Uni}). A worker thread instead added two thread
     * hand-offs per batch: 35 % more CPU per delivery and a p99 of 29–81 ms instead of 15–30 ms at
     * 200 notifies/s (docs/kafka.md, measured).
     */
    @Incoming(KafkaChannels.IN)
    @NonBlocking
    public void receive(ConsumerRecords<byte[], byte[]> records) {
        try {
            for (TopicPartition tp : records.partitions()) {
                Progress p = progress.computeIfAbsent(tp, k -> new Progress());
                for (ConsumerRecord<byte[], byte[]> r : records.records(tp)) {
                    if (r.offset() > p.received) {
                        handle(r);
                        p.received = r.offset();
                    }
                }
            }
        } catch (Error e) {
            // User code on this thread, or out of memory: the connector stops the channel (failure
            // strategy fail), and readiness must say that nothing is read any more.
            died = e;
            LOG.error("The Kafka consumer has stopped; this replica no longer delivers (readiness is DOWN)", e);
            throw e;
        }
    }

    private void handle(ConsumerRecord<byte[], byte[]> r) {
        Receiver hub = this.hub;
        try {
            String type = topics.typeOf(r.topic());
            if (type == null) {
                if (r.topic().equals(topics.control())) {
                    handleControl(r);
                }
                return;
            }
            String key = RecordCodec.key(r);
            if (key == null) {
                hub.rejected(RecordCodec.where(r), "record of type " + type + " has no key");
            } else if (r.value() == null) {
                hub.rejected(RecordCodec.where(r), "record of type " + type + " key " + key + " has no value");
            } else if (!hub.listensOn(type, key)) {
                hub.skipped(type);
            } else {
                hub.onPublication(RecordCodec.publication(type, key, r));
            }
        } catch (RuntimeException e) {
            hub.rejected(RecordCodec.where(r), e.getMessage());
        }
    }

    private void handleControl(ConsumerRecord<byte[], byte[]> r) {
        Control control;
        try {
            control = controls.decode(r.value());
        } catch (IllegalArgumentException e) {
            badControls.incrementAndGet();
            hub.rejected(RecordCodec.where(r), "bad control message: " + e.getMessage());
            return;
        }
        hub.onControl(control);
    }

    // ---- partitions (on the connector's polling thread) --------------------------------------------

    @Override
    public void onPartitionsAssigned(Consumer<?, ?> consumer, Collection<TopicPartition> partitions) {
        boolean later = assignedOnce;
        List<String> again = new ArrayList<>();
        List<TopicPartition> fresh = new ArrayList<>();
        for (TopicPartition tp : partitions) {
            Progress p = progress.get(tp);
            if (p != null && p.start >= 0) {
                long resume = p.resume();
                consumer.seek(tp, resume);
                again.add(tp + "@" + resume);
            } else if (later) {
                fresh.add(tp);
            }
            // else: the first assignment starts at the newest record (auto.offset.reset=latest)
        }
        if (!fresh.isEmpty()) {
            consumer.seekToBeginning(fresh);
            LOG.infof("Kafka transport now also reads %s, from their beginning", fresh);
        }
        if (!again.isEmpty()) {
            LOG.infof("Kafka transport reads %s again, from where it stopped", again);
        }
        assigned.addAll(partitions);
        unpositioned.addAll(partitions);
        resolve(consumer, partitions, positionTimeout);
        assignedOnce = true;
        if (!later) {
            LOG.infof("Kafka transport reads %d partitions from their newest record", partitions.size());
        }
    }

    @Override
    public void onPartitionsRevoked(Consumer<?, ?> consumer, Collection<TopicPartition> partitions) {
        assigned.removeAll(partitions);
        unpositioned.removeAll(partitions);
    }

    /** Resolves the starting positions now, so that once readiness is UP nothing published from then on is missed. */
    private void resolve(Consumer<?, ?> consumer, Collection<TopicPartition> partitions, Duration timeout) {
        for (TopicPartition tp : partitions) {
            if (!unpositioned.contains(tp)) {
                continue;
            }
            try {
                long position = consumer.position(tp, timeout);
                Progress p = progress.computeIfAbsent(tp, k -> new Progress());
                if (p.start < 0) {
                    p.start = position;
                }
                unpositioned.remove(tp);
            } catch (KafkaException e) {
                LOG.debugf("position of %s not resolved yet: %s", tp, e);
            }
        }
    }

    /**
     * Resolves positions left unresolved at assignment (on the polling thread, once the current
     * poll returns, at most {@code timeout} each); completes with whether every assigned
     * partition has its position.
     */
    Uni<Boolean> resolvePositions(Duration timeout) {
        if (unpositioned.isEmpty()) {
            return Uni.createFrom().item(true);
        }
        var consumer = clients.<byte[], byte[]>getConsumer(KafkaChannels.IN);
        if (consumer == null) {
            return Uni.createFrom().item(false);
        }
        return consumer.runOnPollingThread(c -> {
            resolve(c, Set.copyOf(unpositioned), timeout);
            return unpositioned.isEmpty();
        }).ifNoItem().after(timeout.plus(POLL_TIMEOUT)).recoverWithItem(false);
    }

    // ---- the broker connection -----------------------------------------------------------------------

    private volatile Metric connections;
    private long disconnectedSince;
    private boolean brokerDownReported;

    /**
     * Called every second once the channel reads. The Kafka clients retry a lost broker by
     * themselves (and say so at WARN on every attempt); this says it once per state change:
     * unreachable after a few seconds without a connection, and reachable again.
     */
    void watchConnection(String bootstrapServers) {
        Metric m = connections;
        if (m == null) {
            var consumer = clients.<byte[], byte[]>getConsumer(KafkaChannels.IN);
            if (consumer != null) {
                consumer.runOnPollingThread(c -> {
                    c.metrics().forEach((name, metric) -> {
                        if (name.name().equals("connection-count") && name.group().equals("consumer-metrics")) {
                            connections = metric;
                        }
                    });
                }).subscribe().with(v -> { }, e -> { });
            }
            return;
        }
        Object v = m.metricValue();
        long now = System.nanoTime();
        if (!(v instanceof Number n) || n.doubleValue() > 0) {
            if (disconnectedSince != 0 && brokerDownReported) {
                LOG.infof("Kafka broker %s reachable again; delivery resumes", bootstrapServers);
            }
            disconnectedSince = 0;
            brokerDownReported = false;
        } else if (disconnectedSince == 0) {
            disconnectedSince = now;
        } else if (!brokerDownReported && now - disconnectedSince > TimeUnit.SECONDS.toNanos(3)) {
            brokerDownReported = true;
            LOG.warnf("Kafka broker %s unreachable; notify answers 503 until it is back, open streams stay open",
                    bootstrapServers);
        }
    }

    // ---- state, for readiness ------------------------------------------------------------------------

    /** The assigned partitions, once the group assigned any. */
    Set<TopicPartition> assigned() {
        return Set.copyOf(assigned);
    }

    boolean assignedOnce() {
        return assignedOnce;
    }

    Throwable died() {
        return died;
    }

    long badControlMessages() {
        return badControls.get();
    }
}
