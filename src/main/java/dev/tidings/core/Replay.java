package dev.tidings.core;

import java.util.List;
import java.util.Objects;

/**
 * A transport's answer to {@link Transport#replay}: either every publication of the log after the
 * asked offset on the asked keys, in offset order, up to {@code end}; or why it cannot say (the
 * publications asked for are gone).
 *
 * @param publications in offset order, each carrying its {@link Position}; empty when lost
 * @param end the offset up to which (inclusive) the list is complete: at least the offset of every
 *     publication of the log the transport had handed to its receiver when {@code replay} was called
 * @param lost null when honoured; else {@link #RETENTION}, {@link #EPOCH} or {@link #UNSUPPORTED}
 */
public record Replay(List<Publication> publications, long end, String lost) {

    /** The offset asked for is older than what the log still holds (count or time retention). */
    public static final String RETENTION = "retention";
    /** The log asked for is not the one of that epoch any more (lost, recreated, process restarted). */
    public static final String EPOCH = "epoch";
    /** This transport keeps no log it can replay. */
    public static final String UNSUPPORTED = "unsupported";

    public Replay {
        publications = List.copyOf(publications);
    }

    /** Every publication after the asked offset, up to {@code end}. */
    public static Replay of(List<Publication> publications, long end) {
        return new Replay(publications, end, null);
    }

    /** The log cannot honour the request, for {@code reason}. */
    public static Replay lost(String reason) {
        return new Replay(List.of(), -1, Objects.requireNonNull(reason));
    }

    public boolean honoured() {
        return lost == null;
    }
}
