package dev.tidings.deploy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.tidings.core.TidingsConfig;
import dev.tidings.demo.DemoConfig;
import dev.tidings.identity.IdentityConfig;
import dev.tidings.kafka.KafkaTransportConfig;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.strimzi.api.kafka.model.kafka.Kafka;
import io.strimzi.api.kafka.model.kafka.KafkaClusterSpec;
import io.strimzi.api.kafka.model.kafka.listener.GenericKafkaListener;
import io.strimzi.api.kafka.model.nodepool.KafkaNodePool;
import io.strimzi.api.kafka.model.nodepool.ProcessRoles;
import io.strimzi.api.kafka.model.topic.KafkaTopic;
import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.eclipse.microprofile.jwt.config.Names;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The ConfigMap of each overlay read as the application reads it, and, for prod, the Strimzi
 * resources: every key is one the application (or the library it hands it to) knows, and every
 * topic the replicas will read is declared as a KafkaTopic of the cluster they connect to.
 */
class DeploymentConfigTest {

    @ParameterizedTest
    @ValueSource(strings = {"dev", "prod"})
    void everyKeyOfTheConfigMapIsOneTheApplicationReads(String name) {
        Overlay overlay = Overlay.render(name);
        AppConfig app;
        try {
            // tidings.*: every @ConfigMapping of the application, unknown keys refused, values converted.
            app = AppConfig.strict(overlay);
            app.mapping(TidingsConfig.class);
        } catch (RuntimeException e) {
            throw new AssertionError(name + ": the ConfigMap does not configure the application: " + e.getMessage(), e);
        }
        Set<String> kafkaClientKeys = new TreeSet<>();
        kafkaClientKeys.addAll(ProducerConfig.configNames());
        kafkaClientKeys.addAll(ConsumerConfig.configNames());
        kafkaClientKeys.addAll(AdminClientConfig.configNames());
        Set<String> jwtKeys = constants(Names.class);

        List<String> unknown = new ArrayList<>();
        for (String key : app.configMapKeys.keySet()) {
            boolean known;
            if (key.startsWith("tidings.")) {
                known = true; // checked by the mappings above
            } else if (key.startsWith("kafka.")) {
                known = kafkaClientKeys.contains(key.substring("kafka.".length())); // handed to the Kafka clients
            } else if (key.startsWith("mp.jwt.")) {
                known = jwtKeys.contains(key);
            } else if (key.startsWith("quarkus.")) {
                // a key of an extension the application has, read at run time (build-time keys are fixed in the jar)
                known = QuarkusKeys.phase(key).filter("RUN_TIME"::equals).isPresent();
            } else {
                known = false;
            }
            if (!known) {
                unknown.add(key);
            }
        }
        assertEquals(List.of(), unknown, name + ": keys in the ConfigMap that nothing reads at run time");
    }

    @Test
    void devRunsInProcessWithDemoIdentities() {
        AppConfig dev = AppConfig.of(Overlay.render("dev"));
        assertEquals("demo", dev.profile);
        assertEquals("local", dev.mapping(TidingsConfig.class).transport());
        assertEquals(IdentityConfig.Mode.DEMO, dev.mapping(IdentityConfig.class).mode());
        assertTrue(dev.mapping(DemoConfig.class).enabled());
    }

    @Test
    void prodRunsOnKafkaWithJwtIdentitiesAndNoDemo() {
        AppConfig prod = AppConfig.of(Overlay.render("prod"));
        assertEquals("prod", prod.profile);
        assertEquals("kafka", prod.mapping(TidingsConfig.class).transport());
        assertEquals(IdentityConfig.Mode.JWT, prod.mapping(IdentityConfig.class).mode());
        assertFalse(prod.mapping(DemoConfig.class).enabled(), "the demo's chat type trusts any caller's claims");
        assertFalse(prod.mapping(KafkaTransportConfig.class).createTopics(), "the Topic Operator owns the topics");
    }

    @Test
    void prodBootstrapServersAreTheStrimziBootstrapServiceOfItsListener() {
        Overlay prod = Overlay.render("prod");
        AppConfig app = AppConfig.of(prod);
        Kafka kafka = prod.one(Kafka.class);
        String servers = app.config.getValue("kafka.bootstrap.servers", String.class);
        String protocol = app.config.getOptionalValue("kafka.security.protocol", String.class).orElse("PLAINTEXT");

        String[] hostPort = servers.split(",")[0].trim().split(":");
        String service = kafka.getMetadata().getName() + "-kafka-bootstrap";
        String host = hostPort[0];
        assertTrue(host.equals(service) || host.startsWith(service + "." + kafka.getMetadata().getNamespace() + "."),
                servers + " is not the bootstrap Service " + service + " of Kafka " + kafka.getMetadata().getName());
        int port = Integer.parseInt(hostPort[1]);
        GenericKafkaListener listener = kafka.getSpec().getKafka().getListeners().stream()
                .filter(l -> l.getPort() == port).findFirst()
                .orElseThrow(() -> new AssertionError("Kafka " + kafka.getMetadata().getName() + " has no listener on port " + port));
        assertEquals(protocol.endsWith("SSL"), listener.isTls(),
                "kafka.security.protocol " + protocol + " against listener " + listener.getName() + " (tls: " + listener.isTls() + ")");
        assertEquals(listener.getAuth() != null, protocol.startsWith("SASL") || app.configMapKeys.containsKey("kafka.ssl.keystore.location"),
                "authentication of listener " + listener.getName() + " and the client's settings must agree");
    }

