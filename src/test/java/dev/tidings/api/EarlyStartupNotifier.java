package dev.tidings.api;

import dev.tidings.probe.ProbeNotice;
import dev.tidings.probe.ProbeType;
import io.quarkus.runtime.StartupEvent;
import io.smallrye.mutiny.Uni;
import jakarta.annotation.Priority;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import org.eclipse.microprofile.config.inject.ConfigProperty;

/**
 * Application start-up code that notifies, as a user's own would; it observes start-up before
 * Tidings does (a lower priority runs first), the order that used to leave types unregistered.
 */
@ApplicationScoped
public class EarlyStartupNotifier {

    static volatile Uni<Void> outcome;
    static volatile RuntimeException thrown;

    @Inject
    ProbeType probe;

    @ConfigProperty(name = "tidings.transport", defaultValue = "local")
    String transport;

    void onStart(@Observes @Priority(-1000) StartupEvent event) {
        if (!transport.equals("local")) {
            return; // the Kafka tests' broker topics are not there yet; one case is enough
        }
        try {
            outcome = probe.notify("startup", ProbeNotice.plain(1));
        } catch (RuntimeException e) {
            thrown = e;
        }
    }
}
