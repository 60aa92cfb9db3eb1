package dev.tidings.core;

import io.smallrye.mutiny.Uni;
import java.util.Set;

/**
 * Carries publications and control messages to every replica, this one included. The in-process
 * {@link LocalTransport} serves a single replica; the Kafka transport serves many. Exactly one is
 * active, chosen by {@code tidings.transport}.
 *
 * <p>A transport must hand publications of one (type, key) to the {@link Receiver} in the order
 * they were published, one at a time; Tidings keeps that order to every client.
 */
public interface Transport {

    /** Starts delivering to the receiver; called once when Tidings starts. */
    void start(Receiver receiver);

    /**
     * Publishes to every replica. Completes once the transport holds the publication (for Kafka,
     * once the broker acknowledged it), or fails with {@link TidingsException.Reason#UNAVAILABLE}.
     */
    Uni<Void> publish(Publication publication);

    /** Sends a control message to every replica, with the same guarantee as {@link #publish}. */
    Uni<Void> control(Control control);

    /** True when this transport reaches other replicas; a client unknown here may live there. */
    boolean distributed();

    /** What a transport delivers to: this replica's Tidings. */
    interface Receiver {

        /** The names of the registered notification types. */
        Set<String> types();

        /**
         * True when a client process here listens on that key. Cheap and never throws: a
         * transport asks it before decoding anything, and skips the record when it is false.
         */
        boolean listensOn(String type, String key);

        /** Counts a record skipped because nobody here listens on its key. */
        void skipped(String type);

        /** Delivers a publication to the clients here; a bad one is counted and logged, never thrown. */
        void onPublication(Publication publication);

        /** Applies a control message to the client processes here; never throws. */
        void onControl(Control control);

        /**
         * Counts and logs (rate-limited) a record that is neither a publication nor a control
         * message: no key, a bad header, unreadable JSON.
         *
         * @param origin where it came from (topic, partition and offset)
         */
        void rejected(Object origin, String why);
    }
}
