package dev.tidings.browser;

import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.File;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Function;
import java.util.stream.Stream;
import org.awaitility.core.ConditionTimeoutException;
import org.junit.jupiter.api.Assumptions;
import org.openqa.selenium.By;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.NotFoundException;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.StaleElementReferenceException;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.logging.LogEntry;

/**
 * One headless Debian Chromium, driven through Debian's chromedriver. Nothing is downloaded: the
 * browser and driver paths are given explicitly, so Selenium Manager is never asked. Each browser
 * has its own fresh profile directory, so two of them are two separate browser contexts (no shared
 * cookies or storage).
 */
final class Browser implements AutoCloseable {

    static final Path CHROMIUM = Path.of(System.getProperty("browser.chromium", "/usr/bin/chromium"));
    static final Path CHROMEDRIVER = Path.of(System.getProperty("browser.chromedriver", "/usr/bin/chromedriver"));
    static final Duration WAIT = Duration.ofSeconds(20);
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Duration POLL = Duration.ofMillis(50);

    final String name;
    final ChromeDriver driver;
    private final Path profile;

    /** Skips the calling test, saying why in one line (once), when there is no browser here. */
    static void assumeInstalled() {
        boolean present = Files.isExecutable(CHROMIUM) && Files.isExecutable(CHROMEDRIVER);
        String why = "browser tests skipped: no " + (Files.isExecutable(CHROMIUM) ? CHROMEDRIVER : CHROMIUM)
                + " (install Debian's chromium and chromium-driver, see .ci/install-browser)";
        // once per JVM, though Quarkus test profiles load this class again in other class loaders
        if (!present && System.getProperties().putIfAbsent("browser.skipped.said", "true") == null) {
            System.out.println(why);
        }
        Assumptions.assumeTrue(present, why);
    }

    Browser(String name, int width, int height) {
        this(name, width, height, false);
    }

    /** With recordResponses, the browser keeps its network log for {@link #responses()}. */
    Browser(String name, int width, int height, boolean recordResponses) {
        this.name = name;
        try {
            profile = Files.createTempDirectory("tidings-chromium-");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        ChromeOptions options = new ChromeOptions();
        options.setBinary(CHROMIUM.toFile());
        options.addArguments("--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                "--disable-background-networking", "--disable-component-update", "--disable-sync",
                "--disable-dev-shm-usage", "--window-size=" + width + "," + height,
                "--user-data-dir=" + profile);
        if (recordResponses) {
            options.setCapability("goog:loggingPrefs", Map.of("performance", "ALL"));
        }
        ChromeDriverService service = new ChromeDriverService.Builder()
                .usingDriverExecutable(CHROMEDRIVER.toFile())
                .usingAnyFreePort()
                .withLogOutput(OutputStream.nullOutputStream())
                .build();
        driver = new ChromeDriver(service, options);
        driver.manage().timeouts().scriptTimeout(WAIT);
    }

    void open(String url) {
        driver.get(url);
    }

    /** Runs script in the page; {@code arguments} are the script's {@code arguments}. */
    Object js(String script, Object... args) {
        return ((JavascriptExecutor) driver).executeScript(script, args);
    }

    /**
     * Runs an asynchronous script: it gets a callback as its last argument ({@code done}) and
     * the result is what it is called with.
     */
    Object jsAsync(String script, Object... args) {
        return ((JavascriptExecutor) driver).executeAsyncScript(
                "const done = arguments[arguments.length - 1];\n" + script, args);
    }

    /**
     * Waits, up to {@link #WAIT}, until the condition gives a non-null, non-false value, and
     * returns it; an element not found (yet) or replaced meanwhile counts as not yet.
     */
    <T> T until(String what, Function<WebDriver, T> condition) {
        AtomicReference<T> seen = new AtomicReference<>();
        try {
            await(name + ": " + what).atMost(WAIT).pollInterval(POLL)
                    .ignoreExceptionsInstanceOf(NotFoundException.class)
                    .ignoreExceptionsInstanceOf(StaleElementReferenceException.class)
                    .until(() -> {
                        T v = condition.apply(driver);
                        seen.set(v);
                        return v != null && !Boolean.FALSE.equals(v);
                    });
        } catch (ConditionTimeoutException e) {
            throw new AssertionError(name + ": " + what + " (not within " + WAIT.toSeconds() + " s)" + diagnostics(), e);
        }
        return seen.get();
    }

    /** Waits until the script returns a truthy value, and returns it. */
    Object untilJs(String what, String script, Object... args) {
        return until(what, d -> {
            Object v = js(script, args);
            return v == null || Boolean.FALSE.equals(v) ? null : v;
        });
    }

    /** What the page recorded, for a failure message. */
    private String diagnostics() {
        try {
            Object seen = js("const b = window.bare || window.tidingsDemo; if (!b) return document.title;"
                    + " const t = b.t || b.client;"
                    + " return JSON.stringify({state: t && t.state, client: t && t.clientId, events: b.events, got: b.got,"
                    + " held: t && t.listens().map(l => l.type + ' ' + l.key + (t.listening(l.type, l.key) ? ' confirmed' : ' pending')),"
                    + " log: document.getElementById('log') && document.getElementById('log').innerText})");
            return "\n  the page saw: " + seen;
        } catch (RuntimeException e) {
            return "\n  (page unreadable: " + e.getMessage() + ")";
        }
    }

    /**
     * Every response the browser received (for the page, its resources, and the browser's own
     * requests such as a favicon) since the last call, as "status url". Needs recordResponses.
     */
    List<String> responses() {
        List<String> seen = new ArrayList<>();
        for (LogEntry entry : driver.manage().logs().get("performance")) {
            try {
                JsonNode message = JSON.readTree(entry.getMessage()).path("message");
                if ("Network.responseReceived".equals(message.path("method").asText())) {
                    JsonNode response = message.path("params").path("response");
                    seen.add(response.path("status").asInt() + " " + response.path("url").asText());
                }
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        return seen;
    }

    /** Makes the browser fail every request whose URL matches one of the patterns ("*" for any text); none: allow all again. */
    void block(String... urlPatterns) {
        driver.executeCdpCommand("Network.enable", Map.of());
        driver.executeCdpCommand("Network.setBlockedURLs", Map.of("urls", List.of(urlPatterns)));
    }

    WebElement find(String css) {
        return driver.findElement(By.cssSelector(css));
    }

    List<WebElement> all(String css) {
        return driver.findElements(By.cssSelector(css));
    }

    byte[] screenshot() {
        return driver.getScreenshotAs(OutputType.BYTES);
    }

    @SuppressWarnings("unchecked")
    List<Map<String, Object>> list(String script, Object... args) {
        return (List<Map<String, Object>>) js(script, args);
    }

    @Override
    public void close() {
        try {
            driver.quit();
        } finally {
            try (Stream<Path> files = Files.walk(profile)) {
                files.sorted(Comparator.reverseOrder()).map(Path::toFile).forEach(File::delete);
            } catch (IOException ignored) {
                // a temp directory left behind is no failure
            }
        }
    }
}
