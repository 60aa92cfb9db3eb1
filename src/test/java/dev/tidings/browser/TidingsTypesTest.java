package dev.tidings.browser;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The TypeScript declarations served beside tidings.js, compiled with Debian's TypeScript compiler
 * (package node-typescript, /usr/bin/tsc) against src/test/resources/META-INF/resources/
 * tidings-types.ts: what a page may write compiles, and the misuses marked @ts-expect-error do
 * not. Skipped, with one line, where there is no tsc.
 */
class TidingsTypesTest {

    static final Path TSC = Path.of(System.getProperty("typescript.tsc", "/usr/bin/tsc"));
    private static final List<String> FILES = List.of("tidings.d.ts", "sse-parser.d.ts", "listen-book.d.ts", "tidings-types.ts");

    @TempDir
    Path dir;

    @Test
    void theDeclarationsTypeEachNotificationTypeAndRejectMisuse() throws Exception {
        String why = "type check skipped: no " + TSC + " (install Debian's node-typescript)";
        if (!Files.isExecutable(TSC)) {
            System.out.println(why);
        }
        Assumptions.assumeTrue(Files.isExecutable(TSC), why);
        for (String file : FILES) {
            copy("META-INF/resources/" + file, dir.resolve(file));
        }

        Process tsc = new ProcessBuilder(TSC.toString(), "--noEmit", "--strict", "--target", "es2022",
                "--module", "es2022", "--moduleResolution", "node", "--lib", "es2022,dom", "tidings-types.ts")
                .directory(dir.toFile())
                .redirectErrorStream(true)
                .redirectOutput(dir.resolve("tsc.out").toFile())
                .start();
        if (!tsc.waitFor(2, TimeUnit.MINUTES)) {
            tsc.destroyForcibly();
            throw new AssertionError("tsc did not finish within two minutes");
        }
        assertEquals(0, tsc.exitValue(), "tsc found:\n" + Files.readString(dir.resolve("tsc.out"), StandardCharsets.UTF_8));
    }

    private static void copy(String resource, Path to) {
        try (InputStream in = TidingsTypesTest.class.getClassLoader().getResourceAsStream(resource)) {
            assertTrue(in != null, "on the classpath: " + resource);
            Files.copy(in, to);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
