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
 *
 * <h2>Recovery</h2>
 * A transport that keeps a log lets a client that lost its stream (its replica died, its client
 * process expired) recover what it missed on any replica. Each key's publications go to one
 * <em>log</em> ({@link #logOf}); each publication handed to the receiver carries its
 * {@link Position} in that log ({@link Publication#position()}); within a log, publications are
 * handed to the receiver one at a time in offset order. {@link #position} tells where a log
 * stands on this replica, and {@link #replay} hands back what a log still holds after an offset.
 * The defaults describe a transport without a log: every recovery reports its keys missed.
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

    /**
     * The log that publications of (type, key) go to, the same on every replica (in-process: the
     * type's name; Kafka: {@code topic/partition}); null when this transport keeps no log. A log
     * carries one type only. Cheap, never blocks.
     */
    default String logOf(String type, String key) {
        return null;
    }

    /**
     * Where a log stands on this replica: its epoch and the offset of the last publication of it
     * whose {@link Receiver#onPublication} has returned ({@code -1}: none yet in this epoch). A
     * client listening on a key of the log from now on has been handed nothing after that offset.
     * Null when unknown. Called on the delivery path: cheap, never blocks, takes no lock that
     * {@code onPublication} may hold.
     */
    default Position position(String log) {
        return null;
    }

    /**
     * The publications of a log after {@code afterOffset} whose key is one of {@code keys}, in
     * offset order, up to at least every publication already handed to the receiver when this is
     * called ({@link Replay#end()}); or {@link Replay#lost} when the log cannot say:
     * {@link Replay#EPOCH} when its epoch is not {@code epoch} any more, {@link Replay#RETENTION}
     * when a publication after {@code afterOffset} is no longer held, {@link Replay#UNSUPPORTED}
     * when it keeps no log. Must not block the caller: the work may complete on any thread.
     * A failed {@code Uni} reports the keys missed as {@link Missed#UNAVAILABLE}.
     *
     * @param keys the text keys asked for; the publications of other keys are left out
     */
    default Uni<Replay> replay(String log, long epoch, long afterOffset, Set<String> keys) {
        return Uni.createFrom().item(Replay.lost(Replay.UNSUPPORTED));
    }

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
