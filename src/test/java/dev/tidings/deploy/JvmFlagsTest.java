package dev.tidings.deploy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * The collector and young generation decide throughput, tails and RSS per client together
 * (BENCHMARKS.md runs 11 and 13), so every way of running the server carries the same ones: the
 * README's run command, the Dockerfile, the Jib image, {@code src/cluster/start}, and the
 * benchmark, which must measure what users run. Heap limits differ by design (the container's
 * share of its memory limit, a small local cluster) and are not compared.
 */
class JvmFlagsTest {

    private static final Pattern SHAPE = Pattern.compile("-XX:[+-]Use\\w+GC|-Xmn\\w+");

    @Test
    void everyWayToRunTheServerUsesTheRunCommandsCollectorAndYoungGeneration() throws IOException {
        Map<String, List<String>> flags = new TreeMap<>();
        flags.put("README run command", shape(line("README.md", "java ", "quarkus-run.jar")));
        flags.put("Dockerfile.jvm", shape(line("src/main/docker/Dockerfile.jvm", "ENTRYPOINT", "java")));
        flags.put("Jib image", shape(ImageBuild.fromPom().property("quarkus.jib.jvm-additional-arguments")));
        flags.put("src/cluster/start", shape(line("src/cluster/start", "launch \"$name\" java")));
        flags.put("src/bench/run.sh", shape(line("src/bench/run.sh", "RUN_FLAGS=${RUN_FLAGS:-")));

        List<String> readme = flags.get("README run command");
        assertTrue(readme.contains("-XX:+UseParallelGC"), "the run command names its collector: " + readme);
        flags.forEach((where, shape) -> assertEquals(readme, shape, where + " runs the server as the README does"));
    }

    private static String line(String file, String... parts) throws IOException {
        for (String l : Files.readAllLines(Path.of(file))) {
            boolean all = true;
            for (String p : parts) {
                all &= l.contains(p);
            }
            if (all) {
                return l;
            }
        }
        throw new AssertionError(file + " has no line with " + String.join(" and ", parts));
    }

    private static List<String> shape(String text) {
        List<String> found = new ArrayList<>();
        Matcher m = SHAPE.matcher(text);
        while (m.find()) {
            found.add(m.group());
        }
        found.sort(null);
        return found;
    }
}
