package dev.tidings.browser;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.startsWith;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.net.URL;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.openqa.selenium.By;
import org.openqa.selenium.WebElement;

/**
 * The demo page at {@code /}, used as a person would: two browsers side by side, alice and bob,
 * typing into the page. Produces {@code target/demo.png} (two tabs talking); with
 * {@code -Dbrowser.screenshot=docs/demo.png} it refreshes the picture the docs show.
 */
@QuarkusTest
class DemoPageBrowserTest {

    private static final int WIDTH = 1000;
    private static final int HEIGHT = 720;

    private static Browser alice;
    private static Browser bob;

    @TestHTTPResource("/")
    URL base;

    @BeforeEach
    void start() {
        Browser.assumeInstalled();
        if (alice == null) {
            alice = new Browser("alice", WIDTH, HEIGHT);
            bob = new Browser("bob", WIDTH, HEIGHT);
        }
    }

    @AfterAll
    static void stop() {
        for (Browser b : new Browser[] {alice, bob}) {
            if (b != null) {
                b.close();
            }
        }
        alice = null;
        bob = null;
    }

    // ---- helpers ----------------------------------------------------------------------------------

    private static String unique(String prefix) {
        return prefix + "-" + UUID.randomUUID().toString().substring(0, 6);
    }

    private void demo(Browser b, String identity, String room, String feed) {
        b.open(base + "?as=" + enc(identity) + "&rooms=" + enc(room) + "&feeds=" + enc(feed));
        b.until("connected", d -> "open".equals(b.find("#state").getAttribute("data-state")));
        chipListening(b, "rooms", room, true);
        chipListening(b, "feeds", feed, true);
    }

    private static void chipListening(Browser b, String list, String key, boolean listening) {
        b.until(list + " " + key + " listening=" + listening,
                d -> !d.findElements(By.cssSelector("#" + list + " li[data-key='" + key + "'][data-listening='" + listening + "']")).isEmpty());
    }

    /** Waits until the browser has received a response for a URL ending in path; adds every response it received to seen. */
    private static void untilResponse(Browser b, List<String> seen, String path) {
        b.until("a response for " + path, d -> {
            seen.addAll(b.responses());
            return seen.stream().anyMatch(r -> r.endsWith(path));
        });
    }

