package dev.tidings.deploy;

import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.KubernetesResource;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.api.model.VolumeMount;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import io.strimzi.api.kafka.model.kafka.Kafka;
import io.strimzi.api.kafka.model.nodepool.KafkaNodePool;
import io.strimzi.api.kafka.model.topic.KafkaTopic;
import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Assumptions;

/**
 * One environment of {@code kubernetes/overlays/<name>} as {@code kubectl kustomize} renders it,
 * read into fabric8's Kubernetes model and Strimzi's (its {@code kafka.strimzi.io/v1} resources
 * are read through the model of Strimzi's API module, which holds the fields of both versions).
 */
final class Overlay {

    static final Path KUBERNETES = Path.of("kubernetes");
    static final KubernetesSerialization SERIALIZATION = new KubernetesSerialization();
    private static final Map<String, Class<? extends HasMetadata>> STRIMZI = Map.of(
            "Kafka", Kafka.class, "KafkaNodePool", KafkaNodePool.class, "KafkaTopic", KafkaTopic.class);
    private static final Map<String, Overlay> RENDERED = new ConcurrentHashMap<>();

    final String name;
    final List<HasMetadata> resources;
    /** Each resource's apiVersion as rendered (Strimzi's model reports the version it was built for instead). */
    private final List<String> apiVersions;

    private Overlay(String name, List<HasMetadata> resources, List<String> apiVersions) {
        this.name = name;
        this.resources = List.copyOf(resources);
        this.apiVersions = List.copyOf(apiVersions);
    }

    /** The overlay rendered once per test JVM; the test is skipped (one line) where kubectl is missing. */
    static Overlay render(String name) {
        Assumptions.assumeTrue(kubectl().isPresent(),
                "kubectl is not on the PATH: kubernetes/ is not rendered, its tests are skipped");
        return RENDERED.computeIfAbsent(name, Overlay::kustomize);
    }

    static Optional<Path> kubectl() {
        String path = System.getenv().getOrDefault("PATH", "");
        for (String dir : path.split(File.pathSeparator)) {
            Path candidate = Path.of(dir, "kubectl");
            if (Files.isExecutable(candidate)) {
                return Optional.of(candidate);
            }
        }
        return Optional.empty();
    }

    private static Overlay kustomize(String name) {
        Path dir = KUBERNETES.resolve("overlays").resolve(name);
        try {
            Path out = Files.createTempFile("kustomize-" + name, ".yaml");
            Path err = Files.createTempFile("kustomize-" + name, ".err");
            try {
                Process p = new ProcessBuilder(kubectl().orElseThrow().toString(), "kustomize", dir.toString())
                        .redirectOutput(out.toFile()).redirectError(err.toFile()).start();
                if (!p.waitFor(60, TimeUnit.SECONDS)) {
                    p.destroyForcibly();
                    throw new AssertionError("kubectl kustomize " + dir + " did not finish within 60 s");
                }
                if (p.exitValue() != 0) {
                    throw new AssertionError("kubectl kustomize " + dir + " failed: " + Files.readString(err));
                }
                List<HasMetadata> resources = new ArrayList<>();
                List<String> apiVersions = new ArrayList<>();
                parse(Files.readString(out, StandardCharsets.UTF_8), resources, apiVersions);
                return new Overlay(name, resources, apiVersions);
            } finally {
                Files.deleteIfExists(out);
                Files.deleteIfExists(err);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    private static void parse(String yaml, List<HasMetadata> resources, List<String> apiVersions) {
        for (String document : yaml.split("(?m)^---\\s*$")) {
            if (document.isBlank()) {
                continue;
            }
            KubernetesResource r = SERIALIZATION.unmarshal(document);
            String apiVersion = ((HasMetadata) r).getApiVersion();
            if (r instanceof GenericKubernetesResource g && STRIMZI.containsKey(g.getKind())) {
                r = SERIALIZATION.convertValue(g, STRIMZI.get(g.getKind()));
            }
            if (r instanceof GenericKubernetesResource g) {
                throw new AssertionError("no model for " + g.getApiVersion() + " " + g.getKind() + " " + g.getMetadata().getName());
            }
            resources.add((HasMetadata) r);
            apiVersions.add(apiVersion);
        }
    }

    String apiVersion(HasMetadata resource) {
        for (int i = 0; i < resources.size(); i++) {
            if (resources.get(i) == resource) {
                return apiVersions.get(i);
            }
        }
        throw new IllegalArgumentException("not a resource of " + name);
    }

    <T extends HasMetadata> List<T> all(Class<T> kind) {
        return resources.stream().filter(kind::isInstance).map(kind::cast).collect(Collectors.toList());
    }

    /** The one resource of that kind; fails when there are none or several. */
    <T extends HasMetadata> T one(Class<T> kind) {
        List<T> found = all(kind);
        if (found.size() != 1) {
            throw new AssertionError(name + ": expected one " + kind.getSimpleName() + ", found " + found.size());
        }
        return found.get(0);
    }

    Deployment deployment() {
        return one(Deployment.class);
    }

    Container container() {
        List<Container> containers = deployment().getSpec().getTemplate().getSpec().getContainers();
        if (containers.size() != 1) {
            throw new AssertionError(name + ": expected one container, found " + containers.size());
        }
        return containers.get(0);
    }

    Optional<String> env(String variable) {
        return Optional.ofNullable(container().getEnv()).orElse(List.of()).stream()
                .filter(e -> e.getName().equals(variable)).map(EnvVar::getValue).findFirst();
    }

    Volume volume(String volumeName) {
        return deployment().getSpec().getTemplate().getSpec().getVolumes().stream()
                .filter(v -> v.getName().equals(volumeName)).findFirst()
                .orElseThrow(() -> new AssertionError(name + ": no volume " + volumeName));
    }

    VolumeMount mount(String volumeName) {
        return container().getVolumeMounts().stream().filter(m -> m.getName().equals(volumeName)).findFirst()
                .orElseThrow(() -> new AssertionError(name + ": volume " + volumeName + " is not mounted"));
    }

    /** The ConfigMap the Deployment mounts as the volume of that name (by its generated name). */
    ConfigMap mountedConfigMap(String volumeName) {
        String generated = volume(volumeName).getConfigMap().getName();
        return all(ConfigMap.class).stream().filter(c -> c.getMetadata().getName().equals(generated)).findFirst()
                .orElseThrow(() -> new AssertionError(name + ": the Deployment mounts ConfigMap " + generated + ", which is not rendered"));
    }

    Secret mountedSecret(String volumeName) {
        String generated = volume(volumeName).getSecret().getSecretName();
        return all(Secret.class).stream().filter(s -> s.getMetadata().getName().equals(generated)).findFirst()
                .orElseThrow(() -> new AssertionError(name + ": the Deployment mounts Secret " + generated + ", which is not rendered"));
    }

    @Override
    public String toString() {
        return name;
    }
}
