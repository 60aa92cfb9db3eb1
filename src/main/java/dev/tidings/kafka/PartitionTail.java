package dev.tidings.kafka;

import java.util.ArrayList;
import java.util.List;
import dev.tidings.core.Position;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.TopicPartition;

/**
 * The most recent records of one partition, as read, whether anybody here listened on their keys
 * or not: recovery after a client moved replica reads them from memory instead of seeking into
 * the broker. Offsets are consecutive in a partition except where the log was compacted or
 * transactions left markers, so the tail is a ring of records with their offsets.
 *
 * <p>Written by the polling thread, read by recoveries on other threads: one lock per partition,
 * taken once per polled batch on the writing side.
 */
final class PartitionTail {

    /** The partition. */
    final TopicPartition partition;
    /** The log's id in cursors: {@code topic/partition}. */
    final String log;
    /** The topic's epoch (from its id: a topic deleted and created again has another). */
    final long epoch;
    /** The last offset whose record the consumer has handed over (or skipped); -1: none yet. */
    volatile long handled = -1;
    private volatile Position handledAt;

    private final ConsumerRecord<byte[], byte[]>[] ring;
    private int head; // index of the oldest
    private int count;
    /** The offset the next record is expected at (after the newest); -1 before the first. */
    private long next = -1;
    /** Where this replica started reading the partition: records before it were never in the tail. */
    private long start = -1;

    @SuppressWarnings("unchecked")
    PartitionTail(TopicPartition partition, long epoch, int capacity) {
        this.partition = partition;
        this.log = logId(partition);
        this.epoch = epoch;
        ring = new ConsumerRecord[Math.max(1, capacity)];
    }

    /** The id of a partition's log in cursors, the same on every replica. */
    static String logId(TopicPartition partition) {
        return partition.topic() + "/" + partition.partition();
    }

    /** The position of an offset of this partition, for a cursor. */
    Position at(long offset) {
        return new Position(log, epoch, offset);
    }

    /**
     * The position of {@link #handled}. Every delivery's cursor asks for it, one record reaches
     * many clients, so it is made once per offset rather than once per delivery. Two threads may
     * both make it: the positions are equal values.
     */
    Position handledPosition() {
        long h = handled;
        Position p = handledAt;
        if (p == null || p.offset() != h) {
            p = at(h);
            handledAt = p;
        }
        return p;
    }

    /** Adds the records of one poll, oldest first. */
    synchronized void addAll(List<ConsumerRecord<byte[], byte[]>> records) {
        for (ConsumerRecord<byte[], byte[]> r : records) {
            if (r.offset() < next) {
                continue; // read again after a rebalance
            }
            if (start < 0) {
                start = r.offset();
            }
            int at = (head + count) % ring.length;
            ring[at] = r;
            if (count < ring.length) {
                count++;
            } else {
                head = (head + 1) % ring.length;
            }
            next = r.offset() + 1;
        }
    }

    /** Notes where reading starts, before any record: a cursor at {@code position - 1} is covered. */
    synchronized void startAt(long position) {
        if (start < 0) {
            start = position;
            next = position;
            handled = position - 1;
        }
    }

    /** The offset after the newest record read; -1 when not known yet. */
    synchronized long end() {
        return next;
    }

    /**
     * What the tail holds after an offset: every record after it up to {@code end} (inclusive), the
     * newest record read, which is at least the last one handed over.
     */
    record Slice(List<ConsumerRecord<byte[], byte[]>> records, long end) {}

    /**
     * The records after {@code afterOffset} up to the newest, or null when the tail no longer
     * (or never) held all of them.
     */
    synchronized Slice after(long afterOffset) {
        if (next < 0) {
            return null;
        }
        if (afterOffset + 1 >= next) {
            return new Slice(List.of(), next - 1);
        }
        long oldest = count == 0 ? next : ring[head].offset();
        // the records between afterOffset and the oldest held must be known not to exist
        boolean covered = count == ring.length ? afterOffset + 1 >= oldest : afterOffset + 1 >= start;
        if (!covered) {
            return null;
        }
        List<ConsumerRecord<byte[], byte[]>> out = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            ConsumerRecord<byte[], byte[]> r = ring[(head + i) % ring.length];
            if (r.offset() > afterOffset) {
                out.add(r);
            }
        }
        return new Slice(out, next - 1);
    }
}
