package dev.tidings.kafka;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.tidings.core.Control;
import dev.tidings.core.Position;
import dev.tidings.core.Publication;
import dev.tidings.core.Replay;
import dev.tidings.core.TidingsException;
import dev.tidings.core.Transport;
import io.quarkus.arc.lookup.LookupIfProperty;
import io.smallrye.mutiny.Uni;
import io.smallrye.common.annotation.Identifier;
import io.smallrye.reactive.messaging.kafka.KafkaClientService;
import io.smallrye.reactive.messaging.kafka.KafkaProducer;
import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.jboss.logging.Logger;

/**
 * Carries publications and control messages between replicas over Kafka
 * ({@code tidings.transport=kafka}), on SmallRye Reactive Messaging's Kafka connector.
 *
 * <ul>
 *   <li>One topic per notification type (default {@code tidings.<type>}); records as
 *       {@link RecordCodec} writes and reads them, which outside producers write too.
 *   <li>One control topic (default {@code tidings.control}) for {@link Control} messages, as JSON
 *       (see {@link ControlCodec}).
 *   <li>Broadcast: every replica reads every record published after it started
 *       ({@link BroadcastConsumer}, a plain Kafka consumer: see there why).
 *   <li>A publish completes once the broker acknowledged the record, or fails with
 *       {@link TidingsException.Reason#UNAVAILABLE} within {@code tidings.kafka.send-timeout}
 *       ({@link KafkaPublisher}, channel {@value KafkaChannels#OUT}).
 * </ul>
 *
 * <p>At start it maps the registered types to topics ({@link Topics}), then, in the background,
 * makes sure the topics exist ({@link TopicAdmin}) before the consumer starts reading them.
 */
@ApplicationScoped
@LookupIfProperty(name = "tidings.transport", stringValue = "kafka")
public class KafkaTransport implements Transport {

    /** Header naming the client process that must not receive the notification (Eliom's {@code `Me}). */
    public static final String NOTFOR_CLIENT_HEADER = RecordCodec.NOTFOR_CLIENT_HEADER;
    /** Header naming the identity (text form) whose client processes must not receive it (Eliom's {@code `Id}). */
    public static final String NOTFOR_IDENTITY_HEADER = RecordCodec.NOTFOR_IDENTITY_HEADER;

    private static final Logger LOG = Logger.getLogger(KafkaTransport.class);

    private final KafkaTransportConfig config;
    private final ControlCodec controls;
    private final KafkaChannels channels;
    private final KafkaPublisher publisher;
    private final BroadcastConsumer consumer;
    private final TopicAdmin admin;
    private final KafkaClientService clients;
    private final Map<String, Object> kafka;

    private volatile Topics topics;
    private volatile Receiver receiver;
    private volatile boolean running;
    private volatile boolean reading;

    @Inject
    public KafkaTransport(KafkaTransportConfig config, ObjectMapper mapper, KafkaChannels channels, KafkaPublisher publisher,
            BroadcastConsumer consumer, TopicAdmin admin, KafkaClientService clients,
            @Identifier("default-kafka-broker") Map<String, Object> kafka) {
        this.config = config;
        this.controls = new ControlCodec(mapper);
        this.channels = channels;
        this.publisher = publisher;
        this.consumer = consumer;
        this.admin = admin;
        this.clients = clients;
        this.kafka = kafka;
    }

    // ---- lifecycle ---------------------------------------------------------------------------------

    /** Called by Tidings at start: maps types to topics, then, in the background, makes sure they exist and starts reading. */
    @Override
    public synchronized void start(Receiver receiver) {
        BroadcastConsumer.checkRecoverySettings(config);
        Topics t = Topics.of(receiver.types(), config);
        this.receiver = receiver;
        topics = t;
        running = true;
        admin.start(t, channels.clientId() + "-admin", this::startReading);
        LOG.infof("Kafka transport %s: topics %s, control topic %s, send timeout %s", channels.clientId(), t.byType(),
                t.control(), config.sendTimeout());
    }

    /** Once the topics exist (or were created): starts the consumer, and fetches the producer's metadata. */
    private boolean startReading() {
        consumer.start(receiver, topics, controls, kafka, channels.clientId(), admin);
        reading = true;
        KafkaProducer<byte[], byte[]> producer = clients.getProducer(KafkaChannels.OUT);
        if (producer != null) {
            // so that the first notify does not wait for it
            for (String topic : topics.all()) {
                producer.partitionsFor(topic).subscribe().with(p -> { }, e -> LOG.debugf("metadata of %s: %s", topic, e));
            }
        }
        return true;
    }

    @PreDestroy
    void stop() {
        running = false;
    }

    // ---- publishing ----------------------------------------------------------------------------------

    @Override
    public Uni<Void> publish(Publication p) {
        return Uni.createFrom().deferred(() -> {
            String topic = topics.topicOf(p.type());
            if (topic == null) {
                throw new TidingsException(TidingsException.Reason.UNKNOWN_TYPE, "no topic for type " + p.type());
            }
            return send(topic, RecordCodec.key(p), p.payload(), RecordCodec.headers(p));
        });
    }

    @Override
    public Uni<Void> control(Control control) {
        return Uni.createFrom().deferred(() -> send(topics.control(),
                ControlCodec.recordKey(control).getBytes(StandardCharsets.UTF_8), controls.encode(control), List.of()));
    }

    private Uni<Void> send(String topic, byte[] key, byte[] value, List<org.apache.kafka.common.header.internals.RecordHeader> headers) {
        if (!running) {
            return Uni.createFrom().failure(KafkaPublisher.unavailable("the Kafka transport is stopped", null));
        }
        return publisher.send(topic, key, value, headers, config.sendTimeout());
    }

    @Override
    public boolean distributed() {
        return true;
    }

    // ---- recovery ----------------------------------------------------------------------------------

    /** {@code topic/partition}: the partition Kafka's default partitioner puts the key in. */
    @Override
    public String logOf(String type, String key) {
        Topics t = topics;
        String topic = t == null ? null : t.topicOf(type);
        return topic == null ? null : consumer.logOf(topic, key);
    }

    @Override
    public Position position(String log) {
        return consumer.position(log);
    }

    @Override
    public Uni<Replay> replay(String log, long epoch, long afterOffset, Set<String> keys) {
        return consumer.replay(log, epoch, afterOffset, keys);
    }

    // ---- state -------------------------------------------------------------------------------------

    boolean running() {
        return running;
    }

    /** True once the consumer was started (the topics existed, or were created). */
    boolean reading() {
        return reading;
    }

    /** This replica's Kafka client id prefix. */
    String clientId() {
        return channels.clientId();
    }

    BroadcastConsumer consumer() {
        return consumer;
    }

    TopicAdmin admin() {
        return admin;
    }

    /** Topics in use, type name → topic (for docs and tests). */
    public Map<String, String> topics() {
        return topics == null ? Map.of() : topics.byType();
    }
}
