package dev.tidings.core;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.smallrye.config.SmallRyeConfig;
import io.smallrye.config.SmallRyeConfigBuilder;
import io.quarkus.runtime.configuration.DurationConverter;
import io.vertx.core.Vertx;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/** A {@link Tidings} built without Quarkus, CDI or HTTP, on a given transport, for the core's unit tests. */
final class Hub {

    /** One Vert.x for every test: the core only sets timers on it. */
    private static final Vertx VERTX = Vertx.vertx();

    private Hub() {
    }

    /** The core's configuration with its defaults, changed by {@code key, value} pairs (without the {@code tidings.} prefix). */
    static TidingsConfig config(String... keyValues) {
        Map<String, String> values = new HashMap<>();
        for (int i = 0; i < keyValues.length; i += 2) {
            values.put("tidings." + keyValues[i], keyValues[i + 1]);
        }
        SmallRyeConfig config = new SmallRyeConfigBuilder().withMapping(TidingsConfig.class)
                .withConverter(Duration.class, 100, new DurationConverter()) // "30s", as Quarkus reads it
                .withDefaultValues(values).build();
        return config.getConfigMapping(TidingsConfig.class);
    }

    static Tidings start(TidingsConfig config, Transport transport, NotificationType<?, ?, ?, ?>... types) {
        Tidings tidings = new Tidings(new ObjectMapper(), VERTX, config, () -> List.of(types), () -> List.of(transport));
        tidings.start();
        return tidings;
    }

    /** Opens a client process of {@code identity} with a recording stream. */
    static Client client(Tidings tidings, String identity) {
        RecordingConnection stream = new RecordingConnection();
        String id = tidings.open(Caller.named(identity));
        tidings.attach(id, stream, false, null);
        return new Client(id, stream);
    }

    record Client(String id, RecordingConnection stream) {}
}
