package dev.tidings.core;

import io.smallrye.mutiny.Uni;

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

    /** What a transport delivers to. */
    interface Receiver {
        void onPublication(Publication publication);

        void onControl(Control control);
    }
}
