package dev.tidings.kafka;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Instance;
import jakarta.inject.Inject;
import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.Liveness;

/**
 * Liveness ({@code /q/health/live}) of the broadcast consumer: down once its thread has died (an
 * error while handing a record over, out of memory), since a replica that no longer reads delivers
 * nothing and only a restart helps. A broker outage is not a reason to restart: readiness says that.
 */
@Liveness
@ApplicationScoped
public class ConsumerLivenessCheck implements HealthCheck {

    static final String NAME = "tidings-consumer";

    private final Instance<KafkaTransport> transport;

    @Inject
    public ConsumerLivenessCheck(Instance<KafkaTransport> transport) {
        this.transport = transport;
    }

    @Override
    public HealthCheckResponse call() {
        if (!transport.isResolvable()) {
            return HealthCheckResponse.named(NAME).up().withData("transport", "local").build();
        }
        Throwable died = transport.get().consumer().died();
        return died == null ? HealthCheckResponse.up(NAME)
                : HealthCheckResponse.named(NAME).down().withData("stopped", died.toString()).build();
    }
}
