package dev.tidings.core;

import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * The principal making a request or holding a stream, as resolved at the edge: its name (a JWT
 * subject, or in demo mode the {@code X-Identity} header), its groups and its verified token's
 * claims.
 *
 * <p>A notification type turns a caller into its own identity with
 * {@link NotificationType#identify(Caller)}, as Eliom's {@code get_identity} does, and may read
 * the claims there and in {@link NotificationType#mayListen}.
 *
 * @param name the principal name; never null
 * @param groups groups the principal belongs to (for example {@code notifier})
 * @param anonymous true when the request named nobody; an anonymous caller proves no ownership
 * @param claims the verified token's claims as plain Java values ({@code String}, {@code Long},
 *     {@code Double}, {@code Boolean}, {@code List}, {@code Map}); empty in demo mode
 */
public record Caller(String name, Set<String> groups, boolean anonymous, Map<String, Object> claims) {

    public Caller {
        if (name == null || name.isBlank()) {
            throw new IllegalArgumentException("a caller needs a name");
        }
        groups = Set.copyOf(groups);
        claims = Map.copyOf(claims);
    }

    public Caller(String name, Set<String> groups, boolean anonymous) {
        this(name, groups, anonymous, Map.of());
    }

    /** A caller that named itself, with no groups and no claims. */
    public static Caller named(String name) {
        return new Caller(name, Set.of(), false);
    }

    public boolean isIn(String group) {
        return groups.contains(group);
    }

    /** One claim of the caller's token, if it has it. */
    public Optional<Object> claim(String claimName) {
        return Optional.ofNullable(claims.get(claimName));
    }

    /**
     * A claim as strings: a string claim as one value, an array claim as its string elements;
     * empty when the claim is absent.
     */
    public List<String> claimValues(String claimName) {
        Object value = claims.get(claimName);
        if (value instanceof List<?> list) {
            return list.stream().filter(String.class::isInstance).map(String.class::cast).toList();
        }
        return value instanceof String s ? List.of(s) : List.of();
    }
}
