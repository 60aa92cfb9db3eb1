package dev.tidings.identity;

import io.quarkus.logging.LoggingFilter;
import java.util.logging.Filter;
import java.util.logging.LogRecord;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.jboss.logmanager.ExtLogRecord;

/**
 * Takes tokens out of every log line before a handler writes it: an {@code access_token=} value
 * (a URL's query, a cookie) and a {@code Bearer} credential, in the message and in the messages of
 * a logged exception. Tidings itself never logs a token or a URL's query; this is for what
 * libraries log (Quarkus's error handler logs the whole URL of a request it could not serve, the
 * access log its request line). Attached to the console and file handlers in
 * application.properties ({@code quarkus.log.console.filter}, {@code quarkus.log.file.filter}).
 */
@LoggingFilter(name = TokenRedaction.NAME)
public final class TokenRedaction implements Filter {

    public static final String NAME = "tidings-redact-tokens";
    static final String REDACTED = "[redacted]";
    private static final Pattern TOKEN = Pattern.compile(
            "(?i)(" + CallerResolver.TOKEN_PARAMETER + "=|\\bbearer\\s+)([^\\s&;,\"'#<>]+)");

    @Override
    public boolean isLoggable(LogRecord record) {
        if (record instanceof ExtLogRecord ext) {
            String message = ext.getFormattedMessage();
            if (message != null && TOKEN.matcher(message).find()) {
                ext.setMessage(redact(message), ExtLogRecord.FormatStyle.NO_FORMAT);
                ext.setParameters(null);
            }
        } else if (record.getMessage() != null && TOKEN.matcher(record.getMessage()).find()) {
            record.setMessage(redact(record.getMessage()));
            record.setParameters(null);
        }
        if (record.getThrown() != null && mentionsToken(record.getThrown())) {
            record.setThrown(redacted(record.getThrown()));
        }
        return true;
    }

    /** The text with every token value replaced. */
    public static String redact(String text) {
        if (text == null) {
            return null;
        }
        Matcher m = TOKEN.matcher(text);
        return m.find() ? m.replaceAll("$1" + Matcher.quoteReplacement(REDACTED)) : text;
    }

    private static boolean mentionsToken(Throwable t) {
        for (Throwable c = t; c != null; c = c.getCause() == c ? null : c.getCause()) {
            if (c.getMessage() != null && TOKEN.matcher(c.getMessage()).find()) {
                return true;
            }
        }
        return false;
    }

    /** The same chain, types named in the messages and stack traces kept, messages redacted. */
    private static Throwable redacted(Throwable t) {
        Throwable cause = t.getCause() == null || t.getCause() == t ? null : redacted(t.getCause());
        Throwable copy = new RedactedException(t.getClass().getName() + ": " + redact(t.getMessage()), cause);
        copy.setStackTrace(t.getStackTrace());
        return copy;
    }

    /** Stands in for an exception whose message held a token. */
    static final class RedactedException extends RuntimeException {
        RedactedException(String message, Throwable cause) {
            super(message, cause);
        }
    }
}
