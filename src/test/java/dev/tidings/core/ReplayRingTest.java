package dev.tidings.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class ReplayRingTest {

    private static byte[] frame(long id) {
        return ("f" + id).getBytes();
    }

    private static List<String> replayed(ReplayRing ring, long lastSeen) {
        List<String> out = new ArrayList<>();
        ring.replayAfter(lastSeen, (id, f) -> out.add(id + "=" + new String(f)));
        return out;
    }

    @Test
    void keepsTheNewestFramesOnceItHasWrappedAround() {
        ReplayRing ring = new ReplayRing(3);
        for (long id = 1; id <= 7; id++) {
            ring.add(id, frame(id));
        }
        assertEquals(List.of("5=f5", "6=f6", "7=f7"), replayed(ring, 4));
        assertEquals(List.of("6=f6", "7=f7"), replayed(ring, 5));
        assertEquals(List.of(), replayed(ring, 7));
    }

    @Test
    void saysWhetherAGapCanBeFilled() {
        ReplayRing ring = new ReplayRing(3);
        for (long id = 1; id <= 7; id++) {
            ring.add(id, frame(id));
        }
        assertTrue(ring.covers(4), "5, 6 and 7 are held");
        assertTrue(ring.covers(7), "nothing is missing");
        assertFalse(ring.covers(3), "4 was overwritten");
        assertEquals(List.of("5=f5", "6=f6", "7=f7"), replayed(ring, 1), "what is held is still replayed");
    }

    @Test
    void beforeWrappingHoldsEverythingFromTheFirstId() {
        ReplayRing ring = new ReplayRing(8);
        ring.add(1, frame(1));
        ring.add(2, frame(2));
        assertTrue(ring.covers(0));
        assertEquals(List.of("1=f1", "2=f2"), replayed(ring, 0));
    }

    @Test
    void needsRoomForOneFrame() {
        assertThrows(IllegalArgumentException.class, () -> new ReplayRing(0));
    }
}
