package dev.tidings.identity;

import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Singleton;
import org.eclipse.microprofile.config.Config;
import org.jboss.logging.Logger;

/**
 * Refuses to start in JWT mode (the production default) when no verification key is configured,
 * so that a misconfigured deployment fails loudly instead of answering every request with 401; and
 * warns that demo mode trusts whatever identity a request claims.
 */
@Singleton
class IdentityModeCheck {

    private static final Logger LOG = Logger.getLogger(IdentityModeCheck.class);
    static final String NO_KEY = "Tidings refuses to start: tidings.identity.mode=jwt needs a verification key "
            + "(mp.jwt.verify.publickey.location or mp.jwt.verify.publickey); set tidings.identity.mode=demo explicitly to run without one";

    void check(@Observes StartupEvent event, IdentityConfig identity, Config config) {
        if (identity.mode() == IdentityConfig.Mode.DEMO) {
            LOG.warn("Tidings runs in DEMO identity mode: any request may claim any identity and notify. Never use it in production.");
            return;
        }
        boolean hasKey = config.getOptionalValue("mp.jwt.verify.publickey.location", String.class).isPresent()
                || config.getOptionalValue("mp.jwt.verify.publickey", String.class).isPresent()
                || config.getOptionalValue("smallrye.jwt.verify.key.location", String.class).isPresent();
        if (!hasKey) {
            LOG.error(NO_KEY);
            throw new IllegalStateException(NO_KEY);
        }
    }
}
