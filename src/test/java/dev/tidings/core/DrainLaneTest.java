package dev.tidings.core;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.channel.EventLoop;
import io.netty.channel.nio.NioEventLoopGroup;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The drain lane on a real Netty event loop, as connections' event loops run it. */
class DrainLaneTest {

    private final NioEventLoopGroup group = new NioEventLoopGroup(1);
    private final EventLoop loop = group.next();

    @AfterEach
    void stop() {
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS);
    }

    /** Records the order of drains; the first one asks the loop for other work, as a socket read would be. */
    private static final class Recorded implements DrainLane.Client {
        private final AtomicInteger queued = new AtomicInteger();
        private final int id;
        private final List<Integer> drains;
        private final Runnable onDrain;

        Recorded(int id, List<Integer> drains, Runnable onDrain) {
            this.id = id;
            this.drains = drains;
            this.onDrain = onDrain;
        }

        @Override
        public boolean markDrainQueued() {
            return queued.compareAndSet(0, 1);
        }

        @Override
        public void clearDrainQueued() {
            queued.set(0);
        }

        @Override
        public void drain() {
            drains.add(id); // on the loop only
            onDrain.run();
        }
    }

    @Test
    void aLongQueueGivesTheEventLoopBackBetweenBatches() {
        DrainLane lane = new DrainLane(loop);
        List<Integer> drains = new ArrayList<>();
        AtomicLong otherWorkAt = new AtomicLong(-1);
        int clients = 3 * DrainLane.BATCH;
        List<Recorded> all = new ArrayList<>();
        for (int i = 0; i < clients; i++) {
            Runnable onDrain = i == 0
                    // work the loop takes up on its next turn, as it does the sockets it reads
                    ? () -> loop.schedule(() -> otherWorkAt.set(drains.size()), 0, TimeUnit.NANOSECONDS)
                    : () -> { };
            all.add(new Recorded(i, drains, onDrain));
        }
        loop.execute(() -> all.forEach(lane::submit)); // queued all at once, as a burst of notifies would

        await().atMost(Duration.ofSeconds(10)).until(() -> loop.submit(drains::size).get() == clients);

        List<Integer> inOrder = new ArrayList<>();
        for (int i = 0; i < clients; i++) {
            inOrder.add(i);
        }
        assertEquals(inOrder, loop.submit(() -> new ArrayList<>(drains)).syncUninterruptibly().getNow(),
                "every client drained once, in the order queued");
        long at = otherWorkAt.get();
        assertTrue(at >= 1 && at <= DrainLane.BATCH,
                "the loop's other work ran after the first batch, not after all " + clients + " drains: ran after " + at);
    }

    @Test
    void aClientQueuedWhileTheLaneRunsIsDrainedByIt() {
        DrainLane lane = new DrainLane(loop);
        List<Integer> drains = new ArrayList<>();
        Recorded late = new Recorded(2, drains, () -> { });
        AtomicBoolean once = new AtomicBoolean();
        Recorded first = new Recorded(1, drains, () -> {
            if (!once.compareAndSet(false, true)) {
                return;
            }
            // from another thread, while this lane is running
            Thread t = new Thread(() -> lane.submit(late));
            t.start();
            try {
                t.join();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        lane.submit(first);

        await().atMost(Duration.ofSeconds(10)).until(() -> loop.submit(drains::size).get() == 2);
        assertEquals(List.of(1, 2), loop.submit(() -> new ArrayList<>(drains)).syncUninterruptibly().getNow());
        lane.submit(first); // not left marked as queued
        await().atMost(Duration.ofSeconds(10)).until(() -> loop.submit(drains::size).get() == 3);
        assertEquals(List.of(1, 2, 1), loop.submit(() -> new ArrayList<>(drains)).syncUninterruptibly().getNow());
    }

    @Test
    void aDrainThatThrowsDoesNotStopTheLane() {
        DrainLane lane = new DrainLane(loop);
        List<Integer> drains = new ArrayList<>();
        Recorded failing = new Recorded(1, drains, () -> {
            throw new IllegalStateException("a connection that fails while written to (expected in this test)");
        });
        Recorded behind = new Recorded(2, drains, () -> { });
        Recorded later = new Recorded(3, drains, () -> { });
        loop.execute(() -> {
            lane.submit(failing);
            lane.submit(behind);
        });
        await().atMost(Duration.ofSeconds(10)).until(() -> loop.submit(drains::size).get() == 2);

        lane.submit(later);

        await().atMost(Duration.ofSeconds(10)).until(() -> loop.submit(drains::size).get() == 3);
        assertEquals(List.of(1, 2, 3), loop.submit(() -> new ArrayList<>(drains)).syncUninterruptibly().getNow(),
                "the client behind the failing one, and one queued later, are still drained");
    }

    @Test
    void aLoopShuttingDownStillDrainsWhatIsQueued() {
        DrainLane lane = new DrainLane(loop);
        List<Integer> drains = Collections.synchronizedList(new ArrayList<>());
        int clients = 3 * DrainLane.BATCH;
        List<Recorded> all = new ArrayList<>();
        for (int i = 0; i < clients; i++) {
            // the replica stops while the first batch is written
            Runnable onDrain = i == 0 ? () -> group.shutdownGracefully(0, 5, TimeUnit.SECONDS) : () -> { };
            all.add(new Recorded(i, drains, onDrain));
        }
        loop.execute(() -> all.forEach(lane::submit));

        await().atMost(Duration.ofSeconds(10)).until(() -> drains.size() == clients);
        assertEquals(clients, new HashSet<>(drains).size(), "every client drained once");
    }
}

