package dev.tidings.kafka;

import io.smallrye.health.api.AsyncHealthCheck;
import io.smallrye.mutiny.Uni;
import io.smallrye.reactive.messaging.health.HealthReport;
import io.smallrye.reactive.messaging.providers.extension.HealthCenter;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Instance;
import jakarta.inject.Inject;
import java.time.Duration;
import java.util.HashSet;
import java.util.Set;
import org.apache.kafka.common.TopicPartition;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.HealthCheckResponseBuilder;
import org.eclipse.microprofile.health.Readiness;

/**
 * Readiness ({@code /q/health/ready}) of the transport, named {@value #NAME} whichever it is: with
 * {@code tidings.transport=kafka}, up only while the broker answers within
 * {@code tidings.kafka.health-timeout}, every topic exists, and the consumer is assigned every
 * partition of every topic with its starting position resolved (so nothing published from then on
 * is missed), and has not stopped; with the in-process transport, always up.
 *
 * <p>The connector's own checks (SmallRye Reactive Messaging's readiness and liveness, per
 * channel) appear next to it; they see the broker connection and a stopped channel, but not
 * missing topics or unresolved positions, hence this one.
 */
@Readiness
@ApplicationScoped
public class KafkaReadinessCheck implements AsyncHealthCheck {

    static final String NAME = "tidings-transport";

    private final Instance<KafkaTransport> transport;
    private final Instance<HealthCenter> connectorHealth;
    private final KafkaTransportConfig config;

    @Inject
    public KafkaReadinessCheck(Instance<KafkaTransport> transport, Instance<HealthCenter> connectorHealth,
            KafkaTransportConfig config) {
        this.transport = transport;
        this.connectorHealth = connectorHealth;
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
                .withData("bootstrap.servers", admin.bootstrapServers()).withData("group", t.consumerGroup());
        if (!t.running() || !admin.started()) {
            return Uni.createFrom().item(b.down().withData("state", "not started").build());
        }
        String stopped = stopped(consumer);
        if (stopped != null) {
            return Uni.createFrom().item(b.down().withData("state", "consumer stopped: " + stopped).build());
        }
        Duration timeout = config.healthTimeout();
        return admin.clusterId(timeout)
                .chain(cluster -> {
                    Set<TopicPartition> assigned = consumer.assigned();
                    b.withData("cluster", String.valueOf(cluster)).withData("partitions", assigned.size())
                            .withData("badControlMessages", consumer.badControlMessages());
                    return admin.partitions(t.topicsInUse().all(), timeout).chain(all -> {
                        if (!admin.missing().isEmpty()) {
                            return Uni.createFrom().item(b.down().withData("state", "missing topics " + admin.missing()));
                        }
                        Set<TopicPartition> unassigned = new HashSet<>(all);
                        unassigned.removeAll(assigned);
                        if (!t.reading() || !consumer.assignedOnce() || !unassigned.isEmpty()) {
                            return Uni.createFrom().item(b.down().withData("state", "positioning the consumer"));
                        }
                        return consumer.resolvePositions(timeout)
                                .map(positioned -> positioned ? b.up().withData("state", "reading")
                                        : b.down().withData("state", "positioning the consumer"));
                    });
                })
                .map(HealthCheckResponseBuilder::build)
                .onFailure().recoverWithItem(e -> b.down().withData("state", "broker unreachable: " + e).build());
    }

    /** Why consumption stopped (an error while handing records over, or the connector's channel failed); null if it goes on. */
    private String stopped(BroadcastConsumer consumer) {
        if (consumer.died() != null) {
            return consumer.died().toString();
        }
        if (connectorHealth.isResolvable()) {
            for (HealthReport.ChannelInfo channel : connectorHealth.get().getLiveness().getChannels()) {
                if (KafkaChannels.IN.equals(channel.getChannel()) && !channel.isOk()) {
                    return String.valueOf(channel.getMessage());
                }
            }
        }
        return null;
    }
}
