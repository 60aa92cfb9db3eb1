package dev.tidings.kafka.testing;

import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * One replica of the packaged application ({@code target/quarkus-app/quarkus-run.jar}) as a
 * separate process on its own port, in demo identity mode, on the Kafka transport. It logs to
 * {@code target/kafka-it/<name>.log} and dies with the test JVM.
 */
public final class Replica implements AutoCloseable {

    private static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5)).build();

    public final String name;
    public final int port;
    private final Path log;
    private Process process;

    /** What a request answered. */
    public record Answer(int status, String body) {}

    private Replica(String name, int port, Path log, Process process) {
        this.name = name;
        this.port = port;
        this.log = log;
        this.process = process;
    }

    /** Launches a replica; {@link #awaitReady()} waits for it. */
    public static Replica launch(String name, String bootstrapServers, Map<String, String> settings) {
        return launch(name, bootstrapServers, settings, KafkaBroker.freePort());
    }

    /** Launches a replica on a given port: a replica started again where a browser page expects it. */
    public static Replica launch(String name, String bootstrapServers, Map<String, String> settings, int port) {
        Path app = Paths.get("target", "quarkus-app", "quarkus-run.jar").toAbsolutePath();
        if (!Files.exists(app)) {
            throw new IllegalStateException(app + " is missing: the integration tests run after `package`");
        }
        try {
            Path dir = Paths.get("target", "kafka-it").toAbsolutePath();
            Files.createDirectories(dir);
            Path log = dir.resolve(name + ".log");
            List<String> command = new ArrayList<>(List.of(KafkaBroker.javaExecutable(), "-Xms32m", "-Xmx256m",
                    "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1",
                    "-Dquarkus.profile=demo",
                    "-Dquarkus.http.host=127.0.0.1",
                    "-Dquarkus.http.port=" + port,
                    "-Dtidings.transport=kafka",
                    "-Dkafka.bootstrap.servers=" + bootstrapServers,
                    "-Dquarkus.log.category.\"org.apache.kafka\".level=WARN"));
            settings.forEach((k, v) -> command.add("-D" + k + "=" + v));
            command.addAll(List.of("-cp", app + java.io.File.pathSeparator + ParentWatch.classpathEntry(),
                    ParentWatch.class.getName(), "io.quarkus.bootstrap.runner.QuarkusEntryPoint"));
            Process p = new ProcessBuilder(command).redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.to(log.toFile())).start();
            Replica r = new Replica(name, port, log, p);
            Runtime.getRuntime().addShutdownHook(new Thread(r::close, name + "-stop"));
            return r;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Waits until the replica is up and ready (its Kafka consumer reads every partition). */
    public Replica awaitReady() {
        await(name + " ready (log: " + log + ")").atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofMillis(200))
                .until(() -> {
                    if (!process.isAlive()) {
                        throw new IllegalStateException(name + " exited; see " + log);
                    }
                    return ready();
                });
        return this;
    }

    public boolean ready() {
        try {
            return get("/q/health/ready").status() == 200;
        } catch (UncheckedIOException e) {
            return false;
        }
    }

    /** Kills the process at once (SIGKILL), as a crash or an OOM kill would: no drain, no goodbye. */
    public void kill() {
        process.destroyForcibly();
        try {
            process.waitFor(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Freezes the process (SIGSTOP), as a long pause or a network partition would look to the broker. */
    public void freeze() {
        signal("STOP");
    }

    /** Lets a frozen process go on (SIGCONT). */
    public void thaw() {
        signal("CONT");
    }

    private void signal(String name) {
        try {
            Process kill = new ProcessBuilder("kill", "-" + name, Long.toString(process.pid())).inheritIO().start();
            if (!kill.waitFor(10, TimeUnit.SECONDS) || kill.exitValue() != 0) {
                throw new IllegalStateException("kill -" + name + " " + process.pid() + " failed");
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** What the replica has logged so far. */
    public String log() {
        try {
            return Files.readString(log);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public URI uri(String pathAndQuery) {
        return URI.create("http://127.0.0.1:" + port + pathAndQuery);
    }

    public Answer get(String path) {
        return send(HttpRequest.newBuilder(uri(path)).GET());
    }

    public Answer post(String path, String json) {
        return send(HttpRequest.newBuilder(uri(path)).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(json)));
    }

    /** DELETE as an identity (demo mode's X-Identity). */
    public Answer delete(String path, String identity) {
        return send(HttpRequest.newBuilder(uri(path)).header("X-Identity", identity).DELETE());
    }

    private Answer send(HttpRequest.Builder request) {
        try {
            HttpResponse<String> r = HTTP.send(request.timeout(Duration.ofSeconds(30)).build(),
                    HttpResponse.BodyHandlers.ofString());
            return new Answer(r.statusCode(), r.body());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    @Override
    public synchronized void close() {
        if (process == null) {
            return;
        }
        process.destroy();
        try {
            if (!process.waitFor(15, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
        }
        process = null;
    }

    @Override
    public String toString() {
        return name + "@" + port;
    }
}
