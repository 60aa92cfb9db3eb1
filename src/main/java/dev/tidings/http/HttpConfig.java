package dev.tidings.http;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import java.time.Duration;

/** Settings of the HTTP edge. */
@ConfigMapping(prefix = "tidings.http")
public interface HttpConfig {

    /** How often an idle stream gets a comment line, so that proxies and browsers keep it open. */
    @WithDefault("15s")
    Duration heartbeat();

    /** The reconnect delay the stream suggests to {@code EventSource} ({@code retry:}). */
    @WithDefault("2s")
    Duration retry();

    /**
     * On SIGTERM, the window over which open streams are ended (spread evenly, so that their
     * clients do not all reconnect elsewhere at once); readiness is DOWN and new streams get 503
     * meanwhile. {@code quarkus.shutdown.delay} follows it.
     */
    @WithDefault("20s")
    Duration drain();

    /**
     * How long a request's body may take to arrive once its headers are in; a slower sender gets
     * a 408 and its connection is closed. (Headers trickled byte by byte are not timed: Vert.x
     * has no such setting.)
     */
    @WithDefault("30s")
    Duration requestTimeout();
}
