package dev.tidings.kafka;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;

import dev.tidings.core.Position;
import java.util.List;
import java.util.stream.LongStream;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;

/** What the in-memory tail of a partition can answer for a recovery, and when it must say it cannot. */
class PartitionTailTest {

    private static final TopicPartition T0 = new TopicPartition("t", 0);

    private static ConsumerRecord<byte[], byte[]> at(long offset) {
        return new ConsumerRecord<>("t", 0, offset, new byte[] {'k'}, new byte[] {'v'});
    }

    private static List<ConsumerRecord<byte[], byte[]>> range(long from, long to) {
        return LongStream.rangeClosed(from, to).mapToObj(PartitionTailTest::at).toList();
    }

    private static List<Long> offsets(PartitionTail.Slice slice) {
        return slice.records().stream().map(ConsumerRecord::offset).toList();
    }

    @Test
    void aCursorSinceReadingStartedIsServedInFull() {
        PartitionTail tail = new PartitionTail(T0, 7, 10);
        tail.startAt(100);
        tail.addAll(range(100, 104));
        assertEquals(List.of(100L, 101L, 102L, 103L, 104L), offsets(tail.after(99)));
        assertEquals(List.of(103L, 104L), offsets(tail.after(102)));
        assertEquals(104, tail.after(102).end());
        assertEquals(List.of(), offsets(tail.after(104)));
    }

    @Test
    void theHandledPositionFollowsEveryHandOverAndIsMadeOncePerOffset() {
        PartitionTail tail = new PartitionTail(T0, 7, 10);
        tail.startAt(100);
        assertEquals(new Position(tail.log, 7, 99), tail.handledPosition(), "nothing handed over yet");
        tail.handled = 100;
        Position first = tail.handledPosition();
        assertEquals(new Position(tail.log, 7, 100), first);
        assertSame(first, tail.handledPosition(), "asked for by every delivery of that record");
        tail.handled = 101;
        assertEquals(new Position(tail.log, 7, 101), tail.handledPosition());
    }

    @Test
    void aCursorFromBeforeThisReplicaStartedReadingIsNotServed() {
        PartitionTail tail = new PartitionTail(T0, 7, 10);
        tail.startAt(100);
        tail.addAll(range(100, 101));
        assertNull(tail.after(98), "offset 99 was never read here");
    }

    @Test
    void afterWrappingOnlyWhatIsStillHeldIsServed() {
        PartitionTail tail = new PartitionTail(T0, 7, 4);
        tail.startAt(0);
        tail.addAll(range(0, 9)); // holds 6..9
        assertNull(tail.after(4), "offset 5 is gone");
        assertEquals(List.of(6L, 7L, 8L, 9L), offsets(tail.after(5)));
        assertEquals(List.of(9L), offsets(tail.after(8)));
    }

    @Test
    void recordsReadAgainAreNotKeptTwice() {
        PartitionTail tail = new PartitionTail(T0, 7, 10);
        tail.startAt(0);
        tail.addAll(range(0, 3));
        tail.addAll(range(2, 5));
        assertEquals(List.of(0L, 1L, 2L, 3L, 4L, 5L), offsets(tail.after(-1)));
    }

    @Test
    void gapsInOffsetsAreNoHoles() {
        // compaction or transaction markers leave offsets out
        PartitionTail tail = new PartitionTail(T0, 7, 3);
        tail.startAt(0);
        tail.addAll(List.of(at(0), at(2), at(5), at(9)));
        assertEquals(List.of(5L, 9L), offsets(tail.after(3)), "3 and 4 do not exist: 5 is the next");
        assertEquals(List.of(2L, 5L, 9L), offsets(tail.after(1)));
        assertNull(tail.after(0), "offset 1 may have existed before 2, and 0 is gone");
    }
}
