package dev.tidings.deploy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tidings.http.HttpConfig;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerPort;
import io.fabric8.kubernetes.api.model.HTTPGetAction;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.Probe;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.TopologySpreadConstraint;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.autoscaling.v2.HorizontalPodAutoscaler;
import io.fabric8.kubernetes.api.model.networking.v1.Ingress;
import io.fabric8.kubernetes.api.model.networking.v1.IngressBackend;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudget;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * kubernetes/overlays/{dev,prod} as {@code kubectl kustomize} renders them, held to what the
 * application and its image build say: ports, probes, shutdown timing, image, mounts, and the
 * wiring between the resources.
 */
class KubernetesManifestsTest {

    @ParameterizedTest
    @ValueSource(strings = {"dev", "prod"})
    void everyFieldOfEveryManifestIsOneItsModelKnows(String name) {
        Overlay overlay = Overlay.render(name);
        for (HasMetadata resource : overlay.resources) {
            assertEquals(List.of(), UnknownFields.in(resource),
                    name + ": fields the API server would drop in " + resource.getKind() + " " + resource.getMetadata().getName());
        }
    }

    @Test
    void devRunsOneReplicaWithoutAutoscalerOrDisruptionBudget() {
        Overlay dev = Overlay.render("dev");
        assertEquals(1, dev.deployment().getSpec().getReplicas());
        assertEquals(List.of(), dev.all(HorizontalPodAutoscaler.class), "an autoscaler would scale dev past one replica");
        assertEquals(List.of(), dev.all(PodDisruptionBudget.class), "a budget of one replica only blocks node drains");
    }

    @Test
    void prodRunsThreeReplicasThatTheAutoscalerAndTheDisruptionBudgetKeepAvailable() {
        Overlay prod = Overlay.render("prod");
        Deployment deployment = prod.deployment();
        assertEquals(3, deployment.getSpec().getReplicas());

        HorizontalPodAutoscaler hpa = prod.one(HorizontalPodAutoscaler.class);
        assertEquals("Deployment", hpa.getSpec().getScaleTargetRef().getKind());
        assertEquals(deployment.getMetadata().getName(), hpa.getSpec().getScaleTargetRef().getName());
        assertEquals(3, hpa.getSpec().getMinReplicas(), "the autoscaler must not go below the Deployment's replicas");
        assertTrue(hpa.getSpec().getMaxReplicas() > hpa.getSpec().getMinReplicas());

        PodDisruptionBudget pdb = prod.one(PodDisruptionBudget.class);
        assertTrue(podLabels(deployment).entrySet().containsAll(pdb.getSpec().getSelector().getMatchLabels().entrySet()),
                "the budget selects the Deployment's pods");
        assertEquals(new IntOrString(1), pdb.getSpec().getMaxUnavailable(), "one replica at a time may go");
    }

    @ParameterizedTest
    @ValueSource(strings = {"dev", "prod"})
    void theContainerListensOnTheApplicationsHttpPortAndTheServiceAndIngressReachIt(String name) {
        Overlay overlay = Overlay.render(name);
        AppConfig app = AppConfig.of(overlay);
        int httpPort = app.config.getOptionalValue("quarkus.http.port", Integer.class).orElse(8080);

        List<ContainerPort> ports = overlay.container().getPorts();
        assertEquals(1, ports.size());
        assertEquals("http", ports.get(0).getName());
        assertEquals(httpPort, ports.get(0).getContainerPort());

        Service service = overlay.one(Service.class);
        assertTrue(podLabels(overlay.deployment()).entrySet().containsAll(service.getSpec().getSelector().entrySet()),
                "the Service selects the Deployment's pods");
        assertEquals(new IntOrString("http"), service.getSpec().getPorts().get(0).getTargetPort());

        IngressBackend backend = overlay.one(Ingress.class).getSpec().getRules().get(0).getHttp().getPaths().get(0).getBackend();
        assertEquals(service.getMetadata().getName(), backend.getService().getName());
        assertEquals(service.getSpec().getPorts().get(0).getName(), backend.getService().getPort().getName());
    }

