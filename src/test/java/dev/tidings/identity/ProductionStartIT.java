package dev.tidings.identity;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** The packaged application, started as an operator would, with the production profile. */
class ProductionStartIT {

    private static final Path JAR = Path.of("target", "quarkus-app", "quarkus-run.jar");

    @Test
    void productionRefusesToStartWithoutAVerificationKeyAndSaysWhyInOneLine() throws Exception {
        String output = refusedStart();
        assertTrue(output.contains(IdentityModeCheck.NO_KEY), output);
    }

    @Test
    void aKafkaReplicaWithANegativeReadBackLimitRefusesToStartAndNamesTheSetting() throws Exception {
        // no broker is needed to refuse: the settings are checked before the topics are looked for
        String output = refusedStart("-Dtidings.identity.mode=demo", "-Dtidings.transport=kafka",
                "-Dkafka.bootstrap.servers=127.0.0.1:9", "-Dtidings.kafka.recovery.max-read=-1");
        assertTrue(output.contains("tidings.kafka.recovery.max-read must not be negative"), output);
    }

    /** Starts the packaged application with these flags, expects it to end by itself with an error, and gives its output. */
    private static String refusedStart(String... flags) throws Exception {
        Path log = Files.createTempFile("tidings-prod", ".log");
        List<String> command = new java.util.ArrayList<>(List.of(javaBin(), "-Dquarkus.http.port=0"));
        command.addAll(List.of(flags));
        command.addAll(List.of("-jar", JAR.toString()));
        Process p = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        try {
            assertTrue(p.waitFor(60, TimeUnit.SECONDS), "the process must end by itself");
            assertNotEquals(0, p.exitValue());
            return Files.readString(log);
        } finally {
            p.destroyForcibly();
        }
    }

    @Test
    void productionStartsInDemoModeWhenItIsSetExplicitly() throws Exception {
        Path log = Files.createTempFile("tidings-prod-demo", ".log");
        Process p = new ProcessBuilder(List.of(javaBin(), "-Dquarkus.http.port=0", "-Dtidings.identity.mode=demo", "-Dtidings.http.drain=1s",
                "-jar", JAR.toString())).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        try {
            org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(60))
                    .until(() -> Files.readString(log).contains("Listening on") || !p.isAlive());
            assertTrue(p.isAlive(), Files.readString(log));
            assertTrue(Files.readString(log).contains("DEMO identity mode"));
        } finally {
            p.destroy();
            p.waitFor(20, TimeUnit.SECONDS);
        }
        assertEquals(false, p.isAlive());
    }

    private static String javaBin() {
        return System.getProperty("java.home") + File.separator + "bin" + File.separator + "java";
    }
}
