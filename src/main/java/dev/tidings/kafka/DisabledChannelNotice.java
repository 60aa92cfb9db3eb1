package dev.tidings.kafka;

import io.quarkus.runtime.StartupEvent;
import jakarta.annotation.Priority;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.interceptor.Interceptor;
import java.util.logging.Filter;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.logmanager.ExtLogRecord;

/**
 * On the in-process transport the Kafka channel is switched off ({@link KafkaChannelSwitch}),
 * so SmallRye Reactive Messaging's wiring check finds {@link KafkaPublisher}'s emitter without a
 * downstream and says so once at start ({@code SRMSG00207}, WARN). That is the intended state, not a
 * mistake to report: this filter drops that one report when every component it names is Tidings'
 * own Kafka transport, and lets everything else through (a report naming any other component
 * included). With {@code tidings.transport=kafka} it is not installed.
 */
@ApplicationScoped
public class DisabledChannelNotice implements Filter {

    /** SmallRye Reactive Messaging's provider logger, which logs the wiring report. */
    static final String CATEGORY = "io.smallrye.reactive.messaging.provider";
    private static final String REPORT = "SRMSG00207";
    /** How the report names this transport's component: the publishing emitter. */
    private static final String EMITTER = "\t- Emitter{channel:'" + KafkaChannels.OUT + "'}";

    private Filter previous;

    /** Before the connector's channels are wired (the wiring runs at {@code LIBRARY_BEFORE}). */
    void install(@Observes @Priority(Interceptor.Priority.PLATFORM_BEFORE) StartupEvent event,
            @ConfigProperty(name = "tidings.transport", defaultValue = "local") String transport) {
        if (!"kafka".equals(transport)) {
            Logger logger = Logger.getLogger(CATEGORY);
            previous = logger.getFilter();
            logger.setFilter(this);
        }
    }

    @Override
    public boolean isLoggable(LogRecord record) {
        if (record.getLevel().intValue() == Level.WARNING.intValue()) {
            String text = record instanceof ExtLogRecord r ? r.getFormattedMessage() : record.getMessage();
            if (text != null && text.startsWith(REPORT) && onlyOurs(text)) {
                return false;
            }
        }
        return previous == null || previous.isLoggable(record);
    }

    /** True when every component line of the report is one of this transport's. */
    static boolean onlyOurs(String report) {
        boolean any = false;
        for (String line : report.split("\n")) {
            if (line.startsWith("\t- ")) {
                if (!line.startsWith(EMITTER)) {
                    return false;
                }
                any = true;
            }
        }
        return any;
    }
}
