package dev.tidings.core;

import java.util.concurrent.atomic.AtomicLong;
import org.jboss.logging.Logger;

/**
 * Logs a recurring problem at most once per interval, with how many were suppressed, so that a
 * stream of bad records or failing prepares cannot flood the log.
 */
public final class LogLimiter {

    private final Logger log;
    private final long intervalNanos;
    private final AtomicLong nextAllowed = new AtomicLong(Long.MIN_VALUE);
    private final AtomicLong suppressed = new AtomicLong();

    public LogLimiter(Logger log, long intervalMillis) {
        this.log = log;
        this.intervalNanos = intervalMillis * 1_000_000L;
    }

    /** Logs {@code String.format(message, params)} at WARN, unless one was logged less than an interval ago. */
    public void warn(String message, Object... params) {
        long now = System.nanoTime();
        long next = nextAllowed.get();
        if ((next == Long.MIN_VALUE || now - next >= 0) && nextAllowed.compareAndSet(next, now + intervalNanos)) {
            long skipped = suppressed.getAndSet(0);
            String text = String.format(message, params);
            log.warn(skipped == 0 ? text : text + " (" + skipped + " similar suppressed)");
        } else {
            suppressed.incrementAndGet();
        }
    }
}
