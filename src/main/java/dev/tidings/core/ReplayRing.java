package dev.tidings.core;

/**
 * The last frames sent to one client process, for {@code Last-Event-ID} replay after a resume.
 * Event ids are consecutive, so a ring indexed by id modulo its length holds ids
 * {@code newest - count + 1 … newest} with no per-delivery record.
 */
final class ReplayRing {

    /** Receives replayed frames, oldest first. */
    interface Sink {
        void frame(long id, byte[] frame);
    }

    private final byte[][] frames;
    private int count;
    private long newest;

    ReplayRing(int capacity) {
        if (capacity < 1) {
            throw new IllegalArgumentException("a replay ring needs room for one frame at least");
        }
        frames = new byte[capacity][];
    }

    /** Keeps the frame sent with {@code id}, which is one more than the last id added. */
    void add(long id, byte[] frame) {
        frames[(int) (id % frames.length)] = frame;
        newest = id;
        if (count < frames.length) {
            count++;
        }
    }

    /** True when every frame after {@code lastSeen} is still held. */
    boolean covers(long lastSeen) {
        return lastSeen >= newest - count;
    }

    /** Hands the held frames after {@code lastSeen} to the sink, oldest first. */
    void replayAfter(long lastSeen, Sink sink) {
        for (long id = Math.max(lastSeen + 1, newest - count + 1); id <= newest; id++) {
            sink.frame(id, frames[(int) (id % frames.length)]);
        }
    }
}
