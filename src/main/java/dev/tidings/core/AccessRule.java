package dev.tidings.core;

import java.util.Locale;

/**
 * Who may listen on (or notify) a type's keys, as configuration says it, so that keeping one user
 * out of another's notifications needs no Java:
 * <ul>
 *   <li>{@code anyone}: every caller;
 *   <li>{@code owner}: the key is the caller's own identity (a user's inbox);
 *   <li>{@code claim:<name>}: the key is one of the values of that claim of the caller's token (a
 *       string or an array of strings), where a value may use {@code *} for any run of characters;
 *   <li>{@code group:<name>}: the caller is in that group.
 * </ul>
 */
sealed interface AccessRule {

    /** True when this caller may act on the key; {@code identity} is the caller's identity in its text form. */
    boolean allows(Caller caller, String identity, String key);

    record Anyone() implements AccessRule {
        @Override
        public boolean allows(Caller caller, String identity, String key) {
            return true;
        }
    }

    record Owner() implements AccessRule {
        @Override
        public boolean allows(Caller caller, String identity, String key) {
            return key.equals(identity);
        }
    }

    record Claim(String name) implements AccessRule {
        @Override
        public boolean allows(Caller caller, String identity, String key) {
            return caller.claimValues(name).stream().anyMatch(pattern -> matches(pattern, key));
        }
    }

    record Group(String name) implements AccessRule {
        @Override
        public boolean allows(Caller caller, String identity, String key) {
            return caller.isIn(name);
        }
    }

    /**
     * Reads a rule.
     *
     * @param setting the configuration key it came from, for the error
     * @throws IllegalArgumentException when the text is no rule; Tidings then refuses to start
     */
    static AccessRule parse(String text, String setting) {
        String t = text.trim();
        String lower = t.toLowerCase(Locale.ROOT);
        if (lower.equals("anyone")) {
            return new Anyone();
        } else if (lower.equals("owner")) {
            return new Owner();
        } else if (lower.startsWith("claim:") && t.length() > 6) {
            return new Claim(t.substring(6));
        } else if (lower.startsWith("group:") && t.length() > 6) {
            return new Group(t.substring(6));
        }
        throw new IllegalArgumentException(setting + "=" + text
                + " is not a rule: use anyone, owner, claim:<name> or group:<name>");
    }

    /** A glob match where {@code *} stands for any run of characters and nothing else is special. */
    static boolean matches(String pattern, String text) {
        int p = 0;
        int t = 0;
        int star = -1;
        int mark = 0;
        while (t < text.length()) {
            if (p < pattern.length() && pattern.charAt(p) != '*' && pattern.charAt(p) == text.charAt(t)) {
                p++;
                t++;
            } else if (p < pattern.length() && pattern.charAt(p) == '*') {
                star = p++;
                mark = t;
            } else if (star >= 0) {
                p = star + 1;
                t = ++mark;
            } else {
                return false;
            }
        }
        while (p < pattern.length() && pattern.charAt(p) == '*') {
            p++;
        }
        return p == pattern.length();
    }
}
