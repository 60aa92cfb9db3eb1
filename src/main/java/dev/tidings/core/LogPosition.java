package dev.tidings.core;

/**
 * Where one client process stands on one transport log: the offset up to which it has received
 * every publication on its keys there (or was not to receive it), for its cursor and to drop what
 * it already has. Guarded by the client process's outgoing lock.
 */
final class LogPosition {

    final String log;
    /** {@link Cursor#hash} of the log's id, computed once. */
    final int hash;
    long epoch;
    long offset;
    /** When the offset last moved by a delivery (the process's own clock): the newest are kept when a cursor is full. */
    long advanced;
    /** Notifications of this log in the outgoing queue, not yet written. */
    int pending;
    /** Keys of this log the process listens on; a log without any is left out of the cursor. */
    int listens;
    /** A recovery of this log is under way: the offset is the cursor's, the log's own position must not be taken. */
    boolean recovering;
    /** The position before a recovery took the cursor's, taken back if the log cannot honour the cursor. */
    long keptEpoch;
    long keptOffset;
    /**
     * After a recovery, until a live notification past {@code seamEnd} is written: live ones at or
     * before {@code seamStart}, or among {@code replayed}, are duplicates; other live ones up to
     * {@code seamEnd} were not in the replay (a key listened meanwhile) and are written.
     */
    long[] replayed;
    long seamStart;
    long seamEnd;

    LogPosition(String log, long epoch, long offset) {
        this.log = log;
        this.hash = Cursor.hash(log);
        this.epoch = epoch;
        this.offset = offset;
    }

    /**
     * Decides on a live notification of this log reaching the head of the queue: true when it is
     * to be written (and the position moves to it), false when the client has it already.
     */
    boolean admit(Position p, long tick) {
        if (p.epoch() != epoch) {
            // The log started again (a topic recreated): follow it; the recovery that could say
            // what was lost in between is a reconnect's, with the old cursor.
            epoch = p.epoch();
            offset = p.offset();
            advanced = tick;
            replayed = null;
            return true;
        }
        long o = p.offset();
        if (replayed != null) {
            if (o <= seamStart || java.util.Arrays.binarySearch(replayed, o) >= 0) {
                return false;
            }
            if (o > seamEnd) {
                replayed = null;
            }
        } else if (o <= offset) {
            return false; // delivered already (a transport may hand a record over twice)
        }
        if (o > offset) {
            offset = o;
            advanced = tick;
        }
        return true;
    }

    /** A replayed notification was written (or blocked): the position moves to it. */
    void replayed(long o, long tick) {
        if (o > offset) {
            offset = o;
            advanced = tick;
        }
    }
}