    private static String enc(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8);
    }

    private static void type(Browser b, String css, String text) {
        WebElement input = b.find(css);
        input.clear();
        if (!text.isEmpty()) {
            input.sendKeys(text);
        }
    }

    /** Sends a chat message from the page, as a person would: type, press Send, wait for the echo. */
    private static void say(Browser b, String room, String to, String text) {
        new org.openqa.selenium.support.ui.Select(b.find("#send-room")).selectByValue(room);
        type(b, "#to", to);
        type(b, "#text", text);
        b.find("#send").click();
        b.until("own message shown: " + text, d -> !messages(b, "[data-own='true']").isEmpty()
                && messages(b, "[data-own='true']").stream().anyMatch(m -> m.endsWith(text)));
    }

    /** The messages shown, as "from|private|text". */
    private static List<String> messages(Browser b, String filter) {
        @SuppressWarnings("unchecked")
        List<String> all = (List<String>) b.js("return [...document.querySelectorAll('#messages .msg' + arguments[0])]"
                + ".map(m => m.dataset.from + '|' + m.dataset.private + '|' + m.querySelector('.text').textContent)", filter);
        return all;
    }

    private static void untilMessage(Browser b, String expected) {
        b.until("shows message " + expected, d -> messages(b, "").contains(expected));
    }

    private static void restNotify(String type, String key, Object notification) {
        given().contentType(ContentType.JSON)
                .body(Map.of("key", key, "notification", notification))
                .post("/notif/" + type + "/notify")
                .then().statusCode(202);
    }

    // ---- tests ------------------------------------------------------------------------------------

    @Test
    void twoTabsTalkPubliclyAndPrivately() throws IOException {
        demo(alice, "alice", "lobby", "news");
        demo(bob, "bob", "lobby", "news");

        say(alice, "lobby", "", "Hi Bob! Are you on the new notifications?");
        untilMessage(bob, "alice|false|Hi Bob! Are you on the new notifications?");
        say(bob, "lobby", "", "Yes, this came over Tidings.");
        untilMessage(alice, "bob|false|Yes, this came over Tidings.");
        say(bob, "lobby", "alice", "psst: just between us");
        untilMessage(alice, "bob|true|psst: just between us");
        say(alice, "lobby", "carol", "Carol, lunch at noon?");
        restNotify("chat", "lobby", Map.of("from", "server", "text", "Welcome to the lobby."));
        untilMessage(bob, "server|false|Welcome to the lobby.");
        untilMessage(alice, "server|false|Welcome to the lobby.");
        restNotify("feed", "news", Map.of("headline", "Tidings 0.1 is out", "by", "the platform team"));
        for (Browser b : List.of(alice, bob)) {
            b.until("feed item shown", d -> b.find("#feed-items").getText().contains("Tidings 0.1 is out"));
        }

        // every message once; the private one to carol never reached bob (it would precede the marker)
        assertEquals(List.of(
                "alice|false|Hi Bob! Are you on the new notifications?",
                "bob|false|Yes, this came over Tidings.",
                "bob|true|psst: just between us",
                "server|false|Welcome to the lobby."), messages(bob, ""));
        assertEquals(List.of(
                "alice|false|Hi Bob! Are you on the new notifications?",
                "bob|false|Yes, this came over Tidings.",
                "bob|true|psst: just between us",
                "alice|true|Carol, lunch at noon?",
                "server|false|Welcome to the lobby."), messages(alice, ""));

        screenshot();
    }

    @Test
    void leavingARoomStopsItsMessages() {
        String room = unique("room");
        String feed = unique("feed");
        demo(alice, "alice", room, feed);
        demo(bob, "bob", room, feed);

        bob.find("#rooms li[data-key='" + room + "'] button").click();
        bob.until("room chip gone", d -> d.findElements(By.cssSelector("#rooms li[data-key='" + room + "']")).isEmpty());
        assertTrue(bob.find("#log").getText().contains("stopped listening on chat " + room));

        say(alice, room, "", "anyone still here?");
        restNotify("feed", feed, Map.of("marker", "after leaving"));
        bob.until("feed marker shown", d -> bob.find("#feed-items").getText().contains("after leaving"));
        assertEquals(List.of(), messages(bob, ""));
    }

    @Test
    void aCutStreamReconnectsAndRecoversWhatWasSaidMeanwhile() {
        String room = unique("room");
        String feed = unique("feed");
        demo(alice, "alice", room, feed);
        demo(bob, "bob", room, feed);
        String first = (String) bob.js("return window.tidingsDemo.client.clientId");

        // The stream is cut and the process is gone by the time the page comes back; alice talks meanwhile.
        dev.tidings.testing.Api.endProcessBehindItsStream("bob", first);
        say(alice, room, "", "said while bob was away");

        bob.until("open again", d -> "open".equals(bob.find("#state").getAttribute("data-state"))
                && !first.equals(bob.js("return window.tidingsDemo.client.clientId")));
        chipListening(bob, "rooms", room, true);
        String log = bob.find("#log").getText();
        assertTrue(log.contains("connection reconnecting"), log);

        say(alice, room, "", "did you get this after the cut?");
        untilMessage(bob, "alice|false|did you get this after the cut?");
        assertEquals(List.of("alice|false|said while bob was away", "alice|false|did you get this after the cut?"),
                messages(bob, ""), "recovered from the cursor: nothing lost, nothing twice");
        assertFalse(bob.find("#missed").isDisplayed(), "not warned: nothing was missed");
    }

    @Test
    void connectingUnderAnotherNameWhileTheFirstNamesListensArePendingJoinsTheRoomsShown() {
        String room = unique("room");
        String feed = unique("feed");
        String me = unique("carol");
        // The stream cannot open yet, so the listens of the name the page started with stay pending.
        alice.block("*/notif/stream*");
        try {
            alice.open(base + "?as=" + enc(unique("first")) + "&rooms=" + enc(room) + "&feeds=" + enc(feed));
            alice.until("first name not connected, its room and feed pending", d -> alice.js("return window.tidingsDemo.client") != null
                    && !"open".equals(alice.find("#state").getAttribute("data-state"))
                    && alice.find("#rooms li[data-key='" + room + "']").getAttribute("data-listening").equals("false")
                    && alice.find("#feeds li[data-key='" + feed + "']").getAttribute("data-listening").equals("false"));
            type(alice, "#identity", me);
            alice.find("#connect").click();
            alice.until("connecting as " + me, d -> d.getTitle().equals("Tidings demo: " + me));
        } finally {
            alice.block();
        }

        alice.until("open as " + me, d -> "open".equals(alice.find("#state").getAttribute("data-state")));
        chipListening(alice, "rooms", room, true);
        chipListening(alice, "feeds", feed, true);
        restNotify("chat", room, Map.of("from", "server", "text", "for whoever is in the room"));
        untilMessage(alice, "server|false|for whoever is in the room");
        restNotify("feed", feed, Map.of("headline", "for whoever listens to the feed"));
        alice.until("feed item shown", d -> alice.find("#feed-items").getText().contains("for whoever listens to the feed"));
        assertEquals(List.of(room), alice.js("return [...document.querySelectorAll('#rooms li')].map(li => li.dataset.key)"));
        String log = alice.find("#log").getText();
        assertFalse(log.contains("cannot listen"), log);
    }

    @Test
    void afterDisconnectTheRoomsShowAsNotListenedAndConnectJoinsThemAgain() {
        String room = unique("room");
        String feed = unique("feed");
        demo(bob, "bob", room, feed);
        WebElement chip = bob.find("#rooms li[data-key='" + room + "']");
        assertEquals(List.of("1", "solid"), List.of(chip.getCssValue("opacity"), chip.getCssValue("border-top-style")));

        bob.find("#disconnect").click();
        bob.until("closed", d -> "closed".equals(bob.find("#state").getAttribute("data-state")));
        chipListening(bob, "rooms", room, false);
        chipListening(bob, "feeds", feed, false);
        // as a person sees them: faded, with a dashed border
        chip = bob.find("#rooms li[data-key='" + room + "']");
        assertEquals(List.of("0.55", "dashed"), List.of(chip.getCssValue("opacity"), chip.getCssValue("border-top-style")));

        bob.find("#connect").click();
        bob.until("open again", d -> "open".equals(bob.find("#state").getAttribute("data-state")));
        chipListening(bob, "rooms", room, true);
        chipListening(bob, "feeds", feed, true);
        restNotify("chat", room, Map.of("from", "server", "text", "after connecting again"));
        untilMessage(bob, "server|false|after connecting again");
    }

    @Test
    void pagesLoadTheirIconWithoutANotFoundInTheNetworkLog() {
        try (Browser fresh = new Browser("network", WIDTH, HEIGHT, true)) {
            List<String> seen = new ArrayList<>();
            String room = unique("room");
            fresh.open(base + "?as=" + enc(unique("dave")) + "&rooms=" + enc(room) + "&feeds=" + enc(unique("feed")));
            untilResponse(fresh, seen, "/favicon.svg");
            chipListening(fresh, "rooms", room, true);
            // a page that links no icon (the bare test page) gets /favicon.ico
            fresh.open(base + "bare.html?identity=dave");
            untilResponse(fresh, seen, "/favicon.ico");
            seen.addAll(fresh.responses());

            assertEquals(List.of(), seen.stream().filter(r -> Integer.parseInt(r.substring(0, r.indexOf(' '))) >= 400).toList(), "all: " + seen);
            assertTrue(seen.contains("200 " + base + "favicon.svg"), seen.toString());
            assertTrue(seen.contains("200 " + base + "favicon.ico"), seen.toString());
        }
        given().get("/favicon.svg").then().statusCode(200).contentType(startsWith("image/svg+xml"));
        given().get("/favicon.ico").then().statusCode(200).contentType(startsWith("image/"));
    }

    // ---- the picture --------------------------------------------------------------------------------

    private static void screenshot() throws IOException {
        BufferedImage left = ImageIO.read(new ByteArrayInputStream(alice.screenshot()));
        BufferedImage right = ImageIO.read(new ByteArrayInputStream(bob.screenshot()));
        int gap = 12;
        BufferedImage both = new BufferedImage(left.getWidth() + gap + right.getWidth(),
                Math.max(left.getHeight(), right.getHeight()), BufferedImage.TYPE_INT_RGB);
        Graphics2D g = both.createGraphics();
        g.setColor(new Color(0x2b, 0x30, 0x3b));
        g.fillRect(0, 0, both.getWidth(), both.getHeight());
        g.drawImage(left, 0, 0, null);
        g.drawImage(right, left.getWidth() + gap, 0, null);
        g.dispose();
        Path target = Path.of("target", "demo.png");
        Files.createDirectories(target.getParent());
        ImageIO.write(both, "png", target.toFile());
        String docs = System.getProperty("browser.screenshot");
        if (docs != null && !docs.isBlank()) {
            Path out = Path.of(docs);
            if (out.getParent() != null) {
                Files.createDirectories(out.getParent());
            }
            Files.copy(target, out, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        }
        assertTrue(Files.size(target) > 10_000, "a real picture");
    }
}
