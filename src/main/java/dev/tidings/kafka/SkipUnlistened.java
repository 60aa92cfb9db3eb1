package dev.tidings.kafka;

import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerInterceptor;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;

/**
 * A Kafka consumer interceptor on the {@value KafkaChannels#IN} channel's consumer: inside each
 * poll, before the connector wraps the records into messages, it drops the records for keys
 * nobody on this replica listens on ({@link BroadcastConsumer#skipUnlistened}). The connector
 * wraps every record it receives into a message of its own (about 1 µs of CPU each, measured:
 * docs/kafka.md), which a replica reading every record of every topic cannot afford for the
 * records it throws away; this keeps the skip at a map lookup per record.
 *
 * <p>Kafka creates it from {@code interceptor.classes}; {@link KafkaChannels#customize} adds it
 * there and hands it the consumer under {@value #CONSUMER}.
 */
public class SkipUnlistened implements ConsumerInterceptor<byte[], byte[]> {

    /** The client configuration entry holding the {@link BroadcastConsumer} to ask. */
    static final String CONSUMER = "tidings.broadcast-consumer";

    private BroadcastConsumer consumer;

    @Override
    public void configure(Map<String, ?> configs) {
        consumer = (BroadcastConsumer) configs.get(CONSUMER);
    }

    @Override
    public ConsumerRecords<byte[], byte[]> onConsume(ConsumerRecords<byte[], byte[]> records) {
        return consumer == null ? records : consumer.skipUnlistened(records);
    }

    @Override
    public void onCommit(Map<TopicPartition, OffsetAndMetadata> offsets) {
        // the channel commits nothing
    }

    @Override
    public void close() {
        consumer = null;
    }
}
