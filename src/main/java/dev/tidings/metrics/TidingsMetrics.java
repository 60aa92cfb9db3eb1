package dev.tidings.metrics;

import dev.tidings.core.Stats;
import dev.tidings.core.Tidings;
import dev.tidings.core.Timings;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.binder.MeterBinder;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.ToDoubleFunction;

/**
 * Tidings' meters at {@code /q/metrics}, named so that a dashboard can rely on them (Prometheus
 * names: dots become underscores, counters get {@code _total}, timers {@code _seconds}):
 * {@code tidings_clients}, {@code tidings_streams}, {@code tidings_listens{type}},
 * {@code tidings_keys{type}}, {@code tidings_notifications_total{type,source}},
 * {@code tidings_deliveries_total{type}}, {@code tidings_prepare_blocked_total{type}},
 * {@code tidings_prepare_failures_total{type}}, {@code tidings_missed_total{reason}},
 * {@code tidings_records_skipped_total{reason}}, {@code tidings_delivery_latency_seconds} and
 * {@code tidings_prepare_seconds{type}}.
 *
 * <p>Counts are read from the core's own counters when Prometheus scrapes (function counters
 * and gauges over one stats snapshot a second), so counting costs the hot path nothing more;
 * only the two timers are recorded as things happen.
 */
@ApplicationScoped
public class TidingsMetrics implements MeterBinder, Timings {

    private static final long SNAPSHOT_NANOS = TimeUnit.SECONDS.toNanos(1);

    private final Tidings tidings;
    private volatile Stats snapshot;
    private volatile long snapshotAt;
    private Timer latency;
    private volatile Map<String, Timer> prepare = Map.of();

    @Inject
    public TidingsMetrics(Tidings tidings) {
        this.tidings = tidings;
    }

    @Override
    public void bindTo(MeterRegistry registry) {
        gauge(registry, "tidings.clients", "client processes on this replica, with or without a stream", s -> s.clients());
        gauge(registry, "tidings.streams", "client processes with an open stream", s -> s.streams());
        Map<String, Timer> timers = new java.util.HashMap<>();
        for (String type : stats().types().keySet()) {
            typeGauge(registry, "tidings.listens", type, "listens on the type's keys", t -> t.listens());
            typeGauge(registry, "tidings.keys", type, "keys with at least one listener", t -> t.keys());
            for (String source : new String[] {"rest", "java", "transport"}) {
                FunctionCounter.builder("tidings.notifications", this,
                                m -> m.stats().types().get(type).notifications().get(source))
                        .description("notifications this replica took in: published through its HTTP or Java API, "
                                + "or read from the transport")
                        .tags("type", type, "source", source.equals("transport") ? "kafka" : source).register(registry);
            }
            typeCounter(registry, "tidings.deliveries", type, "events written to streams", t -> t.deliveries());
            typeCounter(registry, "tidings.prepare.blocked", type, "identities prepare blocked", t -> t.blocked());
            typeCounter(registry, "tidings.prepare.failures", type, "prepares that failed or timed out",
                    t -> t.prepareFailures());
            timers.put(type, Timer.builder("tidings.prepare").description("how long prepare took, per identity")
                    .tag("type", type).register(registry));
        }
        for (String reason : dev.tidings.core.Missed.REASONS) {
            counter(registry, "tidings.missed", "reason", reason, reason.equals(dev.tidings.core.Missed.OVERFLOW)
                    ? "clients told event: missed because their queue overflowed"
                    : "streams told event: missed because a recovery by cursor could not be honoured",
                    dev.tidings.core.Missed.counterName(reason));
        }
        counter(registry, "tidings.records.skipped", "reason", "no_listener", "records for keys nobody here listens on",
                "noListener");
        counter(registry, "tidings.records.skipped", "reason", "invalid", "records or publications that were not valid",
                "badPublications");
        latency = Timer.builder("tidings.delivery.latency")
                .description("from notify accepted (or the record's timestamp) to the event written to the stream, "
                        + "for one delivery in 16 per client")
                .publishPercentileHistogram().register(registry);
        prepare = Map.copyOf(timers);
        tidings.timeWith(this);
    }

    @Override
    public void delivered(long nanos) {
        latency.record(nanos, TimeUnit.NANOSECONDS);
    }

    @Override
    public void prepared(String type, long nanos) {
        Timer t = prepare.get(type);
        if (t != null) {
            t.record(nanos, TimeUnit.NANOSECONDS);
        }
    }

    /** One snapshot serves every meter of a scrape. */
    private Stats stats() {
        long now = System.nanoTime();
        Stats s = snapshot;
        if (s == null || now - snapshotAt > SNAPSHOT_NANOS) {
            s = tidings.stats();
            snapshot = s;
            snapshotAt = now;
        }
        return s;
    }

    private void gauge(MeterRegistry registry, String name, String description, ToDoubleFunction<Stats> value) {
        Gauge.builder(name, this, m -> value.applyAsDouble(m.stats())).description(description).register(registry);
    }

    private void typeGauge(MeterRegistry registry, String name, String type, String description,
            ToDoubleFunction<Stats.TypeStats> value) {
        Gauge.builder(name, this, m -> value.applyAsDouble(m.stats().types().get(type)))
                .description(description).tag("type", type).register(registry);
    }

    private void typeCounter(MeterRegistry registry, String name, String type, String description,
            ToDoubleFunction<Stats.TypeStats> value) {
        FunctionCounter.builder(name, this, m -> value.applyAsDouble(m.stats().types().get(type)))
                .description(description).tag("type", type).register(registry);
    }

    private void counter(MeterRegistry registry, String name, String tag, String value, String description, String counter) {
        FunctionCounter.builder(name, this, m -> m.stats().counters().get(counter))
                .description(description).tag(tag, value).register(registry);
    }
}
