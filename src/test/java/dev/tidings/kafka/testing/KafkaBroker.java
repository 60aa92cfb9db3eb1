package dev.tidings.kafka.testing;

import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.DescribeClusterOptions;
import org.apache.kafka.common.Uuid;

/**
 * A real Apache Kafka broker (KRaft, broker and controller in one process) for the tests, run as a
 * separate JVM from the {@code org.apache.kafka:kafka_2.13} jars that the build resolved into
 * {@code target/kafka-broker/classpath.txt} (see the pom). It listens on free loopback ports,
 * keeps its data under {@code target/kafka-broker/run-*}, can be stopped and started again on the
 * same ports and data (to test an outage), and dies with the test JVM (shutdown hook, and
 * {@link ParentWatch} in the child should the test JVM be killed).
 */
public final class KafkaBroker {

    private static KafkaBroker shared;
    /** Kept so that the level holds (JUL loggers are weakly referenced): quiet Kafka clients in the test JVM. */
    private static final java.util.logging.Logger KAFKA_LOG = java.util.logging.Logger.getLogger("org.apache.kafka");

    static {
        KAFKA_LOG.setLevel(java.util.logging.Level.WARNING);
    }

    private final Path dir;
    private final Path properties;
    private final Path log;
    private final int port;
    private final int controllerPort;
    private Process process;
    private boolean formatted;

    /** The broker every test of this JVM shares; started on first use. */
    public static synchronized KafkaBroker shared() {
        if (shared == null) {
            KafkaBroker b = new KafkaBroker();
            Runtime.getRuntime().addShutdownHook(new Thread(b::stop, "kafka-broker-stop"));
            b.start();
            shared = b;
        }
        return shared;
    }

    private KafkaBroker() {
        try {
            Path base = Paths.get("target", "kafka-broker").toAbsolutePath();
            Files.createDirectories(base);
            dir = Files.createTempDirectory(base, "run-");
            port = freePort();
            controllerPort = freePort();
            properties = dir.resolve("server.properties");
            log = dir.resolve("broker.log");
            Files.writeString(properties, String.join("\n",
                    "process.roles=broker,controller",
                    "node.id=1",
                    "controller.quorum.voters=1@127.0.0.1:" + controllerPort,
                    "listeners=PLAINTEXT://127.0.0.1:" + port + ",CONTROLLER://127.0.0.1:" + controllerPort,
                    "advertised.listeners=PLAINTEXT://127.0.0.1:" + port,
                    "controller.listener.names=CONTROLLER",
                    "inter.broker.listener.name=PLAINTEXT",
                    "listener.security.protocol.map=CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT",
                    "log.dirs=" + dir.resolve("data"),
                    "num.partitions=3",
                    "auto.create.topics.enable=false",
                    "offsets.topic.replication.factor=1",
                    "transaction.state.log.replication.factor=1",
                    "transaction.state.log.min.isr=1",
                    "share.coordinator.state.topic.replication.factor=1",
                    "share.coordinator.state.topic.min.isr=1",
                    "group.initial.rebalance.delay.ms=0",
                    "") );
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public String bootstrapServers() {
        return "127.0.0.1:" + port;
    }

    public int port() {
        return port;
    }

    public synchronized boolean running() {
        return process != null && process.isAlive();
    }

    /** Starts the broker (formatting its storage the first time) and waits until it answers. */
    public synchronized void start() {
        if (running()) {
            return;
        }
        try {
            if (!formatted) {
                Process format = launch(List.of("kafka.tools.StorageTool", "format",
                        "--cluster-id", Uuid.randomUuid().toString(), "--config", properties.toString()),
                        dir.resolve("format.log"));
                if (!format.waitFor(120, TimeUnit.SECONDS) || format.exitValue() != 0) {
                    format.destroyForcibly();
                    throw new IllegalStateException("formatting the Kafka storage failed; see " + dir.resolve("format.log"));
                }
                formatted = true;
            }
            process = launch(List.of("kafka.Kafka", properties.toString()), log);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers(),
                AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, 2000, AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 3000))) {
            await("Kafka broker on " + bootstrapServers() + " (log: " + log + ")")
                    .atMost(Duration.ofSeconds(120)).pollInterval(Duration.ofMillis(250)).ignoreExceptions()
                    .until(() -> {
                        if (!process.isAlive()) {
                            throw new IllegalStateException("the broker exited; see " + log);
                        }
                        return admin.describeCluster(new DescribeClusterOptions().timeoutMs(2000)).nodes()
                                .get(3, TimeUnit.SECONDS).size() == 1;
                    });
        }
    }

    /** Stops the broker (SIGTERM, then SIGKILL after 30 s) and waits until it has exited. */
    public synchronized void stop() {
        if (process == null) {
            return;
        }
        process.destroy();
        try {
            if (!process.waitFor(30, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
        }
        process = null;
    }

    private Process launch(List<String> mainAndArgs, Path output) throws IOException {
        Path cpFile = Paths.get("target", "kafka-broker", "classpath.txt").toAbsolutePath();
        if (!Files.exists(cpFile)) {
            throw new IllegalStateException(cpFile + " is missing: run the build through Maven "
                    + "(generate-test-resources writes it)");
        }
        String classpath = Files.readString(cpFile).trim() + java.io.File.pathSeparator + ParentWatch.classpathEntry();
        List<String> command = new ArrayList<>(List.of(javaExecutable(), "-Xms64m", "-Xmx512m", "-XX:+UseSerialGC",
                "-XX:TieredStopAtLevel=1", "-Djava.awt.headless=true",
                "-Dorg.slf4j.simpleLogger.logFile=System.out", "-Dorg.slf4j.simpleLogger.showDateTime=true",
                "-cp", classpath, ParentWatch.class.getName()));
        command.addAll(mainAndArgs);
        return new ProcessBuilder(command).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(output.toFile())).start();
    }

    public static String javaExecutable() {
        return Paths.get(System.getProperty("java.home"), "bin", "java").toString();
    }

    /** A port free right now on the loopback interface. */
    public static int freePort() {
        try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            s.setReuseAddress(true);
            return s.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
