package dev.tidings.core;

/**
 * Where the core reports how long things took, for a metrics edge to record (a histogram, say).
 * Called on hot paths, once per delivery: an implementation must be quick, lock-free and must not
 * allocate.
 */
public interface Timings {

    /** Nothing is recorded. */
    Timings NONE = new Timings() {
        @Override
        public void delivered(long nanos) {
        }

        @Override
        public void prepared(String type, long nanos) {
        }
    };

    /**
     * A notification reached a client's stream, this long after it was accepted (by notify, or by
     * the transport's producer). Called for a uniform sample of deliveries (one in 16 per client).
     */
    void delivered(long nanos);

    /** One {@code prepare} of the type answered (or failed, or timed out) after this long. */
    void prepared(String type, long nanos);
}
