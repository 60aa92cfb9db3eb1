package dev.tidings.core;

import java.util.Objects;
import java.util.function.Function;

/**
 * The text form of a notification type's keys (or identities): how a key arrives in a URL, a
 * request body or a Kafka record key, and how clients see it. Eliom compares keys with
 * {@code equal_key}; Tidings compares the parsed values with {@code equals}/{@code hashCode}.
 *
 * <pre>{@code
 * super("chat", ChatMessage.class);                          // string keys and identities
 * super("order", OrderEvent.class, Keys.of(Long::valueOf));  // numeric keys
 * }</pre>
 *
 * @param <T> the parsed key (or identity)
 */
public interface Keys<T> {

    /**
     * Reads a key from its text form.
     *
     * @throws RuntimeException (any) when the text is not a key of this kind; an edge answers 400
     */
    T parse(String text);

    /** The text form of a key; {@code parse(format(k))} equals {@code k}. */
    String format(T key);

    /** Keys that are the text itself. */
    static Keys<String> string() {
        return StringKeys.INSTANCE;
    }

    /** Keys read with {@code parse} and written with {@code toString()}, e.g. {@code Keys.of(Long::valueOf)}. */
    static <T> Keys<T> of(Function<String, T> parse) {
        return of(parse, Object::toString);
    }

    /** Keys read with {@code parse} and written with {@code format}. */
    static <T> Keys<T> of(Function<String, T> parse, Function<T, String> format) {
        Objects.requireNonNull(parse);
        Objects.requireNonNull(format);
        return new Keys<>() {
            @Override
            public T parse(String text) {
                return Objects.requireNonNull(parse.apply(text), "parsed to null");
            }

            @Override
            public String format(T key) {
                return format.apply(key);
            }
        };
    }
}

/** The one {@link Keys#string()}: a named class so that {@link NotificationType} can tell string keys apart. */
enum StringKeys implements Keys<String> {
    INSTANCE;

    @Override
    public String parse(String text) {
        return text;
    }

    @Override
    public String format(String key) {
        return key;
    }
}
