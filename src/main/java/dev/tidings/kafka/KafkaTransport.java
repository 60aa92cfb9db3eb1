package dev.tidings.kafka;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.tidings.core.Control;
import dev.tidings.core.LogLimiter;
import dev.tidings.core.NotFor;
import dev.tidings.core.Publication;
import dev.tidings.core.TidingsConfig;
import dev.tidings.core.TidingsException;
import dev.tidings.core.Transport;
import io.quarkus.arc.lookup.LookupIfProperty;
import io.smallrye.mutiny.Uni;
import io.smallrye.mutiny.subscription.UniEmitter;
import io.vertx.core.Context;
import io.vertx.core.Vertx;
import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.DescribeClusterOptions;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.InterruptException;
import org.apache.kafka.common.errors.TopicExistsException;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.header.internals.RecordHeader;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.eclipse.microprofile.config.Config;
import org.eclipse.microprofile.config.ConfigProvider;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.HealthCheckResponseBuilder;
import org.jboss.logging.Logger;

/**
 * Carries publications and control messages between replicas over Kafka
 * ({@code tidings.transport=kafka}).
 *
 * <ul>
 *   <li>One topic per notification type (default {@code tidings.<type>}); record key = the
 *       notification key in its text form, value = the server notification as JSON, headers
 *       {@value #NOTFOR_CLIENT_HEADER} / {@value #NOTFOR_IDENTITY_HEADER} for {@code notfor}. Outside
 *       producers write the same records.
 *   <li>One control topic (default {@code tidings.control}) for {@link Control} messages, as JSON
 *       (see {@link ControlCodec}).
 *   <li>Broadcast: each replica's single consumer is assigned every partition of every topic by
 *       hand (no consumer group, no commits) and starts at the end, so every replica reads every
 *       record published after it started. One thread hands records to the hub in partition order,
 *       which keeps per-key order: one key lives on one partition.
 *   <li>A publish completes once the broker acknowledged the record ({@code acks=all}, idempotent
 *       producer), or fails with {@link TidingsException.Reason#UNAVAILABLE} within
 *       {@code tidings.kafka.send-timeout}. The caller's thread never blocks on Kafka.
 * </ul>
 */
@ApplicationScoped
@LookupIfProperty(name = "tidings.transport", stringValue = "kafka")
public class KafkaTransport implements Transport {

    /** Header naming the client process that must not receive the notification (Eliom's {@code `Me}). */
    public static final String NOTFOR_CLIENT_HEADER = "tidings-notfor-client";
    /** Header naming the identity (text form) whose client processes must not receive it (Eliom's {@code `Id}). */
    public static final String NOTFOR_IDENTITY_HEADER = "tidings-notfor-identity";

    private static final Logger LOG = Logger.getLogger(KafkaTransport.class);
    private static final Duration POLL = Duration.ofMillis(500);
    private static final Duration RETRY_PAUSE = Duration.ofSeconds(1);

    private final KafkaTransportConfig config;
    private final TidingsConfig core;
    private final ControlCodec controls;
    private final LogLimiter problems = new LogLimiter(LOG, 10_000);

    private volatile Receiver hub;
    /** type name → topic */
    private final Map<String, String> typeTopics = new LinkedHashMap<>();
    /** topic → type name */
    private final Map<String, String> topicTypes = new HashMap<>();
    private String clientId;
    private volatile String bootstrapServers;
    private Map<String, Object> producerProps;
    private Map<String, Object> consumerProps;
    private Admin admin;
    private KafkaProducer<byte[], byte[]> producer;
    private ExecutorService sender;
    private Thread consumerThread;
    private volatile KafkaConsumer<byte[], byte[]> consumer;
    private volatile boolean running;
    /** True once the consumer is positioned on every partition of every topic that exists. */
    private volatile boolean positioned;
    /** True once the consumer thread ended other than by {@code stop()}. */
    private volatile boolean consumerDead;
    private volatile Set<String> missingTopics = Set.of();
    private volatile int assignedPartitions;
    private final AtomicLong badControls = new AtomicLong();
    /** Consumer thread only: since when it has had no connection to the broker (0: connected). */
    private long disconnectedSince;
    private boolean brokerDownReported;

