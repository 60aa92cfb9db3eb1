package dev.tidings.http;

import static dev.tidings.testing.Api.notifyOn;
import static dev.tidings.testing.Api.stream;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tidings.core.NotFor;
import dev.tidings.probe.ProbeNotice;
import dev.tidings.probe.ProbeType;
import dev.tidings.testing.SseClient;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

@QuarkusTest
class PrepareTest {

    @Inject
    ProbeType probe;

    @Test
    void privateChatMessageReachesOnlySenderAndAddressee() {
        try (SseClient alice = stream("alice", "chat:room"); SseClient bob = stream("bob", "chat:room");
                SseClient carol = stream("carol", "chat:room")) {
            alice.awaitListen("chat", "room", true);
            bob.awaitListen("chat", "room", true);
            carol.awaitListen("chat", "room", true);

            notifyOn("chat", "room", Map.of("from", "alice", "text", "for bob", "to", "bob")).statusCode(202);
            notifyOn("chat", "room", Map.of("from", "alice", "text", "for all")).statusCode(202);

            List<JsonNode> toBob = bob.awaitData("chat", "room", 2);
            assertEquals("for bob", toBob.get(0).get("text").asText());
            assertTrue(toBob.get(0).get("private").asBoolean());
            assertFalse(toBob.get(1).get("private").asBoolean());
            assertEquals(2, alice.awaitData("chat", "room", 2).size());
            List<JsonNode> toCarol = carol.awaitData("chat", "room", 1);
            assertEquals(1, toCarol.size(), "carol must not see the private message");
            assertEquals("for all", toCarol.get(0).get("text").asText());
            List<String> fields = new java.util.ArrayList<>();
            toCarol.get(0).fieldNames().forEachRemaining(fields::add);
            assertEquals(List.of("from", "text", "private"), fields);
        }
    }

    @Test
    void prepareRunsOncePerIdentityHoweverManyTabs() {
        try (SseClient a1 = stream("alice", "probe:once"); SseClient a2 = stream("alice", "probe:once");
                SseClient a3 = stream("alice", "probe:once"); SseClient b = stream("bob", "probe:once")) {
            for (SseClient c : List.of(a1, a2, a3, b)) {
                c.awaitListen("probe", "once", true);
            }
            probe.notify("once", ProbeNotice.plain(101)).await().indefinitely();
            for (SseClient c : List.of(a1, a2, a3)) {
                assertEquals("alice", c.awaitData("probe", "once", 1).get(0).get("preparedFor").asText());
            }
            assertEquals("bob", b.awaitData("probe", "once", 1).get(0).get("preparedFor").asText());
            assertEquals(1, probe.prepares(101, "alice"));
            assertEquals(1, probe.prepares(101, "bob"));
        }
    }

    @Test
    void blockedFailedAndStalledPreparesOnlyCostTheirOwnIdentity() {
        try (SseClient ok = stream("olga", "probe:mixed"); SseClient blocked = stream("bert", "probe:mixed");
                SseClient failing = stream("fred", "probe:mixed"); SseClient stalled = stream("stan", "probe:mixed");
                SseClient noUni = stream("nina", "probe:mixed")) {
            for (SseClient c : List.of(ok, blocked, failing, stalled, noUni)) {
                c.awaitListen("probe", "mixed", true);
            }
            probe.notify("mixed", new ProbeNotice(201, "bert", "fred", "stan", "nina", 0)).await().indefinitely();
            probe.notify("mixed", ProbeNotice.plain(202)).await().indefinitely();

            // olga gets both at once, although stan's prepare for 201 never answers.
            assertEquals(List.of(201, 202), seqs(ok.awaitData("probe", "mixed", 2)));
            assertEquals(List.of(202), seqs(blocked.awaitData("probe", "mixed", 1)));
            assertEquals(List.of(202), seqs(failing.awaitData("probe", "mixed", 1)));
            assertEquals(List.of(202), seqs(noUni.awaitData("probe", "mixed", 1)));
            // stan's queue waits for the stalled prepare until the timeout (1 s in tests), then goes on.
            assertEquals(List.of(202), seqs(stalled.awaitData("probe", "mixed", 1)));
        }
    }

    @Test
    void asynchronousPrepareKeepsNotifyOrderPerKey() {
        try (SseClient a = stream("alice", "probe:order"); SseClient b = stream("bob", "probe:order");
                SseClient c = stream("carol", "probe:order")) {
            for (SseClient s : List.of(a, b, c)) {
                s.awaitListen("probe", "order", true);
            }
            List<Integer> sent = IntStream.range(1000, 1060).boxed().toList();
            for (int seq : sent) {
                probe.notify("order", new ProbeNotice(seq, null, null, null, null, 20), NotFor.none()).await().indefinitely();
            }
            for (SseClient s : List.of(a, b, c)) {
                assertEquals(sent, seqs(s.awaitData("probe", "order", sent.size())));
            }
        }
    }

    private static List<Integer> seqs(List<JsonNode> data) {
        return data.stream().map(d -> d.get("seq").asInt()).toList();
    }
}
