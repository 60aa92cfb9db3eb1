package dev.tidings.core;

import java.time.Duration;
import java.util.Optional;

/**
 * A request that Tidings refuses, with a machine-readable {@link Reason}. The edges map reasons to
 * their own status codes (HTTP 4xx, a skipped Kafka record); the core never speaks HTTP.
 */
public final class TidingsException extends RuntimeException {

    /** Why a request was refused. */
    public enum Reason {
        /** The request was malformed: bad JSON, a missing or ill-typed field, a bad key. */
        BAD_REQUEST,
        /** No notification type of that name. */
        UNKNOWN_TYPE,
        /** No client process of that id on this replica (never opened, ended, or past its grace period). */
        UNKNOWN_CLIENT,
        /** The caller does not own that client process, or lacks the group the action needs. */
        FORBIDDEN,
        /** The notification type refused a listen for this identity. */
        LISTEN_REFUSED,
        /** The request needs an identity and named none. */
        UNAUTHENTICATED,
        /** A configured per-client or per-identity count limit was reached. */
        LIMIT,
        /** A body or notification is larger than {@code tidings.limits.max-payload}. */
        TOO_LARGE,
        /** The transport could not take the notification in time (Kafka down). */
        UNAVAILABLE,
        /** This replica holds as many client processes or listens as it may ({@code tidings.limits.*}); try later. */
        CAPACITY
    }

    private final Reason reason;
    private final Duration retryAfter;

    public TidingsException(Reason reason, String message) {
        this(reason, message, null, null);
    }

    public TidingsException(Reason reason, String message, Throwable cause) {
        this(reason, message, cause, null);
    }

    /** @param retryAfter when trying again may succeed (the edge says so, e.g. {@code Retry-After}); may be null */
    public TidingsException(Reason reason, String message, Throwable cause, Duration retryAfter) {
        super(message, cause, false, false);
        this.reason = reason;
        this.retryAfter = retryAfter;
    }

    public Reason reason() {
        return reason;
    }

    /** When trying again may succeed, if known. */
    public Optional<Duration> retryAfter() {
        return Optional.ofNullable(retryAfter);
    }
}
