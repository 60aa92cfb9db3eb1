package dev.tidings.core;

import io.quarkus.arc.lookup.LookupIfProperty;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;

/**
 * The single-replica transport: a publication is delivered in the publisher's own thread, so it
 * reaches the listeners' queues before {@code notify} completes, and order per key is the order of
 * the calls. The default, so that a new user needs no broker.
 */
@ApplicationScoped
@LookupIfProperty(name = "tidings.transport", stringValue = "local", lookupIfMissing = true)
public class LocalTransport implements Transport {

    private volatile Receiver receiver;

    @Override
    public void start(Receiver receiver) {
        this.receiver = receiver;
    }

    @Override
    public Uni<Void> publish(Publication publication) {
        return Uni.createFrom().item(() -> {
            receiver.onPublication(publication);
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
}
