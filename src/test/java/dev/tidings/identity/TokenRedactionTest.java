package dev.tidings.identity;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.logging.Level;
import org.jboss.logmanager.ExtLogRecord;
import org.junit.jupiter.api.Test;

/** The log filter alone: every place a token can stand in a line is redacted, and nothing else. */
class TokenRedactionTest {

    @Test
    void tokensInQueriesCookiesAndBearerHeadersAreRedacted() {
        assertEquals("GET /notif/stream?listen=a:b&access_token=[redacted]&client=c",
                TokenRedaction.redact("GET /notif/stream?listen=a:b&access_token=eyJ.x-y_z.sig&client=c"));
        assertEquals("Cookie: theme=dark; access_token=[redacted]; lang=en",
                TokenRedaction.redact("Cookie: theme=dark; access_token=eyJhbGciOi.abc.def; lang=en"));
        assertEquals("Authorization: Bearer [redacted]", TokenRedaction.redact("Authorization: Bearer eyJ.abc.def"));
        assertEquals("\"/x?ACCESS_TOKEN=[redacted]\"", TokenRedaction.redact("\"/x?ACCESS_TOKEN=abc\""));
        String plain = "Tidings started: types [chat, feed], local transport";
        assertSame(plain, TokenRedaction.redact(plain));
    }

    @Test
    void aRecordsMessageParametersAndExceptionsAreRedacted() {
        ExtLogRecord record = new ExtLogRecord(Level.SEVERE, "HTTP Request to %s failed", ExtLogRecord.FormatStyle.PRINTF,
                "test");
        record.setParameters(new Object[] {"/notif/stream?access_token=secret1"});
        IllegalStateException thrown = new IllegalStateException("at /x?access_token=secret2",
                new RuntimeException("Bearer secret3"));
        record.setThrown(thrown);
        assertTrue(new TokenRedaction().isLoggable(record));
        assertEquals("HTTP Request to /notif/stream?access_token=[redacted] failed", record.getFormattedMessage());
        assertEquals("java.lang.IllegalStateException: at /x?access_token=[redacted]", record.getThrown().getMessage());
        assertEquals("java.lang.RuntimeException: Bearer [redacted]", record.getThrown().getCause().getMessage());
        assertEquals(thrown.getStackTrace()[0], record.getThrown().getStackTrace()[0], "the stack trace is kept");
    }

    @Test
    void aRecordWithoutTokenIsLeftAlone() {
        ExtLogRecord record = new ExtLogRecord(Level.INFO, "listen %s", ExtLogRecord.FormatStyle.PRINTF, "test");
        record.setParameters(new Object[] {"chat:lobby"});
        Exception thrown = new Exception("plain");
        record.setThrown(thrown);
        new TokenRedaction().isLoggable(record);
        assertEquals("listen chat:lobby", record.getFormattedMessage());
        assertSame(thrown, record.getThrown());
        assertFalse(record.getFormattedMessage().contains("redacted"));
    }
}
