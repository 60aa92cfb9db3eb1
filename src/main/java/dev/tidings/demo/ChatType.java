package dev.tidings.demo;

import dev.tidings.core.Caller;
import dev.tidings.core.NotificationType;
import io.quarkus.arc.lookup.LookupIfProperty;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;

/**
 * The demo's chat rooms, a full ({@code Make}) notification type: the key is the room, the
 * identity is the user, and {@link #prepare} keeps a private message between its sender and its
 * addressee. Active when {@code tidings.demo.enabled=true}.
 */
@ApplicationScoped
@LookupIfProperty(name = "tidings.demo.enabled", stringValue = "true")
public class ChatType extends NotificationType<String, String, ChatMessage, ChatView> {

    public ChatType() {
        super("chat", ChatMessage.class);
    }

    @Override
    public Uni<String> identify(Caller caller) {
        return Uni.createFrom().item(caller.name());
    }

    @Override
    public String parseIdentity(String text) {
        return text;
    }

    @Override
    public String parseKey(String room) {
        return room;
    }

    @Override
    public Uni<ChatView> prepare(String identity, ChatMessage message) {
        if (message.to() == null) {
            return Uni.createFrom().item(new ChatView(message.from(), message.text(), false));
        }
        boolean involved = identity.equals(message.to()) || identity.equals(message.from());
        return Uni.createFrom().item(involved ? new ChatView(message.from(), message.text(), true) : null);
    }
}