    @ParameterizedTest
    @ValueSource(strings = {"dev", "prod"})
    void probesAskSmallRyeHealthOnTheHttpPort(String name) {
        Overlay overlay = Overlay.render(name);
        AppConfig app = AppConfig.of(overlay);
        String root = "/" + app.config.getOptionalValue("quarkus.http.non-application-root-path", String.class).orElse("q")
                + "/" + app.config.getOptionalValue("quarkus.smallrye-health.root-path", String.class).orElse("health");
        Container c = overlay.container();
        assertProbe(c.getReadinessProbe(), root + "/ready");
        assertProbe(c.getLivenessProbe(), root + "/live");
        assertProbe(c.getStartupProbe(), root + "/started");
        // ProbePathsTest asks the running application for the same paths.
    }

    private static void assertProbe(Probe probe, String path) {
        assertNotNull(probe, "probe on " + path);
        HTTPGetAction get = probe.getHttpGet();
        assertEquals(path, get.getPath());
        assertEquals(new IntOrString("http"), get.getPort());
    }

    @ParameterizedTest
    @ValueSource(strings = {"dev", "prod"})
    void theGracePeriodOutlastsPreStopDrainAndShutdownTimeout(String name) {
        Overlay overlay = Overlay.render(name);
        AppConfig app = AppConfig.of(overlay);
        PodSpec pod = overlay.deployment().getSpec().getTemplate().getSpec();
        Duration preStop = Duration.ofSeconds(overlay.container().getLifecycle().getPreStop().getSleep().getSeconds());
        Duration drain = app.mapping(HttpConfig.class).drain();
        Duration shutdownTimeout = app.duration("quarkus.shutdown.timeout");
        Duration grace = Duration.ofSeconds(pod.getTerminationGracePeriodSeconds());

        assertTrue(preStop.compareTo(Duration.ofSeconds(1)) >= 0, "a preStop pause lets endpoints drop the pod before SIGTERM");
        Duration needed = preStop.plus(drain).plus(shutdownTimeout);
        assertTrue(grace.compareTo(needed) > 0, name + ": terminationGracePeriodSeconds " + grace.toSeconds()
                + " s must outlast preStop " + preStop.toSeconds() + " s + tidings.http.drain " + drain.toSeconds()
                + " s + quarkus.shutdown.timeout " + shutdownTimeout.toSeconds() + " s");
    }

    @Test
    void baseDrainWindowOfTwentySecondsIsTheAssumptionTheGracePeriodNames() {
        // deployment.yaml's comment sizes 45 s for a 20 s drain; if the base drain changes, so must it.
        Overlay prod = Overlay.render("prod");
        assertEquals(Duration.ofSeconds(20), AppConfig.of(prod).mapping(HttpConfig.class).drain());
        assertEquals(45, prod.deployment().getSpec().getTemplate().getSpec().getTerminationGracePeriodSeconds());
    }

    @ParameterizedTest
    @ValueSource(strings = {"dev", "prod"})
    void theImageIsTheOneTheImageBuildProducesAndItsLayoutMatchesTheMounts(String name) {
        Overlay overlay = Overlay.render(name);
        ImageBuild build = ImageBuild.fromPom();
        Container c = overlay.container();
        assertEquals(build.image(), c.getImage());

        String workdir = build.property("quarkus.jib.working-directory");
        assertEquals(workdir + "/config", overlay.mount("config").getMountPath(),
                "Quarkus reads config/application.properties in the image's working directory");
        PodSpec pod = overlay.deployment().getSpec().getTemplate().getSpec();
        assertEquals(Long.valueOf(build.property("quarkus.jib.user")), pod.getSecurityContext().getRunAsUser());
        assertTrue(build.property("quarkus.jib.jvm-additional-arguments").contains("-XX:+UseParallelGC"));
    }