    @Test
    void everyTopicTheReplicasReadIsAKafkaTopicOfTheirClusterAndNoOther() {
        Overlay prod = Overlay.render("prod");
        AppConfig app = AppConfig.of(prod);
        KafkaTransportConfig kafka = app.mapping(KafkaTransportConfig.class);
        List<String> types = app.mapping(TidingsConfig.class).simpleTypes().orElse(List.of());
        assertFalse(types.isEmpty(), "prod declares its types in tidings.simple-types");

        Set<String> expected = new TreeSet<>();
        for (String type : types) {
            expected.add(kafka.topics().getOrDefault(type, kafka.topicPrefix() + type));
        }
        expected.add(kafka.controlTopic());
        Set<String> declared = prod.all(KafkaTopic.class).stream()
                .map(t -> t.getSpec().getTopicName() != null ? t.getSpec().getTopicName() : t.getMetadata().getName())
                .collect(Collectors.toCollection(TreeSet::new));
        assertEquals(expected, declared, "KafkaTopics against the topics of tidings.simple-types " + types + " and the control topic");

        String cluster = prod.one(Kafka.class).getMetadata().getName();
        for (KafkaTopic topic : prod.all(KafkaTopic.class)) {
            assertEquals(cluster, topic.getMetadata().getLabels().get("strimzi.io/cluster"),
                    topic.getMetadata().getName() + " must name its cluster for the Topic Operator");
        }
    }

    @Test
    void topicsHavePartitionsReplicationAndBoundedRetention() {
        Overlay prod = Overlay.render("prod");
        int brokers = prod.all(KafkaNodePool.class).stream()
                .filter(p -> p.getSpec().getRoles().contains(ProcessRoles.BROKER))
                .mapToInt(p -> p.getSpec().getReplicas()).sum();
        for (KafkaTopic topic : prod.all(KafkaTopic.class)) {
            String name = topic.getSpec().getTopicName();
            assertNotNull(topic.getSpec().getPartitions(), name + ": partitions");
            assertTrue(topic.getSpec().getPartitions() >= 1);
            int replicas = topic.getSpec().getReplicas();
            assertTrue(replicas <= brokers, name + ": " + replicas + " replicas on " + brokers + " brokers");
            Map<String, Object> config = topic.getSpec().getConfig();
            long retentionMs = number(config, "retention.ms", name);
            long retentionBytes = number(config, "retention.bytes", name);
            assertTrue(retentionMs > 0 && retentionBytes > 0, name + ": retention must be bounded (-1 keeps everything)");
            assertTrue(number(config, "segment.bytes", name) < retentionBytes,
                    name + ": only closed segments are deleted; segment.bytes must be below retention.bytes");
            assertTrue(number(config, "segment.ms", name) < retentionMs, name + ": segment.ms must be below retention.ms");
            long minIsr = number(config, "min.insync.replicas", name);
            assertTrue(minIsr < replicas, name + ": with acks=all, min.insync.replicas " + minIsr
                    + " must be below replicas " + replicas + " to survive the loss of a broker");
        }
    }

    @Test
    @SuppressWarnings("deprecation") // spec.kafka.replicas and spec.zookeeper, asserted absent
    void kafkaRunsOnKRaftWithNodePoolsOfControllersAndBrokers() {
        Overlay prod = Overlay.render("prod");
        Kafka kafka = prod.one(Kafka.class);
        for (HasMetadata strimzi : prod.resources.stream().filter(r -> r.getClass().getName().startsWith("io.strimzi")).toList()) {
            assertEquals("kafka.strimzi.io/v1", prod.apiVersion(strimzi),
                    strimzi.getKind() + ": the API every operator from 0.49 serves, and the only one from 1.0");
        }
        assertEquals("enabled", kafka.getMetadata().getAnnotations().get("strimzi.io/kraft"));
        assertEquals("enabled", kafka.getMetadata().getAnnotations().get("strimzi.io/node-pools"));
        KafkaClusterSpec spec = kafka.getSpec().getKafka();
        assertEquals(null, spec.getReplicas(), "with node pools the pools say how many nodes");
        assertEquals(null, kafka.getSpec().getZookeeper());
        Set<ProcessRoles> roles = prod.all(KafkaNodePool.class).stream()
                .peek(p -> assertEquals(kafka.getMetadata().getName(), p.getMetadata().getLabels().get("strimzi.io/cluster")))
                .flatMap(p -> p.getSpec().getRoles().stream()).collect(Collectors.toSet());
        assertEquals(Set.of(ProcessRoles.CONTROLLER, ProcessRoles.BROKER), roles);
        assertNotNull(kafka.getSpec().getEntityOperator().getTopicOperator(), "the Topic Operator creates the KafkaTopics");
    }

    private static long number(Map<String, Object> config, String key, String topic) {
        Object value = config.get(key);
        if (value == null) {
            fail(topic + ": no " + key);
        }
        return Long.parseLong(value.toString());
    }

    private static Set<String> constants(Class<?> type) {
        Set<String> out = new TreeSet<>();
        for (Field f : type.getFields()) {
            if (Modifier.isStatic(f.getModifiers()) && f.getType() == String.class) {
                try {
                    out.add((String) f.get(null));
                } catch (IllegalAccessException e) {
                    throw new IllegalStateException(e);
                }
            }
        }
        return out;
    }
}
