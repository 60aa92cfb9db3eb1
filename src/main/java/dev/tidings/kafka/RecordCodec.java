package dev.tidings.kafka;

import dev.tidings.core.NotFor;
import dev.tidings.core.Publication;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.header.internals.RecordHeader;

/**
 * Publications as Kafka records, the public format that outside producers write too (see
 * {@code docs/kafka.md}): key = the notification key as UTF-8 text, value = the server
 * notification as JSON (passed through untouched), at most one of the headers
 * {@value #NOTFOR_CLIENT_HEADER} / {@value #NOTFOR_IDENTITY_HEADER}. Control messages have
 * their own codec, {@link ControlCodec}.
 */
final class RecordCodec {

    /** Header naming the client process that must not receive the notification (Eliom's {@code `Me}). */
    static final String NOTFOR_CLIENT_HEADER = "tidings-notfor-client";
    /** Header naming the identity (text form) whose client processes must not receive it (Eliom's {@code `Id}). */
    static final String NOTFOR_IDENTITY_HEADER = "tidings-notfor-identity";

    private RecordCodec() {}

    static byte[] key(Publication p) {
        return p.key().getBytes(StandardCharsets.UTF_8);
    }

    /** The notfor header of a publication; none when it excludes nobody. */
    static List<RecordHeader> headers(Publication p) {
        if (p.notFor() instanceof NotFor.Client c) {
            return List.of(new RecordHeader(NOTFOR_CLIENT_HEADER, c.id().getBytes(StandardCharsets.UTF_8)));
        } else if (p.notFor() instanceof NotFor.Identity i) {
            return List.of(new RecordHeader(NOTFOR_IDENTITY_HEADER, i.identity().getBytes(StandardCharsets.UTF_8)));
        }
        return List.of();
    }

    /** The record's key as text; null when it has none (or an empty one). */
    static String key(ConsumerRecord<byte[], byte[]> r) {
        byte[] key = r.key();
        return key == null || key.length == 0 ? null : new String(key, StandardCharsets.UTF_8);
    }

    /**
     * The publication a record of a type's topic carries; call it only once someone here listens
     * on the key (it reads the headers).
     *
     * @throws IllegalArgumentException when the notfor headers are malformed
     */
    static Publication publication(String type, String key, ConsumerRecord<byte[], byte[]> r) {
        return new Publication(type, key, r.value(), notFor(r.headers()), where(r), r.timestamp());
    }

    static NotFor notFor(Headers headers) {
        Header client = headers.lastHeader(NOTFOR_CLIENT_HEADER);
        Header identity = headers.lastHeader(NOTFOR_IDENTITY_HEADER);
        if (client != null && identity != null) {
            throw new IllegalArgumentException("both " + NOTFOR_CLIENT_HEADER + " and " + NOTFOR_IDENTITY_HEADER + " headers");
        }
        Header h = client != null ? client : identity;
        if (h == null) {
            return NotFor.none();
        }
        if (h.value() == null || h.value().length == 0) {
            throw new IllegalArgumentException("empty " + h.key() + " header");
        }
        String value = new String(h.value(), StandardCharsets.UTF_8);
        return client != null ? NotFor.client(value) : NotFor.identity(value);
    }

    static Where where(ConsumerRecord<?, ?> r) {
        return new Where(r.topic(), r.partition(), r.offset());
    }

    /** Where a record came from, for the log line of a rejected one: {@code tidings.feed-1@42}. */
    record Where(String topic, int partition, long offset) {
        @Override
        public String toString() {
            return topic + "-" + partition + "@" + offset;
        }
    }
}
