package dev.tidings.api;

import static dev.tidings.testing.Api.stream;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tidings.core.NotFor;
import dev.tidings.demo.ChatMessage;
import dev.tidings.demo.ChatType;
import dev.tidings.testing.SseClient;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The Java API as the README prints it, in a running application with real streams. */
@QuarkusTest
class JavaApiTest {

    @Inject
    ChatType chat;

    @Inject
    ChatRoom chatRoom;

    private static List<String> texts(SseClient c) {
        return c.dataOn("chat", "lobby").stream().map(n -> n.get("text").asText()).toList();
    }

    @Test
    void theReadmeStatementsTakeEffectAsBareStatements() {
        try (SseClient alice = stream("alice", "chat:lobby"); SseClient bob = stream("bob", "chat:lobby")) {
            alice.awaitListen("chat", "lobby", true);
            bob.awaitListen("chat", "lobby", true);
            String clientId = alice.clientId();
            ChatMessage message = new ChatMessage("alice", "again", null);

            chat.notify("lobby", new ChatMessage("alice", "hi", null));               // takes effect now
            chat.notify("lobby", message, NotFor.client(clientId));                   // not for the tab that caused it
            chat.notify("lobby", message, chat.notFor("alice"));                      // not for any tab of alice
            chat.listen(clientId, "garden");  chat.unlisten(clientId, "garden");      // also for another client: Ext.unlisten
            chat.unlistenIdentity("alice", "lobby");                                  // every tab of alice, every replica
            chat.clean();
            chat.notify("lobby", message).await().atMost(Duration.ofSeconds(5));      // waits for the transport

            bob.awaitData("chat", "lobby", 4);
            assertEquals(List.of("hi", "again", "again", "again"), texts(bob));
            alice.awaitListen("chat", "lobby", false);
            assertEquals(List.of("hi"), texts(alice), "the others were not for alice, then she stopped listening");
            alice.awaitListen("chat", "garden", true);
            alice.awaitListen("chat", "garden", false);
        }
    }

    @Test
    void startUpCodeOfTheApplicationMayNotifyBeforeTidingsObservesStartUp() {
        assertNull(EarlyStartupNotifier.thrown, () -> "start-up notify threw " + EarlyStartupNotifier.thrown);
        EarlyStartupNotifier.outcome.await().atMost(Duration.ofSeconds(5));
    }

    @Test
    void aNotificationFiredInATransactionGoesOutOnlyIfItCommits() {
        try (SseClient carol = stream("carol", "chat:tx")) {
            carol.awaitListen("chat", "tx", true);
            assertThrows(IllegalStateException.class,
                    () -> chatRoom.post("tx", new ChatMessage("carol", "rolled back", null), true));
            chatRoom.post("tx", new ChatMessage("carol", "committed", null), false);
            List<String> got = carol.awaitData("chat", "tx", 1).stream().map(n -> n.get("text").asText()).toList();
            assertEquals(List.of("committed"), got);
        }
    }
}
