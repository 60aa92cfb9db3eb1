package dev.tidings.api;

import dev.tidings.demo.ChatMessage;
import dev.tidings.demo.ChatType;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Event;
import jakarta.enterprise.event.Observes;
import jakarta.enterprise.event.TransactionPhase;
import jakarta.inject.Inject;
import jakarta.transaction.Transactional;

/** The README's after-commit pattern, as a JPA application writes it (minus the entity). */
@ApplicationScoped
public class ChatRoom {

    public record ChatMessagePosted(String room, ChatMessage message) {}

    @Inject
    ChatType chat;

    @Inject
    Event<ChatMessagePosted> posted;

    /** Posts a message; {@code failAfter} makes the transaction roll back after the event was fired. */
    @Transactional
    public void post(String room, ChatMessage message, boolean failAfter) {
        // repository.persist(message) would go here
        posted.fire(new ChatMessagePosted(room, message)); // delivered only if the transaction commits
        if (failAfter) {
            throw new IllegalStateException("rolled back on purpose");
        }
    }

    void afterCommit(@Observes(during = TransactionPhase.AFTER_SUCCESS) ChatMessagePosted p) {
        chat.notify(p.room(), p.message());
    }
}
