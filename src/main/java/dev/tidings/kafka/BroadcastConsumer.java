package dev.tidings.kafka;

import dev.tidings.core.Control;
import dev.tidings.core.LogLimiter;
import dev.tidings.core.Position;
import dev.tidings.core.Publication;
import dev.tidings.core.Replay;
import dev.tidings.core.Transport.Receiver;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.kafka.KafkaClientMetrics;
import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Instance;
import jakarta.inject.Inject;
import io.smallrye.mutiny.Uni;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.Metric;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.InterruptException;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.utils.Utils;
import org.jboss.logging.Logger;

/**
 * The broadcast consumption every replica does: one plain Kafka consumer, on a thread of its own,
 * <em>assigned</em> every partition of every type's topic and of the control topic (no group, no
 * commits), from the newest record. Records for keys nobody here listens on are dropped after a
 * map lookup, without reading value or headers; the others reach the {@link Receiver} one at a
 * time in partition order, which keeps per-key order (one key lives on one partition).
 *
 * <p>Why not the connector's incoming channel, as publishing does: measured side by side
 * (docs/kafka.md, "Why the consumer is the plain client"), the connector's consumer cost 11–14 %
 * more CPU per record skipped and 15–30 % of the deliveries per second, and multiplied the median
 * latency at 200 notifies/s; every replica reads every record, so that cost is paid on every record
 * by every replica. Its Kafka client metrics are bound to Micrometer here as the connector would.
 */
@ApplicationScoped
public class BroadcastConsumer {

    private static final Logger LOG = Logger.getLogger(BroadcastConsumer.class);
    private static final Duration POLL = Duration.ofMillis(500);
    private static final Duration RETRY_PAUSE = Duration.ofSeconds(1);

    private final KafkaTransportConfig config;
    private final Instance<MeterRegistry> meters;
    private final LogLimiter problems = new LogLimiter(LOG, 10_000);

    private volatile Receiver hub;
    private volatile Topics topics;
    private volatile ControlCodec controls;
    private Map<String, Object> properties;
    private String bootstrapServers;
    private Thread thread;
    private volatile KafkaConsumer<byte[], byte[]> consumer;
    private KafkaClientMetrics metrics;
    private volatile boolean running;
    /** True once the consumer is positioned on every partition of every topic that exists. */
    private volatile boolean positioned;
    /** What ended the consumer thread other than {@link #stop}; null while it reads. */
    private volatile Throwable died;
    private volatile Set<String> missingTopics = Set.of();
    private volatile Set<TopicPartition> assigned = Set.of();
    /** The recent records of each partition read, and how far they are handed over: for recoveries. */
    private final Map<TopicPartition, PartitionTail> tails = new ConcurrentHashMap<>();
    private final Map<String, PartitionTail> tailsByLog = new ConcurrentHashMap<>();
    /** Partitions per topic, for {@link #logOf}. */
    private final Map<String, String[]> logIds = new ConcurrentHashMap<>();
    private TopicAdmin admin;
    private LogReader reader;
    private final AtomicLong badControls = new AtomicLong();
    /** Consumer thread only: the consumer's own count of its connections to brokers. */
    private Metric connectionCount;
    /** Consumer thread only: since when it has had no connection to the broker (0: connected). */
    private long disconnectedSince;
    private boolean brokerDownReported;

    @Inject
    public BroadcastConsumer(KafkaTransportConfig config, Instance<MeterRegistry> meters) {
        this.config = config;
        this.meters = meters;
    }

    /**
     * Refuses recovery settings that make no sense rather than act as another value. The transport
     * calls it as the application starts, before this consumer is made: that happens only once the
     * topics exist, on a background thread where a failure would not stop the start.
     */
    static void checkRecoverySettings(KafkaTransportConfig config) {
        if (config.recovery().maxRead() < 0) {
            throw new IllegalArgumentException("tidings.kafka.recovery.max-read must not be negative (0: never read back)");
        }
        if (config.recovery().tailRecords() < 0) {
            throw new IllegalArgumentException("tidings.kafka.recovery.tail-records must not be negative");
        }
    }

