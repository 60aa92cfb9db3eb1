package dev.tidings.core;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.smallrye.mutiny.TimeoutException;
import io.smallrye.mutiny.Uni;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;
import org.jboss.logging.Logger;

/**
 * Fan-out of one notification to the client processes listening on its key: one {@link Slot}
 * per listening identity, queued at each of its client processes in notify order (under the
 * key's registry lock), then {@code prepare} once per identity, and the slot filled with a frame
 * serialised once per distinct client notification. A simple type's payload becomes one frame for
 * everyone.
 */
final class Dispatcher {

    private static final Logger LOG = Logger.getLogger(Dispatcher.class);

    private final ObjectMapper mapper;
    private final Duration prepareTimeout;
    private final Supplier<Timings> timings;
    private final LogLimiter prepareLog = new LogLimiter(LOG, 10_000);

    Dispatcher(ObjectMapper mapper, Duration prepareTimeout, Supplier<Timings> timings) {
        this.mapper = mapper;
        this.prepareTimeout = prepareTimeout;
        this.timings = timings;
    }

    /** Delivers a checked notification to every listener of its key here, except those {@code notfor} names. */
    <I, K, S, C> void dispatch(RegisteredType<I, K, S, C> type, Publication.Checked<I, K, S> n, Publication p) {
        byte[] payload = p.payload();
        NotFor notFor = p.notFor();
        String skipClient = notFor instanceof NotFor.Client c ? c.id() : null;
        I skipIdentity = n.skipIdentity();
        byte[] prefix = framePrefix(type.name(), type.keyText(n.key()));
        if (type.type.passesThrough()) {
            Slot slot = new Slot(type.meters, p.accepted, p.position());
            queue(type.registry, n.key(), skipIdentity, skipClient, identity -> slot);
            if (slot.hasTargets()) {
                slot.complete(frame(prefix, singleLine(payload)));
            }
            return;
        }
        List<Map.Entry<I, Slot>> work = new ArrayList<>();
        queue(type.registry, n.key(), skipIdentity, skipClient, identity -> {
            Slot slot = new Slot(type.meters, p.accepted, p.position());
            @SuppressWarnings("unchecked")
            I id = (I) identity;
            work.add(Map.entry(id, slot));
            return slot;
        });
        Map<Object, byte[]> serialised = new ConcurrentHashMap<>();
        for (Map.Entry<I, Slot> job : work) {
            prepare(type, job.getKey(), n.notification(), job.getValue(), prefix, serialised);
        }
    }

    private interface SlotMaker {
        Slot slotFor(Object identity);
    }

    /** Queues a slot at every listening client process, except those {@code notfor} names, under the key's lock. */
    private static void queue(ListenerRegistry registry, Object key, Object skipIdentity, String skipClient, SlotMaker slots) {
        registry.forEachIdentity(key, (identity, clients) -> {
            if (identity.equals(skipIdentity)) {
                return;
            }
            Slot slot = null;
            for (ClientProcess c : clients) {
                if (skipClient != null && c.isOrWas(skipClient)) {
                    continue;
                }
                if (slot == null) {
                    slot = slots.slotFor(identity);
                }
                slot.target(c);
                c.enqueue(slot);
            }
        });
    }

    /**
     * A notification replayed from the log for one client process, listening as {@code identity}:
     * its slot, not queued, with prepare under way; null when {@code notfor} names the client (its
     * id, or the one its cursor came from) or the identity.
     */
    <I, K, S, C> Slot replay(RegisteredType<I, K, S, C> type, Publication.Checked<I, K, S> n, Publication p,
            ClientProcess client, I identity) {
        if (p.notFor() instanceof NotFor.Client skip && client.isOrWas(skip.id()) || identity.equals(n.skipIdentity())) {
            return null;
        }
        // timed from now: the latency histogram is of live deliveries, not of what a client missed
        Slot slot = new Slot(type.meters, System.nanoTime(), p.position(), true);
        slot.target(client);
        byte[] prefix = framePrefix(type.name(), type.keyText(n.key()));
        if (type.type.passesThrough()) {
            slot.complete(frame(prefix, singleLine(p.payload())));
        } else {
            prepare(type, identity, n.notification(), slot, prefix, new ConcurrentHashMap<>(2));
        }
        return slot;
    }

    private <I, S, C> void prepare(RegisteredType<I, ?, S, C> type, I identity, S notification, Slot slot,
            byte[] prefix, Map<Object, byte[]> serialised) {
        long start = System.nanoTime();
        Uni<C> prepared;
        try {
            prepared = type.type.prepare(identity, notification);
            if (prepared == null) {
                throw new IllegalStateException("prepare returned no Uni (use block() to block)");
            }
        } catch (RuntimeException e) {
            prepareFailed(type, identity, e, slot);
            return;
        }
        prepared.ifNoItem().after(prepareTimeout).fail()
                .subscribe().with(client -> {
                    timings.get().prepared(type.name(), System.nanoTime() - start);
                    if (client == null) {
                        type.meters.blocked.increment();
                        slot.complete(null);
                        return;
                    }
                    byte[] frame;
                    try {
                        frame = serialised.computeIfAbsent(client, c -> frame(prefix, json(c)));
                    } catch (RuntimeException e) {
                        prepareFailed(type, identity, e, slot);
                        return;
                    }
                    slot.complete(frame);
                }, failure -> {
                    timings.get().prepared(type.name(), System.nanoTime() - start);
                    prepareFailed(type, identity, failure, slot);
                });
    }

    private <I> void prepareFailed(RegisteredType<I, ?, ?, ?> type, I identity, Throwable failure, Slot slot) {
        if (failure instanceof TimeoutException) {
            type.meters.prepareTimeouts.increment();
            prepareLog.warn("prepare of type %s for %s took longer than %s; not delivered to it",
                    type.name(), type.identityText(identity), prepareTimeout);
        } else {
            type.meters.prepareFailures.increment();
            prepareLog.warn("prepare of type %s for %s failed; not delivered to it: %s",
                    type.name(), type.identityText(identity), failure);
        }
        slot.complete(null);
    }

    private byte[] json(Object value) {
        try {
            return mapper.writeValueAsBytes(value);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("client notification cannot be written as JSON", e);
        }
    }

    private byte[] framePrefix(String type, String key) {
        try {
            return ("{\"type\":" + mapper.writeValueAsString(type) + ",\"key\":" + mapper.writeValueAsString(key)
                    + ",\"data\":").getBytes(StandardCharsets.UTF_8);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    private static byte[] frame(byte[] prefix, byte[] data) {
        byte[] frame = new byte[prefix.length + data.length + 1];
        System.arraycopy(prefix, 0, frame, 0, prefix.length);
        System.arraycopy(data, 0, frame, prefix.length, data.length);
        frame[frame.length - 1] = '}';
        return frame;
    }

    /**
     * JSON from outside may be pretty-printed; an SSE {@code data:} line must not break. Raw line
     * breaks can only be whitespace between tokens in valid JSON, so a space does instead.
     */
    static byte[] singleLine(byte[] json) {
        byte[] copy = null;
        for (int i = 0; i < json.length; i++) {
            if (json[i] == '\n' || json[i] == '\r') {
                if (copy == null) {
                    copy = json.clone();
                }
                copy[i] = ' ';
            }
        }
        return copy == null ? json : copy;
    }
}
