package dev.tidings.kafka.testing;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.lang.reflect.InvocationTargetException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.nio.file.StandardCopyOption;
import java.util.Arrays;

/**
 * Runs another main class in a child process of a test and ends that process when the test JVM
 * that started it is gone, so that a killed build leaves no broker or replica behind.
 *
 * <p>Usage: {@code java -cp <classpath incl. test-classes> dev.tidings.kafka.testing.ParentWatch
 * <main class> <args…>}
 */
public final class ParentWatch {

    private static boolean copied;

    private ParentWatch() {}

    /**
     * A directory holding only this class, to put on a child's class path (rather than all of
     * target/test-classes, whose other classes and resources a child must not see).
     */
    public static synchronized String classpathEntry() {
        try {
            Path dir = Paths.get("target", "parent-watch").toAbsolutePath();
            String name = ParentWatch.class.getName().replace('.', '/') + ".class";
            Path target = dir.resolve(name);
            if (!copied) { // once per test JVM, before any child runs from it; refreshed so it is never stale
                Files.createDirectories(target.getParent());
                try (InputStream in = ParentWatch.class.getClassLoader().getResourceAsStream(name)) {
                    Files.copy(in, target, StandardCopyOption.REPLACE_EXISTING);
                }
                copied = true;
            }
            return dir.toString();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public static void main(String[] args) throws Throwable {
        ProcessHandle.current().parent().ifPresent(parent -> parent.onExit().thenRun(() -> {
            System.err.println("ParentWatch: the test JVM " + parent.pid() + " is gone; exiting");
            Thread halt = new Thread(() -> {
                try {
                    Thread.sleep(10_000);
                } catch (InterruptedException e) {
                    // exit anyway
                }
                Runtime.getRuntime().halt(3);
            });
            halt.setDaemon(true);
            halt.start();
            System.exit(3);
        }));
        Class<?> main = Class.forName(args[0]);
        try {
            main.getMethod("main", String[].class).invoke(null, (Object) Arrays.copyOfRange(args, 1, args.length));
        } catch (InvocationTargetException e) {
            throw e.getCause();
        }
    }
}
