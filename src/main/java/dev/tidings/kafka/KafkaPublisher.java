package dev.tidings.kafka;

import dev.tidings.core.LogLimiter;
import dev.tidings.core.TidingsException;
import io.smallrye.mutiny.Uni;
import io.smallrye.reactive.messaging.MutinyEmitter;
import io.smallrye.reactive.messaging.kafka.api.OutgoingKafkaRecordMetadata;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.time.Duration;
import java.util.List;
import org.apache.kafka.common.header.internals.RecordHeader;
import org.eclipse.microprofile.reactive.messaging.Channel;
import org.eclipse.microprofile.reactive.messaging.Message;
import org.jboss.logging.Logger;

/**
 * Writes records through the connector's {@value KafkaChannels#OUT} channel. A send completes
 * once the broker acknowledged the record ({@code acks=all}, idempotent producer: see
 * {@link KafkaChannels#customize}) and fails with {@link TidingsException.Reason#UNAVAILABLE}
 * when it did not within {@code tidings.kafka.send-timeout}. The connector calls the producer
 * on its own sending thread, one record after the other in the order of the sends, so the caller
 * (an event loop, often) never blocks, and completes on the caller's Vert.x context.
 */
@ApplicationScoped
public class KafkaPublisher {

    private static final Logger LOG = Logger.getLogger(KafkaPublisher.class);

    private final MutinyEmitter<byte[]> out;
    private final LogLimiter problems = new LogLimiter(LOG, 10_000);

    @Inject
    public KafkaPublisher(@Channel(KafkaChannels.OUT) MutinyEmitter<byte[]> out) {
        this.out = out;
    }

    Uni<Void> send(String topic, byte[] key, byte[] value, List<RecordHeader> headers, Duration timeout) {
        Message<byte[]> record = Message.of(value).addMetadata(OutgoingKafkaRecordMetadata.<byte[]>builder()
                .withTopic(topic).withKey(key).withHeaders(headers).build());
        return Uni.createFrom().deferred(() -> out.sendMessage(record))
                .onFailure().transform(e -> {
                    problems.warn("Kafka send failed: %s", e.toString());
                    return unavailable("Kafka did not take the record: " + e.getMessage(), e);
                })
                .ifNoItem().after(timeout).failWith(() -> unavailable(
                        "Kafka did not acknowledge within " + timeout + " (tidings.kafka.send-timeout)", null));
    }

    static TidingsException unavailable(String message, Throwable cause) {
        return new TidingsException(TidingsException.Reason.UNAVAILABLE, message, cause);
    }
}