    @ParameterizedTest
    @ValueSource(strings = {"dev", "prod"})
    void theJwtKeyLocationIsAFileOfTheMountedSecret(String name) {
        Overlay overlay = Overlay.render(name);
        AppConfig app = AppConfig.of(overlay);
        String location = app.config.getValue("mp.jwt.verify.publickey.location", String.class);
        String dir = overlay.mount("jwt").getMountPath();
        assertTrue(location.startsWith(dir + "/"), location + " is not under the Secret's mount " + dir);
        Secret secret = overlay.mountedSecret("jwt");
        assertTrue(secret.getData().containsKey(location.substring(dir.length() + 1)),
                "the Secret holds no " + location.substring(dir.length() + 1));
    }

    @Test
    void prodNeverShipsTheTestsSigningKey() throws Exception {
        Overlay prod = Overlay.render("prod");
        String testKey = Files.readString(Path.of("src", "test", "resources", "jwt", "publicKey.pem")).trim();
        for (String value : prod.mountedSecret("jwt").getData().values()) {
            String pem = new String(Base64.getMimeDecoder().decode(value), StandardCharsets.UTF_8).trim();
            assertNotEquals(testKey, pem, "the tests' key pair is in the repository: anyone could sign tokens for it");
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"dev", "prod"})
    void theIngressPassesServerSentEventsThroughOverHttp2(String name) {
        Overlay overlay = Overlay.render(name);
        AppConfig app = AppConfig.of(overlay);
        Ingress ingress = overlay.one(Ingress.class);
        Map<String, String> a = ingress.getMetadata().getAnnotations();
        assertEquals("off", a.get("nginx.ingress.kubernetes.io/proxy-buffering"), "events must not wait in a buffer");
        Duration heartbeat = app.mapping(HttpConfig.class).heartbeat();
        for (String timeout : List.of("proxy-read-timeout", "proxy-send-timeout")) {
            long seconds = Long.parseLong(a.get("nginx.ingress.kubernetes.io/" + timeout));
            assertTrue(Duration.ofSeconds(seconds).compareTo(heartbeat.multipliedBy(4)) > 0,
                    timeout + " " + seconds + " s must be well over tidings.http.heartbeat " + heartbeat.toSeconds() + " s");
        }
        assertEquals("nginx", ingress.getSpec().getIngressClassName());
        assertFalse(ingress.getSpec().getTls().isEmpty(), "browsers speak HTTP/2 only over TLS");
        assertEquals(Set.copyOf(ingress.getSpec().getTls().get(0).getHosts()), Set.of(ingress.getSpec().getRules().get(0).getHost()));
    }

    @ParameterizedTest
    @ValueSource(strings = {"dev", "prod"})
    void theContainerAsksForWhatItMayUseAndNeverMoreMemoryThanItIsGuaranteed(String name) {
        Container c = Overlay.render(name).container();
        Map<String, Quantity> requests = c.getResources().getRequests();
        Map<String, Quantity> limits = c.getResources().getLimits();
        for (String resource : List.of("cpu", "memory")) {
            assertNotNull(requests.get(resource), "request " + resource);
            assertNotNull(limits.get(resource), "limit " + resource);
            assertTrue(Quantity.getAmountInBytes(requests.get(resource)).compareTo(Quantity.getAmountInBytes(limits.get(resource))) <= 0);
        }
        assertEquals(Quantity.getAmountInBytes(requests.get("memory")), Quantity.getAmountInBytes(limits.get("memory")),
                "the heap is sized from the limit: a request below it invites eviction");
    }

    @Test
    void prodReplicasSpreadOverZonesAndNodes() {
        Deployment deployment = Overlay.render("prod").deployment();
        List<TopologySpreadConstraint> spread = deployment.getSpec().getTemplate().getSpec().getTopologySpreadConstraints();
        assertEquals(Set.of("topology.kubernetes.io/zone", "kubernetes.io/hostname"),
                Set.copyOf(spread.stream().map(TopologySpreadConstraint::getTopologyKey).toList()));
        for (TopologySpreadConstraint t : spread) {
            assertEquals(podLabels(deployment), t.getLabelSelector().getMatchLabels());
        }
    }

    private static Map<String, String> podLabels(Deployment d) {
        return d.getSpec().getTemplate().getMetadata().getLabels();
    }
}
