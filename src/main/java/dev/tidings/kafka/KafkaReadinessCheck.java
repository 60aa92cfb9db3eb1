package dev.tidings.kafka;

import io.smallrye.health.api.AsyncHealthCheck;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Instance;
import jakarta.inject.Inject;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.Readiness;

/**
 * Readiness ({@code /q/health/ready}) of the transport, named {@value #NAME} whichever it is: with
 * {@code tidings.transport=kafka}, up only while the broker answers within
 * {@code tidings.kafka.health-timeout} and the consumer reads every partition of every topic; with
 * the in-process transport, always up.
 */
@Readiness
@ApplicationScoped
public class KafkaReadinessCheck implements AsyncHealthCheck {

    static final String NAME = "tidings-transport";

    private final Instance<KafkaTransport> transport;

    @Inject
    public KafkaReadinessCheck(Instance<KafkaTransport> transport) {
        this.transport = transport;
    }

    @Override
    public Uni<HealthCheckResponse> call() {
        if (!transport.isResolvable()) {
            return Uni.createFrom().item(HealthCheckResponse.named(KafkaReadinessCheck.NAME).up()
                    .withData("transport", "local").build());
        }
        return transport.get().health();
    }
}