    /**
     * Starts reading on a thread of its own.
     *
     * @param kafka every {@code kafka.*} property without its prefix (Quarkus' default Kafka configuration)
     * @param clientId this replica's client id prefix
     */
    synchronized void start(Receiver receiver, Topics topics, ControlCodec controls, Map<String, Object> kafka, String clientId,
            TopicAdmin admin) {
        this.hub = receiver;
        this.admin = admin;
        this.topics = topics;
        this.controls = controls;
        Map<String, Object> props = new HashMap<>();
        kafka.forEach((k, v) -> {
            if (ConsumerConfig.configNames().contains(k)) {
                props.put(k, v);
            }
        });
        props.putIfAbsent(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, "localhost:9092");
        if (props.remove(ConsumerConfig.GROUP_ID_CONFIG) != null) {
            LOG.warn("Ignoring kafka.group.id for the broadcast consumer: every replica reads every partition itself, without a group");
        }
        props.put(ConsumerConfig.CLIENT_ID_CONFIG, clientId + "-consumer");
        props.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        props.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "latest");
        props.put(ConsumerConfig.ALLOW_AUTO_CREATE_TOPICS_CONFIG, "false");
        // partitionsFor answers from the client's metadata: it must be as fresh as the refresh looking for added partitions
        props.put(ConsumerConfig.METADATA_MAX_AGE_CONFIG, Long.toString(Math.max(1, config.metadataRefresh().toMillis())));
        properties = props;
        reader = new LogReader(props, clientId, config.recovery().readTimeout());
        bootstrapServers = String.valueOf(props.get(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG));
        running = true;
        thread = new Thread(this::consume, "tidings-kafka-consumer");
        thread.setDaemon(true);
        thread.start();
    }

    @PreDestroy
    synchronized void stop() {
        if (!running) {
            return;
        }
        running = false;
        KafkaConsumer<byte[], byte[]> c = consumer;
        if (c != null) {
            c.wakeup();
        }
        try {
            thread.join(5_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        reader.close();
    }

    // ---- the consumer thread ---------------------------------------------------------------------------

    private void consume() {
        KafkaConsumer<byte[], byte[]> c = new KafkaConsumer<>(properties, new ByteArrayDeserializer(), new ByteArrayDeserializer());
        consumer = c;
        bindMetrics(c);
        Set<TopicPartition> assignment = Set.of();
        long nextRefresh = 0;
        try {
            while (running) {
                try {
                    long now = System.nanoTime();
                    if (!positioned) {
                        assignment = assign(c, assignment, true);
                        positioned = true;
                        nextRefresh = now + refreshNanos();
                        LOG.infof("Kafka transport reads %d partitions from their newest record%s", assignment.size(),
                                missingTopics.isEmpty() ? "" : "; missing topics " + missingTopics);
                    } else if (now - nextRefresh >= 0) {
                        // a failing refresh (broker away, no permission) must not keep the consumer from polling
                        nextRefresh = now + refreshNanos();
                        assignment = assign(c, assignment, false);
                        nextRefresh = now + refreshNanos();
                    }
                    ConsumerRecords<byte[], byte[]> records = c.poll(POLL);
                    watchConnection(c, now);
                    for (TopicPartition tp : records.partitions()) {
                        List<ConsumerRecord<byte[], byte[]>> list = records.records(tp);
                        PartitionTail tail = tails.get(tp);
                        if (tail == null) { // the control topic: no recovery, no tail
                            list.forEach(r -> handle(r, null));
                            continue;
                        }
                        tail.addAll(list);
                        for (ConsumerRecord<byte[], byte[]> r : list) {
                            handle(r, tail);
                            tail.handled = r.offset();
                        }
                    }
                } catch (WakeupException | InterruptException e) {
                    if (!running) {
                        break;
                    }
                } catch (RuntimeException e) {
                    problems.warn("Kafka consumer problem, retrying: %s", e.toString());
                    pause();
                }
            }
        } catch (Error e) {
            // user code on this thread, or out of memory: readiness must say that nothing is read any more
            died = e;
            LOG.error("The Kafka consumer has stopped; this replica no longer delivers (readiness is DOWN)", e);
            throw e;
        } finally {
            if (metrics != null) {
                metrics.close();
            }
            try {
                c.close(Duration.ofSeconds(2));
            } catch (RuntimeException e) {
                LOG.debugf("closing the Kafka consumer: %s", e);
            }
        }
    }

    /** Micrometer's Kafka binder on this consumer, as Quarkus binds it to the connector's clients. */
    private void bindMetrics(KafkaConsumer<byte[], byte[]> c) {
        if (meters.isResolvable()) {
            metrics = new KafkaClientMetrics(c);
            metrics.bindTo(meters.get());
        }
    }

    /**
     * Assigns every partition of every topic. Partitions found on the first call start at their
     * end (only what is published from now on); partitions that appear later (a topic created
     * after start, partitions added) start at their beginning, since all they hold is new.
     * Positions are resolved at once, so nothing published after this returns is missed.
     */
    private Set<TopicPartition> assign(KafkaConsumer<byte[], byte[]> c, Set<TopicPartition> current, boolean initial) {
        Duration timeout = config.sendTimeout();
        Set<TopicPartition> all = new HashSet<>();
        Set<String> missing = new TreeSet<>();
        for (String topic : topics.all()) {
            List<PartitionInfo> partitions = c.partitionsFor(topic, timeout);
            if (partitions == null || partitions.isEmpty()) {
                missing.add(topic);
                continue;
            }
            for (PartitionInfo p : partitions) {
                all.add(new TopicPartition(p.topic(), p.partition()));
            }
        }
        if (!missing.equals(missingTopics)) {
            if (!missing.isEmpty()) {
                LOG.warnf("Kafka topics missing, retrying: %s", missing);
            }
            missingTopics = Set.copyOf(missing);
        }
        Set<TopicPartition> fresh = new HashSet<>(all);
        fresh.removeAll(current);
        if (fresh.isEmpty() && all.equals(current)) {
            return current;
        }
        Map<String, Long> epochs = epochs(fresh, timeout);
        c.assign(all);
        assigned = Set.copyOf(all);
        if (fresh.isEmpty()) {
            return assigned;
        }
        if (initial) {
            c.seekToEnd(fresh);
        } else {
            c.seekToBeginning(fresh);
            LOG.infof("Kafka transport now also reads %s, from their beginning", fresh);
        }
        // resolve the positions now (a failure retries), so that nothing published once this
        // replica is ready is missed, and recoveries know where this replica started reading
        for (TopicPartition tp : fresh) {
            long position = c.position(tp, timeout);
            if (!epochs.containsKey(tp.topic())) {
                continue; // the control topic: nothing to recover from it
            }
            PartitionTail tail = new PartitionTail(tp, epochs.get(tp.topic()), config.recovery().tailRecords());
            tail.startAt(position);
            tails.put(tp, tail);
            tailsByLog.put(tail.log, tail);
        }
        Map<String, Integer> counts = new HashMap<>();
        all.stream().filter(tp -> topics.typeOf(tp.topic()) != null).forEach(tp -> counts.merge(tp.topic(), 1, Integer::sum));
        counts.forEach((topic, n) -> {
            String[] ids = new String[n];
            for (int i = 0; i < n; i++) {
                ids[i] = PartitionTail.logId(new TopicPartition(topic, i));
            }
            logIds.put(topic, ids);
        });
        return assigned;
    }

    /**
     * The epoch of each fresh partition's type topic (the control topic has none): from the topic's
     * id, which a topic created again does not keep.
     */
    private Map<String, Long> epochs(Set<TopicPartition> fresh, Duration timeout) {
        Set<String> names = new TreeSet<>();
        fresh.stream().filter(tp -> topics.typeOf(tp.topic()) != null).forEach(tp -> names.add(tp.topic()));
        Map<String, Long> epochs = new HashMap<>();
        if (!names.isEmpty()) {
            admin.topicIds(names, timeout).forEach((topic, id) ->
                    epochs.put(topic, id.getMostSignificantBits() ^ id.getLeastSignificantBits()));
        }
        return epochs;
    }

    /** Quick retries while topics are missing (just created, or waiting for someone to create them). */
    private long refreshNanos() {
        return missingTopics.isEmpty() ? config.metadataRefresh().toNanos() : RETRY_PAUSE.toNanos();
    }

    private void pause() {
        try {
            Thread.sleep(RETRY_PAUSE.toMillis()); // back-off before retrying an unreachable broker
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            running = false;
        }
    }

    /**
     * The Kafka clients retry a lost broker by themselves (and say so at WARN on every attempt);
     * this says it once per state change: unreachable after a few seconds without a connection,
     * and reachable again.
     */
    private void watchConnection(KafkaConsumer<byte[], byte[]> c, long now) {
        if (connectionCount == null) {
            // looked up once: the consumer's metrics are hundreds, and this runs after every poll
            for (var e : c.metrics().entrySet()) {
                if (e.getKey().name().equals("connection-count") && e.getKey().group().equals("consumer-metrics")) {
                    connectionCount = e.getValue();
                    break;
                }
            }
        }
        Object v = connectionCount == null ? null : connectionCount.metricValue();
        double connections = v instanceof Number n ? n.doubleValue() : 1;
        if (connections > 0) {
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

    // ---- records ---------------------------------------------------------------------------------------

    private void handle(ConsumerRecord<byte[], byte[]> r, PartitionTail tail) {
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
                Publication p = RecordCodec.publication(type, key, r);
                hub.onPublication(tail == null ? p : p.at(tail.at(r.offset())));
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

    // ---- recovery ------------------------------------------------------------------------------------

    /** The log of a key of a type: the partition the producer's default partitioner puts it in. */
    String logOf(String topic, String key) {
        String[] ids = logIds.get(topic);
        if (ids == null) {
            return null;
        }
        return ids[Utils.toPositive(Utils.murmur2(key.getBytes(StandardCharsets.UTF_8))) % ids.length];
    }

    /** Where a log stands on this replica; null when this replica does not read it. */
    Position position(String log) {
        PartitionTail tail = tailsByLog.get(log);
        return tail == null ? null : tail.handledPosition();
    }

    /**
     * The publications on {@code keys} after {@code afterOffset} in a log, from the in-memory tail
     * when it reaches back that far, else read back from the broker (one shared reader).
     */
    Uni<Replay> replay(String log, long epoch, long afterOffset, Set<String> keys) {
        PartitionTail tail = tailsByLog.get(log);
        if (tail == null || tail.epoch != epoch) {
            return Uni.createFrom().item(Replay.lost(Replay.EPOCH));
        }
        String type = topics.typeOf(tail.partition.topic());
        PartitionTail.Slice slice = tail.after(afterOffset);
        if (slice != null) {
            return Uni.createFrom().item(Replay.of(publications(type, tail, slice.records(), keys), slice.end()));
        }
        long upTo = tail.handled;
        if (upTo - afterOffset > config.recovery().maxRead()) {
            // per partition: a recovery over keys of several partitions reads up to this much of each
            return Uni.createFrom().item(Replay.lost(Replay.RETENTION));
        }
        return Uni.createFrom().completionStage(() -> reader.read(tail.partition, afterOffset, upTo, keys))
                .map(read -> read.records() == null ? Replay.lost(Replay.RETENTION)
                        : Replay.of(publications(type, tail, read.records(), keys), upTo));
    }

    /** The records on the keys asked for, as publications at their positions; records rejected live are left out again. */
    private static List<Publication> publications(String type, PartitionTail tail, List<ConsumerRecord<byte[], byte[]>> records,
            Set<String> keys) {
        List<Publication> out = new ArrayList<>();
        for (ConsumerRecord<byte[], byte[]> r : records) {
            String key = RecordCodec.key(r);
            if (key == null || r.value() == null || !keys.contains(key)) {
                continue;
            }
            try {
                out.add(RecordCodec.publication(type, key, r).at(tail.at(r.offset())));
            } catch (IllegalArgumentException e) {
                // bad notfor headers: rejected (and counted) when it was read live
            }
        }
        return out;
    }

    // ---- state, for readiness --------------------------------------------------------------------------

    /** True once every partition of every existing topic is assigned with its starting position resolved. */
    boolean positioned() {
        return positioned;
    }

    /** The topics the consumer found missing at its last look. */
    Set<String> missingTopics() {
        return missingTopics;
    }

    Set<TopicPartition> assigned() {
        return assigned;
    }

    Throwable died() {
        return died;
    }

    long badControlMessages() {
        return badControls.get();
    }
}
