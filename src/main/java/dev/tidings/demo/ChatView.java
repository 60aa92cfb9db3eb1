package dev.tidings.demo;

import com.fasterxml.jackson.annotation.JsonProperty;

/** What one listener of the demo chat sees of a message. */
public record ChatView(String from, String text, @JsonProperty("private") boolean isPrivate) {}
