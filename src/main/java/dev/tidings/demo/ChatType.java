package dev.tidings.demo;

import dev.tidings.core.NotificationType;
import io.quarkus.arc.lookup.LookupIfProperty;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;

/**
 * The demo's chat rooms, a full ({@code Make}) notification type in its short form: string keys
 * (the room), the caller's name as identity, and a {@link #prepare} that keeps a private message
 * between its sender and its addressee. Active when {@code tidings.demo.enabled=true}.
 */
@ApplicationScoped
@LookupIfProperty(name = "tidings.demo.enabled", stringValue = "true")
public class ChatType extends NotificationType<String, String, ChatMessage, ChatView> {

    public ChatType() {
        super("chat", ChatMessage.class);
    }

    @Override
    public Uni<ChatView> prepare(String identity, ChatMessage message) {
        if (message.to() == null) {
            return deliver(new ChatView(message.from(), message.text(), false));
        }
        boolean involved = identity.equals(message.to()) || identity.equals(message.from());
        return involved ? deliver(new ChatView(message.from(), message.text(), true)) : block();
    }
}
