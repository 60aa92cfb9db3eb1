package dev.tidings.core;

import java.util.Objects;

/**
 * Where a publication stands in its transport's log: the log's id, the log's epoch and the
 * publication's offset in it. A cursor is made of these, so any replica must read the same
 * position for the same publication.
 *
 * @param log the log's id, the same on every replica: for the in-process transport the type's
 *     name, for Kafka {@code topic/partition}; one log carries publications of one type only
 * @param epoch changes when the log is lost and starts again (the in-process transport: a random
 *     value per process start; Kafka: derived from the topic's id, which changes when the topic is
 *     deleted and created again)
 * @param offset increases by publication within one epoch of the log; {@code -1} before the first
 */
public record Position(String log, long epoch, long offset) {

    public Position {
        Objects.requireNonNull(log);
    }
}
