package dev.tidings.kafka;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** Only SmallRye's wiring report that names nothing but this transport's own components is dropped. */
class DisabledChannelNoticeTest {

    private static final String HEAD = "SRMSG00207: Some components are not connected to either downstream consumers or upstream producers:\n";
    private static final String OTHER = "\t- SubscriberMethod{method:'com.example.Orders#consume', incoming:'orders'} has no upstream\n";
    private static final String EMITTER = "\t- Emitter{channel:'tidings-out'} has no downstream\n";

    @Test
    void theLocalModeReportIsOurs() {
        assertTrue(DisabledChannelNotice.onlyOurs(HEAD + EMITTER));
    }

    @Test
    void aReportNamingAnythingElseIsKept() {
        assertFalse(DisabledChannelNotice.onlyOurs(HEAD + EMITTER + OTHER));
        assertFalse(DisabledChannelNotice.onlyOurs(HEAD + "\t- Emitter{channel:'prices'} has no downstream\n"));
        assertFalse(DisabledChannelNotice.onlyOurs(HEAD));
    }
}
