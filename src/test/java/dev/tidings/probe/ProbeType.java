package dev.tidings.probe;

import dev.tidings.core.Keys;
import dev.tidings.core.NotificationType;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A full notification type for tests, whose {@code prepare} counts its calls and does what each
 * notice tells it: personalise, block, fail, never answer, or answer after a random delay. It
 * refuses listens on the key {@code forbidden}.
 */
@ApplicationScoped
public class ProbeType extends NotificationType<String, String, ProbeNotice, ProbeView> {

    private final Map<String, AtomicInteger> prepares = new ConcurrentHashMap<>();

    public ProbeType() {
        super("probe", ProbeNotice.class, Keys.of(text -> {
            if (text.contains(" ")) {
                throw new IllegalArgumentException("probe keys have no spaces");
            }
            return text;
        }));
    }

    /** How often prepare ran for this (sequence number, identity). */
    public int prepares(int seq, String identity) {
        AtomicInteger n = prepares.get(seq + "/" + identity);
        return n == null ? 0 : n.get();
    }

    @Override
    public Uni<Boolean> mayListen(String identity, String key) {
        return Uni.createFrom().item(!key.equals("forbidden"));
    }

    @Override
    public Uni<ProbeView> prepare(String identity, ProbeNotice notice) {
        prepares.computeIfAbsent(notice.seq() + "/" + identity, k -> new AtomicInteger()).incrementAndGet();
        if (identity.equals(notice.blockFor())) {
            return block();
        }
        if (identity.equals(notice.failFor())) {
            return Uni.createFrom().failure(new IllegalStateException("prepare failed on purpose"));
        }
        if (identity.equals(notice.nullUniFor())) {
            return null; // a programming mistake Tidings must survive
        }
        if (identity.equals(notice.stallFor())) {
            return Uni.createFrom().emitter(e -> { });
        }
        Uni<ProbeView> view = Uni.createFrom().item(new ProbeView(notice.seq(), identity));
        if (notice.maxDelayMillis() > 0) {
            return view.onItem().delayIt().by(Duration.ofMillis(1 + ThreadLocalRandom.current().nextInt(notice.maxDelayMillis())));
        }
        return view;
    }
}
