package dev.tidings.kafka;

import io.smallrye.health.api.AsyncHealthCheck;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Instance;
import jakarta.inject.Inject;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.HealthCheckResponseBuilder;
import org.eclipse.microprofile.health.Readiness;

/**
 * Readiness ({@code /q/health/ready}) of the transport, named {@value #NAME} whichever it is: with
 * {@code tidings.transport=kafka}, up only while the broker answers within
 * {@code tidings.kafka.health-timeout}, every topic exists, and the consumer is assigned every
 * partition of every topic with its starting position resolved (so nothing published from then on
 * is missed), and has not stopped; with the in-process transport, always up. The connector's own
 * checks for the publishing channel appear next to it.
 */
@Readiness
@ApplicationScoped
public class KafkaReadinessCheck implements AsyncHealthCheck {

    static final String NAME = "tidings-transport";

    private final Instance<KafkaTransport> transport;
    private final KafkaTransportConfig config;

    @Inject
    public KafkaReadinessCheck(Instance<KafkaTransport> transport, KafkaTransportConfig config) {
        this.transport = transport;
        this.config = config;
    }

    @Override
    public Uni<HealthCheckResponse> call() {
        if (!transport.isResolvable()) {
            return Uni.createFrom().item(HealthCheckResponse.named(NAME).up().withData("transport", "local").build());
        }
        KafkaTransport t = transport.get();
        TopicAdmin admin = t.admin();
        BroadcastConsumer consumer = t.consumer();
        HealthCheckResponseBuilder b = HealthCheckResponse.named(NAME).withData("transport", "kafka")
                .withData("bootstrap.servers", admin.bootstrapServers()).withData("client", t.clientId());
        if (!t.running() || !admin.started()) {
            return Uni.createFrom().item(b.down().withData("state", "not started").build());
        }
        if (consumer.died() != null) {
            return Uni.createFrom().item(b.down().withData("state", "consumer stopped: " + consumer.died()).build());
        }
        return admin.clusterId(config.healthTimeout())
                .map(cluster -> {
                    b.withData("cluster", String.valueOf(cluster)).withData("partitions", consumer.assigned().size())
                            .withData("badControlMessages", consumer.badControlMessages());
                    if (!t.reading() || !consumer.positioned()) {
                        return b.down().withData("state", "positioning the consumer").build();
                    }
                    if (!consumer.missingTopics().isEmpty()) {
                        return b.down().withData("state", "missing topics " + consumer.missingTopics()).build();
                    }
                    return b.up().withData("state", "reading").build();
                })
                .onFailure().recoverWithItem(e -> b.down().withData("state", "broker unreachable: " + e).build());
    }
}
