package dev.tidings.kafka;

import io.smallrye.common.annotation.Identifier;
import io.smallrye.mutiny.Uni;
import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.DescribeClusterOptions;
import org.apache.kafka.clients.admin.DescribeTopicsOptions;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.config.TopicConfig;
import org.apache.kafka.common.errors.TopicExistsException;
import org.jboss.logging.Logger;

/**
 * The plain Kafka admin client, for what the connector does not do: creating the topics at start
 * ({@code tidings.kafka.create-topics}), telling readiness whether the broker answers, and the
 * topics' ids, from which recovery takes each log's epoch. Configured from the same {@code kafka.*} properties as the
 * connector's clients (Quarkus' {@code default-kafka-broker} configuration).
 */
@ApplicationScoped
public class TopicAdmin {

    private static final Logger LOG = Logger.getLogger(TopicAdmin.class);
    private static final Duration RETRY = Duration.ofSeconds(1);

    private final KafkaTransportConfig config;
    private final Map<String, Object> kafka;
    private Admin admin;
    private ScheduledExecutorService retries;

    @Inject
    public TopicAdmin(KafkaTransportConfig config, @Identifier("default-kafka-broker") Map<String, Object> kafka) {
        this.config = config;
        this.kafka = kafka;
    }

    /**
     * Creates the admin client, then, every second until it succeeds, makes sure the topics exist
     * (creating the missing ones if {@code tidings.kafka.create-topics}) and runs {@code then}
     * until it answers true (the channel may not be there yet). Never blocks the caller.
     */
    synchronized void start(Topics topics, String clientId, BooleanSupplier then) {
        Map<String, Object> props = new HashMap<>();
        kafka.forEach((k, v) -> {
            if (AdminClientConfig.configNames().contains(k)) {
                props.put(k, v);
            }
        });
        props.putIfAbsent(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, "localhost:9092");
        props.put(AdminClientConfig.CLIENT_ID_CONFIG, clientId);
        admin = Admin.create(props);
        retries = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "tidings-kafka-topics");
            t.setDaemon(true);
            return t;
        });
        retries.execute(() -> prepare(topics, then));
    }

    private void prepare(Topics topics, BooleanSupplier then) {
        boolean done = false;
        try {
            ensure(topics.all());
            done = then.getAsBoolean();
        } catch (RuntimeException e) {
            LOG.debugf("topics not ready yet, retrying: %s", e);
        } catch (InterruptedException e) {
            return;
        }
        if (!done && !retries.isShutdown()) {
            retries.schedule(() -> prepare(topics, then), RETRY.toMillis(), TimeUnit.MILLISECONDS);
        }
    }

    private void ensure(List<String> topics) throws InterruptedException {
        long timeout = Math.max(1000, config.sendTimeout().toMillis());
        try {
            Set<String> existing = admin.listTopics().names().get(timeout, TimeUnit.MILLISECONDS);
            List<NewTopic> create = new ArrayList<>();
            for (String topic : topics) {
                if (!existing.contains(topic)) {
                    create.add(new NewTopic(topic, config.partitions(), config.replicationFactor())
                            .configs(Map.of(TopicConfig.RETENTION_MS_CONFIG, Long.toString(config.retention().toMillis()))));
                }
            }
            if (create.isEmpty() || !config.createTopics()) {
                return; // missing topics are reported by readiness; the consumer reads them once they exist
            }
            for (var e : admin.createTopics(create).values().entrySet()) {
                try {
                    e.getValue().get(timeout, TimeUnit.MILLISECONDS);
                    LOG.infof("Created Kafka topic %s", e.getKey());
                } catch (ExecutionException ex) {
                    if (!(ex.getCause() instanceof TopicExistsException)) {
                        throw new IllegalStateException("cannot create topic " + e.getKey() + ": " + ex.getCause(), ex.getCause());
                    }
                }
            }
        } catch (ExecutionException | java.util.concurrent.TimeoutException e) {
            throw new IllegalStateException("cannot list or create topics: " + e, e);
        }
    }

    /** The broker's cluster id, within {@code timeout}. */
    Uni<String> clusterId(Duration timeout) {
        return Uni.createFrom().completionStage(() -> admin.describeCluster(
                new DescribeClusterOptions().timeoutMs((int) Math.max(1, timeout.toMillis()))).clusterId().toCompletionStage());
    }

    /**
     * The ids of the given topics, waiting at most {@code timeout} (on the caller's thread: the
     * consumer's, never an event loop). A topic deleted and created again has a new id.
     */
    Map<String, Uuid> topicIds(Collection<String> topics, Duration timeout) {
        try {
            Map<String, Uuid> ids = new HashMap<>();
            admin.describeTopics(topics, new DescribeTopicsOptions().timeoutMs((int) Math.max(1, timeout.toMillis())))
                    .allTopicNames().get(timeout.toMillis() + 1000, TimeUnit.MILLISECONDS)
                    .forEach((name, d) -> ids.put(name, d.topicId()));
            return ids;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while describing topics " + topics, e);
        } catch (ExecutionException | java.util.concurrent.TimeoutException e) {
            throw new IllegalStateException("cannot describe topics " + topics + ": " + e, e);
        }
    }

    String bootstrapServers() {
        return String.valueOf(kafka.getOrDefault(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, "localhost:9092"));
    }

    boolean started() {
        return admin != null;
    }

    @PreDestroy
    synchronized void stop() {
        if (retries != null) {
            retries.shutdownNow();
        }
        if (admin != null) {
            admin.close(Duration.ofSeconds(2));
        }
    }
}
