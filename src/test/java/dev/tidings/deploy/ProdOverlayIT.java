package dev.tidings.deploy;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tidings.kafka.testing.KafkaBroker;
import dev.tidings.kafka.testing.ParentWatch;
import io.fabric8.kubernetes.api.model.networking.v1.Ingress;
import io.strimzi.api.kafka.model.topic.KafkaTopic;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.awaitility.core.ConditionTimeoutException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The packaged application started as a pod of kubernetes/overlays/prod starts: production
 * profile, the ConfigMap's files as config/ in its working directory, Kafka with topics it may
 * not create. It stays unready while the topics are missing and becomes ready once those that
 * the overlay's KafkaTopics declare exist (created here as the Topic Operator would, on the test
 * broker): the application's own idea of its topics and the overlay's agree.
 */
class ProdOverlayIT {

    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private Process replica;
    private Path log;

    @AfterEach
    void stopReplica() throws InterruptedException {
        if (replica != null) {
            replica.destroyForcibly().waitFor(20, TimeUnit.SECONDS); // prod's 20 s drain is not under test here
        }
    }

    @Test
    void aReplicaOnProdsConfigurationIsReadyOnlyOnceTheTopicsTheOverlayDeclaresExist() throws Exception {
        Overlay prod = Overlay.render("prod");
        KafkaBroker broker = KafkaBroker.shared();
        List<KafkaTopic> topics = prod.all(KafkaTopic.class);
        Set<String> names = topics.stream().map(t -> t.getSpec().getTopicName()).collect(Collectors.toCollection(TreeSet::new));

        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers()))) {
            // The broker is shared with other tests, whose replicas may have created these topics:
            // start from none, as a new cluster does.
            Set<String> existing = new TreeSet<>(admin.listTopics().names().get(10, TimeUnit.SECONDS));
            existing.retainAll(names);
            admin.deleteTopics(existing).all().get(30, TimeUnit.SECONDS);
            await("topics " + existing + " deleted").atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(200))
                    .until(() -> admin.listTopics().names().get(10, TimeUnit.SECONDS).stream().noneMatch(names::contains));

            int port = KafkaBroker.freePort();
            launch(prod, broker, port);
            await("prod replica unready for want of its topics (log: " + log + ")")
                    .atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofMillis(250))
                    .ignoreException(UncheckedIOException.class) // not listening yet
                    .until(() -> alive() && readiness(port).body().contains("missing topics"));

            // The Topic Operator's part. One broker: replication 1, and so no min.insync.replicas above it.
            List<NewTopic> create = topics.stream().map(t -> new NewTopic(t.getSpec().getTopicName(),
                            t.getSpec().getPartitions(), (short) 1)
                    .configs(t.getSpec().getConfig().entrySet().stream()
                            .filter(e -> !e.getKey().equals("min.insync.replicas"))
                            .collect(Collectors.toMap(Map.Entry::getKey, e -> e.getValue().toString()))))
                    .toList();
            admin.createTopics(create).all().get(30, TimeUnit.SECONDS);

            try {
                await("prod replica ready once the overlay's topics exist (log: " + log + ")")
                        .atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofMillis(250))
                        .until(() -> alive() && readiness(port).statusCode() == 200);
            } catch (ConditionTimeoutException e) {
                throw new AssertionError("created " + names + "; the replica's readiness still says " + readiness(port).body(), e);
            }
            assertEquals(200, readiness(port).statusCode(), readiness(port).body());
        }
    }

    @Test
    void aPageServedOverTheIngresssHttpsIsNotRefusedAsCrossOrigin() throws Exception {
        // The Ingress ends TLS and forwards plain HTTP, keeping the Host and adding
        // X-Forwarded-Proto: https. Without the ConfigMap's proxy settings the replica sees
        // http://<host> against the page's https://<host> Origin and refuses the page's own POSTs
        // (403) before anything else looks at them.
        Overlay prod = Overlay.render("prod");
        String host = prod.one(Ingress.class).getSpec().getRules().get(0).getHost();
        int port = KafkaBroker.freePort();
        launch(prod, KafkaBroker.shared(), port);
        await("prod replica listening (log: " + log + ")").atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofMillis(250))
                .ignoreException(UncheckedIOException.class)
                .until(() -> alive() && readiness(port).statusCode() > 0);

        String sameSite = notifyThroughIngress(port, host, "https://" + host);
        assertTrue(sameSite.startsWith("HTTP/1.1 401"), "same origin: on to authentication (no token here), not refused; " + sameSite);
        String otherSite = notifyThroughIngress(port, host, "https://elsewhere.example.com");
        assertTrue(otherSite.startsWith("HTTP/1.1 403"), "another site's page stays refused; " + otherSite);
    }

    /** A notify as ingress-nginx passes it on (java.net.http may not set Host): the status line. */
    private static String notifyThroughIngress(int port, String host, String origin) throws IOException {
        String body = "{\"key\":\"news\",\"notification\":{}}";
        try (Socket socket = new Socket("127.0.0.1", port)) {
            socket.setSoTimeout(10_000);
            socket.getOutputStream().write(("POST /notif/feed/notify HTTP/1.1\r\nHost: " + host + "\r\nOrigin: " + origin
                    + "\r\nX-Forwarded-Proto: https\r\nX-Forwarded-For: 203.0.113.7\r\nContent-Type: application/json"
                    + "\r\nContent-Length: " + body.length() + "\r\nConnection: close\r\n\r\n" + body)
                    .getBytes(StandardCharsets.US_ASCII));
            return new BufferedReader(new InputStreamReader(socket.getInputStream(), StandardCharsets.US_ASCII)).readLine();
        }
    }

    private void launch(Overlay prod, KafkaBroker broker, int port) throws IOException {
        Path jar = Path.of("target", "quarkus-app", "quarkus-run.jar").toAbsolutePath();
        Path dir = Files.createDirectories(Path.of("target", "deploy-it").toAbsolutePath());
        Path workdir = Files.createTempDirectory(dir, "prod-");
        Path config = Files.createDirectories(workdir.resolve("config"));
        for (Map.Entry<String, String> file : prod.mountedConfigMap("config").getData().entrySet()) {
            Files.writeString(config.resolve(file.getKey()), file.getValue());
        }
        log = workdir.resolve("replica.log");
        // Only what a cluster would give differently: where the broker is, and a free port.
        replica = new ProcessBuilder(KafkaBroker.javaExecutable(), "-Xmx256m", "-XX:+UseSerialGC",
                "-Dkafka.bootstrap.servers=" + broker.bootstrapServers(),
                "-Dquarkus.http.host=127.0.0.1", "-Dquarkus.http.port=" + port,
                "-cp", jar + java.io.File.pathSeparator + ParentWatch.classpathEntry(),
                ParentWatch.class.getName(), "io.quarkus.bootstrap.runner.QuarkusEntryPoint")
                .directory(workdir.toFile()).redirectErrorStream(true).redirectOutput(log.toFile()).start();
    }

    private boolean alive() throws IOException {
        if (!replica.isAlive()) {
            throw new AssertionError("the replica exited: " + Files.readString(log));
        }
        return true;
    }

    private static HttpResponse<String> readiness(int port) {
        try {
            return HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/q/health/ready"))
                    .timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