    @Inject
    public KafkaTransport(KafkaTransportConfig config, TidingsConfig core, ObjectMapper mapper) {
        this.config = config;
        this.core = core;
        this.controls = new ControlCodec(mapper);
    }

    // ---- lifecycle ---------------------------------------------------------------------------------

    @Override
    public synchronized void start(Receiver receiver) {
        hub = receiver;
        for (String type : new TreeSet<>(receiver.types())) {
            String topic = config.topics().getOrDefault(type, config.topicPrefix() + type);
            String other = topicTypes.put(topic, type);
            if (other != null) {
                throw new IllegalStateException("types " + other + " and " + type + " both map to topic " + topic
                        + "; set tidings.kafka.topics.<type>");
            }
            typeTopics.put(type, topic);
        }
        if (topicTypes.containsKey(config.controlTopic())) {
            throw new IllegalStateException("type " + topicTypes.get(config.controlTopic()) + " maps to the control topic "
                    + config.controlTopic() + "; set tidings.kafka.control-topic or tidings.kafka.topics.<type>");
        }
        clientId = "tidings-" + hostName() + "-" + randomSuffix();
        Map<String, Object> common = kafkaProperties();
        bootstrapServers = String.valueOf(common.get(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG));
        long sendTimeout = Math.max(1, config.sendTimeout().toMillis());

        producerProps = only(common, ProducerConfig.configNames());
        producerProps.put(ProducerConfig.CLIENT_ID_CONFIG, clientId + "-producer");
        producerProps.put(ProducerConfig.ACKS_CONFIG, "all");
        producerProps.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "true");
        producerProps.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, Long.toString(sendTimeout));
        producerProps.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, Long.toString(sendTimeout));
        long linger = Long.parseLong(String.valueOf(producerProps.getOrDefault(ProducerConfig.LINGER_MS_CONFIG, "5")));
        long requestTimeout = Long.parseLong(String.valueOf(producerProps.getOrDefault(ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, "30000")));
        producerProps.put(ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG,
                Long.toString(Math.max(1, Math.min(requestTimeout, sendTimeout - linger))));

        consumerProps = only(common, ConsumerConfig.configNames());
        if (consumerProps.remove(ConsumerConfig.GROUP_ID_CONFIG) != null) {
            LOG.warn("Ignoring kafka.group.id: every replica reads every partition itself (broadcast), without a group");
        }
        consumerProps.put(ConsumerConfig.CLIENT_ID_CONFIG, clientId + "-consumer");
        consumerProps.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        consumerProps.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "latest");
        consumerProps.put(ConsumerConfig.ALLOW_AUTO_CREATE_TOPICS_CONFIG, "false");

        Map<String, Object> adminProps = only(common, AdminClientConfig.configNames());
        adminProps.put(AdminClientConfig.CLIENT_ID_CONFIG, clientId + "-admin");

        admin = Admin.create(adminProps);
        producer = new KafkaProducer<>(producerProps, new ByteArraySerializer(), new ByteArraySerializer());
        sender = Executors.newSingleThreadExecutor(r -> {
            Thread th = new Thread(r, "tidings-kafka-sender");
            th.setDaemon(true);
            return th;
        });
        running = true;
        consumerThread = new Thread(this::consume, "tidings-kafka-consumer");
        consumerThread.setDaemon(true);
        consumerThread.start();
        LOG.infof("Kafka transport %s on %s: topics %s, control topic %s, send timeout %s", clientId,
                common.get(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG), typeTopics, config.controlTopic(), config.sendTimeout());
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
            consumerThread.join(5_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        sender.shutdown();
        try {
            sender.awaitTermination(2, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        producer.close(Duration.ofSeconds(2));
        admin.close(Duration.ofSeconds(2));
    }

    /** Every {@code kafka.*} property, without the prefix; {@code kafka.bootstrap.servers} defaults to localhost:9092. */
    private static Map<String, Object> kafkaProperties() {
        Config cfg = ConfigProvider.getConfig();
        Map<String, Object> props = new HashMap<>();
        for (String name : cfg.getPropertyNames()) {
            if (name.startsWith("kafka.") && name.length() > 6) {
                cfg.getOptionalValue(name, String.class).ifPresent(v -> props.put(name.substring(6), v));
            }
        }
        props.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG,
                cfg.getOptionalValue("kafka.bootstrap.servers", String.class).orElse("localhost:9092"));
        return props;
    }

    private static Map<String, Object> only(Map<String, Object> props, Set<String> known) {
        Map<String, Object> m = new HashMap<>();
        props.forEach((k, v) -> {
            if (known.contains(k)) {
                m.put(k, v);
            }
        });
        return m;
    }

    private static String hostName() {
        try {
            return InetAddress.getLocalHost().getHostName();
        } catch (Exception e) {
            return "host";
        }
    }

    private static String randomSuffix() {
        return Long.toString(new SecureRandom().nextLong() & 0xffffffffL, 36);
    }

    // ---- publishing ----------------------------------------------------------------------------------

    @Override
    public Uni<Void> publish(Publication p) {
        return Uni.createFrom().deferred(() -> {
            String topic = typeTopics.get(p.type());
            if (topic == null) {
                throw new TidingsException(TidingsException.Reason.UNKNOWN_TYPE, "no topic for type " + p.type());
            }
            List<Header> headers = new ArrayList<>(1);
            if (p.notFor() instanceof NotFor.Client c) {
                headers.add(new RecordHeader(NOTFOR_CLIENT_HEADER, c.id().getBytes(StandardCharsets.UTF_8)));
            } else if (p.notFor() instanceof NotFor.Identity i) {
                headers.add(new RecordHeader(NOTFOR_IDENTITY_HEADER, i.identity().getBytes(StandardCharsets.UTF_8)));
            }
            return send(new ProducerRecord<>(topic, null, p.key().getBytes(StandardCharsets.UTF_8), p.payload(), headers));
        });
    }

    @Override
    public Uni<Void> control(Control control) {
        return Uni.createFrom().deferred(() -> send(new ProducerRecord<>(config.controlTopic(),
                ControlCodec.recordKey(control).getBytes(StandardCharsets.UTF_8), controls.encode(control))));
    }

    @Override
    public boolean distributed() {
        return true;
    }

    /**
     * Sends from the single sender thread (so that {@code producer.send}, which may block up to
     * {@code max.block.ms} while metadata is missing, never runs on an event loop, and records
     * keep the order of the calls), and completes on the caller's Vert.x context when there is one.
     */
    private Uni<Void> send(ProducerRecord<byte[], byte[]> record) {
        Duration timeout = config.sendTimeout();
        if (!running) {
            return Uni.createFrom().failure(unavailable("the Kafka transport is stopped", null));
        }
        return Uni.createFrom().<Void>emitter(em -> {
            Context ctx = Vertx.currentContext();
            long deadline = System.nanoTime() + timeout.toNanos();
            try {
                sender.execute(() -> {
                    if (System.nanoTime() - deadline >= 0) {
                        return; // the caller was already told it is unavailable: do not send it late
                    }
                    try {
                        producer.send(record, (metadata, failure) -> finish(ctx, em, failure));
                    } catch (RuntimeException e) {
                        finish(ctx, em, e);
                    }
                });
            } catch (RejectedExecutionException e) {
                em.fail(unavailable("the Kafka transport is stopped", null));
            }
        }).ifNoItem().after(timeout).failWith(() -> unavailable(
                "Kafka did not acknowledge within " + timeout + " (tidings.kafka.send-timeout)", null));
    }

    private void finish(Context ctx, UniEmitter<? super Void> em, Exception failure) {
        Runnable done = failure == null
                ? () -> em.complete(null)
                : () -> em.fail(unavailable("Kafka did not take the record: " + failure.getMessage(), failure));
        if (failure != null) {
            problems.warn("Kafka send failed: %s", failure.toString());
        }
        if (ctx != null) {
            ctx.runOnContext(v -> done.run());
        } else {
            done.run();
        }
    }

    private static TidingsException unavailable(String message, Throwable cause) {
        return new TidingsException(TidingsException.Reason.UNAVAILABLE, message, cause);
    }

    // ---- consuming -----------------------------------------------------------------------------------

    private List<String> allTopics() {
        List<String> topics = new ArrayList<>(typeTopics.values());
        topics.add(config.controlTopic());
        return topics;
    }

    private void consume() {
        KafkaConsumer<byte[], byte[]> c = new KafkaConsumer<>(consumerProps, new ByteArrayDeserializer(), new ByteArrayDeserializer());
        consumer = c;
        Set<TopicPartition> assignment = Set.of();
        long nextRefresh = 0;
        try {
            while (running) {
                try {
                    long now = System.nanoTime();
                    if (!positioned) {
                        if (config.createTopics()) {
                            createMissingTopics();
                        }
                        assignment = assign(c, assignment, true);
                        warmProducer();
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
                    for (ConsumerRecord<byte[], byte[]> r : records) {
                        handle(r);
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
        } finally {
            if (running) {
                // Not a shutdown: an Error escaped (user code on this thread, out of memory).
                // Readiness must say that nothing is read any more.
                consumerDead = true;
                LOG.error("The Kafka consumer thread has stopped; this replica no longer delivers (readiness is DOWN)");
            }
            try {
                c.close(Duration.ofSeconds(2));
            } catch (RuntimeException e) {
                LOG.debugf("closing the Kafka consumer: %s", e);
            }
        }
    }

    /**
     * The Kafka clients retry a lost broker by themselves (and say so at WARN on every attempt);
     * this says it once per state change: unreachable after a few seconds without a connection,
     * and reachable again.
     */
    private void watchConnection(KafkaConsumer<byte[], byte[]> c, long now) {
        double connections = 1;
        for (var e : c.metrics().entrySet()) {
            if (e.getKey().name().equals("connection-count") && e.getKey().group().equals("consumer-metrics")) {
                Object v = e.getValue().metricValue();
                connections = v instanceof Number n ? n.doubleValue() : 1;
                break;
            }
        }
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

    private void createMissingTopics() throws RuntimeException {
        long timeout = Math.max(1000, config.sendTimeout().toMillis());
        try {
            Set<String> existing = admin.listTopics().names().get(timeout, TimeUnit.MILLISECONDS);
            List<NewTopic> create = new ArrayList<>();
            for (String topic : allTopics()) {
                if (!existing.contains(topic)) {
                    create.add(new NewTopic(topic, config.partitions(), config.replicationFactor()));
                }
            }
            if (create.isEmpty()) {
                return;
            }
            var result = admin.createTopics(create);
            for (var e : result.values().entrySet()) {
                try {
                    e.getValue().get(timeout, TimeUnit.MILLISECONDS);
                    LOG.infof("Created Kafka topic %s", e.getKey());
                } catch (java.util.concurrent.ExecutionException ex) {
                    if (!(ex.getCause() instanceof TopicExistsException)) {
                        throw new IllegalStateException("cannot create topic " + e.getKey() + ": " + ex.getCause(), ex.getCause());
                    }
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptException(e);
        } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException e) {
            throw new IllegalStateException("cannot list or create topics: " + e, e);
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
        for (String topic : allTopics()) {
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
        c.assign(all);
        assignedPartitions = all.size();
        if (fresh.isEmpty()) {
            return Set.copyOf(all);
        }
        if (initial) {
            c.seekToEnd(fresh);
            // resolve the positions now (a failure retries the whole start), so that nothing
            // published once this replica is ready is missed
            for (TopicPartition tp : fresh) {
                c.position(tp, timeout);
            }
        } else {
            c.seekToBeginning(fresh);
            LOG.infof("Kafka transport now also reads %s", fresh);
            // the seek is settled by the next poll at the latest; the assignment is already changed
        }
        return Set.copyOf(all);
    }

    /** Fetches the producer's metadata now, so that the first notify does not wait for it. */
    private void warmProducer() {
        for (String topic : allTopics()) {
            if (!missingTopics.contains(topic)) {
                producer.partitionsFor(topic);
            }
        }
    }

    private void handle(ConsumerRecord<byte[], byte[]> r) {
        try {
            if (r.topic().equals(config.controlTopic())) {
                handleControl(r);
                return;
            }
            String type = topicTypes.get(r.topic());
            if (type == null) {
                return;
            }
            String key = r.key() == null ? null : new String(r.key(), StandardCharsets.UTF_8);
            if (key == null || key.isEmpty()) {
                hub.rejected(Where.of(r), "record of type " + type + " has no key");
            } else if (r.value() == null) {
                hub.rejected(Where.of(r), "record of type " + type + " key " + key + " has no value");
            } else if (!hub.listensOn(type, key)) {
                hub.skipped(type);
            } else {
                hub.onPublication(new Publication(type, key, r.value(), notFor(r.headers()), Where.of(r), r.timestamp()));
            }
        } catch (RuntimeException e) {
            hub.rejected(Where.of(r), e.getMessage());
        }
    }

    /** Where a record came from, for the log line of a rejected one. */
    private record Where(String topic, int partition, long offset) {
        static Where of(ConsumerRecord<?, ?> r) {
            return new Where(r.topic(), r.partition(), r.offset());
        }

        @Override
        public String toString() {
            return topic + "-" + partition + "@" + offset;
        }
    }

    private static NotFor notFor(Headers headers) {
        Header client = headers.lastHeader(NOTFOR_CLIENT_HEADER);
        Header identity = headers.lastHeader(NOTFOR_IDENTITY_HEADER);
        if (client != null && identity != null) {
            throw new IllegalArgumentException("both " + NOTFOR_CLIENT_HEADER + " and " + NOTFOR_IDENTITY_HEADER + " headers");
        }
        Header h = client != null ? client : identity;
        if (h == null) {
            return NotFor.none();
        }
        if (h.value() == null || h.value().length == 0) {
            throw new IllegalArgumentException("empty " + h.key() + " header");
        }
        String value = new String(h.value(), StandardCharsets.UTF_8);
        return client != null ? NotFor.client(value) : NotFor.identity(value);
    }

    private void handleControl(ConsumerRecord<byte[], byte[]> r) {
        Control control;
        try {
            control = controls.decode(r.value());
        } catch (IllegalArgumentException e) {
            badControls.incrementAndGet();
            hub.rejected(Where.of(r), "bad control message: " + e.getMessage());
            return;
        }
        hub.onControl(control);
    }

    // ---- readiness -------------------------------------------------------------------------------------

    /** Up when the broker answers and the consumer reads every partition of every topic. */
    Uni<HealthCheckResponse> health() {
        HealthCheckResponseBuilder b = HealthCheckResponse.named(KafkaReadinessCheck.NAME)
                .withData("transport", "kafka").withData("bootstrap.servers", String.valueOf(bootstrapServers));
        if (!running || admin == null) {
            return Uni.createFrom().item(b.down().withData("state", "not started").build());
        }
        if (consumerDead) {
            return Uni.createFrom().item(b.down().withData("state", "consumer thread stopped").build());
        }
        int timeout = (int) Math.max(1, config.healthTimeout().toMillis());
        return Uni.createFrom().completionStage(() -> admin.describeCluster(new DescribeClusterOptions().timeoutMs(timeout))
                        .clusterId().toCompletionStage())
                .map(clusterId -> {
                    b.withData("cluster", String.valueOf(clusterId)).withData("partitions", assignedPartitions)
                            .withData("badControlMessages", badControls.get());
                    if (!positioned) {
                        return b.down().withData("state", "positioning the consumer").build();
                    }
                    if (!missingTopics.isEmpty()) {
                        return b.down().withData("state", "missing topics " + missingTopics).build();
                    }
                    return b.up().withData("state", "reading").build();
                })
                .onFailure().recoverWithItem(e -> b.down().withData("state", "broker unreachable: " + e).build());
    }

    /** Topics in use, type name → topic (for docs and tests). */
    public Map<String, String> topics() {
        return Map.copyOf(typeTopics);
    }
}
