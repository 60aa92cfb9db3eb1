package dev.tidings.core;

import io.quarkus.arc.lookup.LookupIfProperty;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The single-replica transport: a publication is delivered in the publisher's own thread, so it
 * reaches the listeners' queues before {@code notify} completes, and order per key is the order of
 * the calls. The default, so that a new user needs no broker.
 *
 * <p>It keeps a bounded log per type ({@code tidings.recovery.retention-count} publications, at
 * most {@code tidings.recovery.retention-time} old; per type {@code tidings.types.<type>.retention-count}),
 * so that a stream recovers by cursor what its client missed, across the end of a client process
 * too. The log is in memory: its epoch is drawn at random when the process starts, so a cursor from
 * before a restart gets {@code event: missed}. It holds the publications themselves (their payload
 * is shared, not copied).
 */
@ApplicationScoped
@LookupIfProperty(name = "tidings.transport", stringValue = "local", lookupIfMissing = true)
public class LocalTransport implements Transport {

    private static final SecureRandom RANDOM = new SecureRandom();

    private final long epoch = RANDOM.nextLong();
    private final int retentionCount;
    private final long retentionNanos;
    private final Map<String, Integer> countPerType;
    private final Map<String, Log> logs = new ConcurrentHashMap<>();
    private volatile Receiver receiver;

    /** With the default retention. */
    public LocalTransport() {
        this(10_000, Duration.ofMinutes(5), Map.of());
    }

    @Inject
    public LocalTransport(TidingsConfig config) {
        this(config.recovery().retentionCount(), config.recovery().retentionTime(), countPerType(config));
    }

    LocalTransport(int retentionCount, Duration retentionTime, Map<String, Integer> countPerType) {
        if (retentionCount < 0) {
            throw new IllegalArgumentException("tidings.recovery.retention-count must not be negative");
        }
        this.retentionCount = retentionCount;
        this.retentionNanos = retentionTime.toNanos();
        this.countPerType = Map.copyOf(countPerType);
    }

    private static Map<String, Integer> countPerType(TidingsConfig config) {
        Map<String, Integer> counts = new HashMap<>();
        config.types().forEach((type, settings) -> settings.retentionCount().ifPresent(n -> counts.put(type, n)));
        return counts;
    }

    @Override
    public void start(Receiver receiver) {
        this.receiver = receiver;
    }

    @Override
    public Uni<Void> publish(Publication publication) {
        return Uni.createFrom().item(() -> {
            log(publication.type()).append(publication, receiver);
            return null;
        });
    }

    @Override
    public Uni<Void> control(Control control) {
        return Uni.createFrom().item(() -> {
            receiver.onControl(control);
            return null;
        });
    }

    @Override
    public boolean distributed() {
        return false;
    }

    /** One log per type, named by the type. */
    @Override
    public String logOf(String type, String key) {
        return type;
    }

    @Override
    public Position position(String log) {
        return log(log).current;
    }

    @Override
    public Uni<Replay> replay(String log, long epoch, long afterOffset, Set<String> keys) {
        return Uni.createFrom().item(() -> epoch != this.epoch ? Replay.lost(Replay.EPOCH)
                : log(log).replay(afterOffset, keys));
    }

    private Log log(String type) {
        Log l = logs.get(type);
        return l != null ? l : logs.computeIfAbsent(type,
                t -> new Log(t, epoch, countPerType.getOrDefault(t, retentionCount), retentionNanos));
    }

    /**
     * The newest publications of one type, in a ring that grows up to its count. Offsets are
     * consecutive from 0, so the oldest held is {@code next - size}. Publications are appended and
     * handed to the receiver under the log's lock: they reach every client in offset order.
     */
    static final class Log {
        private final String name;
        private final long epoch;
        private final int capacity;
        private final long maxAgeNanos;
        private Publication[] ring = new Publication[0];
        private int head;
        private int size;
        private long next;
        /** The last publication handed to the receiver and returned from. */
        volatile Position current;

        Log(String name, long epoch, int capacity, long maxAgeNanos) {
            this.name = name;
            this.epoch = epoch;
            this.capacity = capacity;
            this.maxAgeNanos = maxAgeNanos;
            this.current = new Position(name, epoch, -1);
        }

        synchronized void append(Publication publication, Receiver receiver) {
            Position at = new Position(name, epoch, next++);
            Publication p = publication.at(at);
            keep(p);
            try {
                receiver.onPublication(p);
            } finally {
                if (at.offset() > current.offset()) {
                    current = at;
                }
            }
        }

        private void keep(Publication p) {
            trim(System.nanoTime());
            if (capacity == 0) {
                return;
            }
            if (size == capacity) {
                ring[head] = null;
                head = (head + 1) % ring.length;
                size--;
            } else if (size == ring.length) {
                Publication[] bigger = new Publication[Math.min(capacity, Math.max(16, ring.length * 2))];
                for (int i = 0; i < size; i++) {
                    bigger[i] = ring[(head + i) % ring.length];
                }
                ring = bigger;
                head = 0;
            }
            ring[(head + size) % ring.length] = p;
            size++;
        }

        /** Drops what is older than the time retention. */
        private void trim(long now) {
            while (size > 0 && now - ring[head].accepted > maxAgeNanos) {
                ring[head] = null;
                head = (head + 1) % ring.length;
                size--;
            }
        }

        synchronized Replay replay(long afterOffset, Set<String> keys) {
            trim(System.nanoTime());
            long first = next - size;
            if (afterOffset + 1 < first) {
                return Replay.lost(Replay.RETENTION);
            }
            List<Publication> found = new ArrayList<>();
            for (long offset = Math.max(afterOffset + 1, first); offset < next; offset++) {
                Publication p = ring[(int) ((head + (offset - first)) % ring.length)];
                if (keys.contains(p.key())) {
                    found.add(p);
                }
            }
            return Replay.of(found, next - 1);
        }

        @Override
        public String toString() {
            return "log " + name + " (" + size + " of " + capacity + " held, next " + next + ")";
        }
    }
}
