package dev.tidings.http;

import static dev.tidings.testing.Api.listen;
import static dev.tidings.testing.Api.notifyOn;
import static dev.tidings.testing.Api.stream;
import static dev.tidings.testing.Api.unlisten;
import static io.restassured.RestAssured.given;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.tidings.testing.SseClient;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.restassured.path.json.JsonPath;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * Races on one application of its own (a profile of its own restarts Quarkus), so that the last
 * test's "everything back to zero" speaks of this class's clients only, whatever ran before.
 */
@QuarkusTest
@TestProfile(ConcurrencyTest.OwnApplication.class)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ConcurrencyTest {

    public static class OwnApplication implements QuarkusTestProfile {
    }

    @Test
    @Order(1)
    void concurrentNotifiesReachEachListenerExactlyOnce() throws Exception {
        List<SseClient> clients = new ArrayList<>();
        try {
            for (int i = 0; i < 6; i++) {
                SseClient c = stream("user" + (i % 3), "feed:burst");
                c.awaitListen("feed", "burst", true);
                clients.add(c);
            }
            ExecutorService pool = Executors.newFixedThreadPool(8);
            List<Future<?>> sent = new ArrayList<>();
            for (int t = 0; t < 8; t++) {
                int thread = t;
                sent.add(pool.submit(() -> {
                    for (int i = 0; i < 25; i++) {
                        notifyOn("feed", "burst", Map.of("m", thread * 1000 + i)).statusCode(202);
                    }
                }));
            }
            for (Future<?> f : sent) {
                f.get(60, TimeUnit.SECONDS);
            }
            pool.shutdown();
            for (SseClient c : clients) {
                List<Integer> got = c.awaitData("feed", "burst", 200).stream().map(n -> n.get("m").asInt()).toList();
                assertEquals(200, got.size());
                assertEquals(200, new HashSet<>(got).size(), "no duplicates");
            }
            // Every client saw the 200 in one and the same order: the order of the key.
            List<Integer> first = clients.get(0).dataOn("feed", "burst").stream().map(n -> n.get("m").asInt()).toList();
            for (SseClient c : clients) {
                assertEquals(first, c.dataOn("feed", "burst").stream().map(n -> n.get("m").asInt()).toList());
            }
        } finally {
            clients.forEach(SseClient::close);
        }
    }

    @Test
    @Order(2)
    void concurrentListenUnlistenAndNotifyLeaveNoEntriesBehind() throws Exception {
        List<SseClient> clients = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            clients.add(stream("racer" + i));
        }
        List<String> ids = clients.stream().map(SseClient::clientId).toList();
        ExecutorService pool = Executors.newFixedThreadPool(8);
        List<Future<?>> work = new ArrayList<>();
        for (int t = 0; t < 8; t++) {
            work.add(pool.submit(() -> {
                ThreadLocalRandom r = ThreadLocalRandom.current();
                for (int i = 0; i < 60; i++) {
                    String client = ids.get(r.nextInt(ids.size()));
                    String type = r.nextBoolean() ? "feed" : "chat";
                    String key = "race-" + r.nextInt(8);
                    switch (r.nextInt(3)) {
                        case 0 -> listen(type, client, key).statusCode(204);
                        case 1 -> unlisten(type, client, key).statusCode(204);
                        default -> notifyOn(type, key, type.equals("feed") ? Map.of("i", i) : Map.of("from", "x", "text", "t" + i))
                                .statusCode(202);
                    }
                }
            }));
        }
        for (Future<?> f : work) {
            f.get(120, TimeUnit.SECONDS);
        }
        pool.shutdown();

        // Half the clients unlisten everything explicitly, the other half just go away.
        for (int i = 0; i < 3; i++) {
            for (int k = 0; k < 8; k++) {
                unlisten("feed", ids.get(i), "race-" + k).statusCode(204);
                unlisten("chat", ids.get(i), "race-" + k).statusCode(204);
            }
        }
        // Their registry entries must be gone: notifications on every race key no longer reach them.
        // A listen confirmation is queued behind everything sent before it: once a fence is
        // confirmed, every notification of the racing phase has arrived and can be counted.
        Map<Integer, Integer> before = new java.util.HashMap<>();
        for (int i = 0; i < 3; i++) {
            listen("feed", ids.get(i), "fence-" + i).statusCode(204);
            clients.get(i).awaitListen("feed", "fence-" + i, true);
            before.put(i, clients.get(i).notifications().size());
        }
        for (int k = 0; k < 8; k++) {
            notifyOn("feed", "race-" + k, Map.of("after", k)).statusCode(202);
            notifyOn("chat", "race-" + k, Map.of("from", "x", "text", "after")).statusCode(202);
        }
        for (int i = 0; i < 3; i++) {
            listen("feed", ids.get(i), "marker-" + i).statusCode(204);
            notifyOn("feed", "marker-" + i, Map.of("marker", i)).statusCode(202);
            clients.get(i).awaitData("feed", "marker-" + i, 1);
            assertEquals(before.get(i) + 1, clients.get(i).notifications().size(), "client " + i + " got only the marker");
        }
        clients.forEach(SseClient::close);
    }

    @Test
    @Order(3)
    void statsReturnToZeroOnceEveryClientHasGone() {
        // Every stream of this class is closed by now; the grace period is 2 s in tests.
        await().atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(200)).untilAsserted(() -> {
            JsonPath stats = given().get("/notif/stats").then().statusCode(200).extract().jsonPath();
            assertEquals(0, stats.getInt("clients"));
            Map<String, Map<String, Number>> types = stats.getMap("types");
            for (Map.Entry<String, Map<String, Number>> t : types.entrySet()) {
                assertEquals(0, t.getValue().get("keys").intValue(), t.getKey() + " keys");
                assertEquals(0, t.getValue().get("listens").intValue(), t.getKey() + " listens");
            }
        });
    }

}
