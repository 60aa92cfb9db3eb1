package dev.tidings.core;

import java.util.Set;

/**
 * Who is making a request or holding a stream: the principal name as resolved at the edge (a JWT
 * subject, or in demo mode the {@code X-Identity} header), with the groups it belongs to.
 *
 * <p>A notification type turns a caller into its own identity with
 * {@link NotificationType#identify(Caller)}, as Eliom's {@code get_identity} does.
 *
 * @param name the principal name; never null
 * @param groups groups the principal belongs to (for example {@code notifier})
 * @param anonymous true when the request named nobody; an anonymous caller proves no ownership
 */
public record Caller(String name, Set<String> groups, boolean anonymous) {

    public Caller {
        if (name == null || name.isBlank()) {
            throw new IllegalArgumentException("a caller needs a name");
        }
        groups = Set.copyOf(groups);
    }

    /** A caller that named itself, with no groups. */
    public static Caller named(String name) {
        return new Caller(name, Set.of(), false);
    }

    public boolean isIn(String group) {
        return groups.contains(group);
    }
}
