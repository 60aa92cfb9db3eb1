package dev.tidings.demo;

/**
 * The server notification of the demo chat: a message, public, or private when {@code to} names
 * its addressee.
 */
public record ChatMessage(String from, String text, String to) {

    public ChatMessage {
        if (from == null || from.isBlank()) {
            throw new IllegalArgumentException("from is required");
        }
        if (text == null) {
            throw new IllegalArgumentException("text is required");
        }
        if (to != null && to.isBlank()) {
            to = null;
        }
    }
}
