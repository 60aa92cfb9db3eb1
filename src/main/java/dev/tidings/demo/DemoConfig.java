package dev.tidings.demo;

import io.quarkus.runtime.StartupEvent;
import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Singleton;
import org.jboss.logging.Logger;

/** Whether the demo's types ({@code chat}) are registered; the demo profile switches them on. */
@ConfigMapping(prefix = "tidings.demo")
public interface DemoConfig {

    @WithDefault("false")
    boolean enabled();

    /** Says at start-up whether the demo types are on, so nobody runs them in production unawares. */
    @Singleton
    class Announce {
        void announce(@Observes StartupEvent event, DemoConfig demo) {
            if (demo.enabled()) {
                Logger.getLogger(DemoConfig.class).info("Demo notification type 'chat' is enabled (tidings.demo.enabled)");
            }
        }
    }
}
