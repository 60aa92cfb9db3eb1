package dev.tidings.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.smallrye.mutiny.Uni;
import java.time.Duration;
import java.util.UUID;
import org.junit.jupiter.api.Test;

class KeysTest {

    record Order(long id) {}

    @Test
    void stringKeysAreTheTextItself() {
        assertEquals("room 1", Keys.string().parse("room 1"));
        assertEquals("room 1", Keys.string().format("room 1"));
    }

    @Test
    void keysOfAParserRoundTripThroughToString() {
        Keys<Long> longs = Keys.of(Long::valueOf);
        assertEquals(42L, longs.parse("42"));
        assertEquals("42", longs.format(42L));
        assertThrows(NumberFormatException.class, () -> longs.parse("forty-two"));
    }

    @Test
    void keysWithTheirOwnFormat() {
        Keys<UUID> ids = Keys.of(UUID::fromString, u -> u.toString().toUpperCase());
        UUID u = UUID.randomUUID();
        assertEquals(u.toString().toUpperCase(), ids.format(u));
        assertEquals(u, ids.parse(ids.format(u)));
    }

    @Test
    void aParserThatGivesNothingIsAnError() {
        assertThrows(NullPointerException.class, () -> Keys.of(text -> null).parse("x"));
    }

    static final class OrderType extends NotificationType<String, Long, Order, Order> {
        OrderType() {
            super("order", Order.class, Keys.of(Long::valueOf));
        }

        @Override
        public Uni<Order> prepare(String identity, Order notification) {
            return deliver(notification);
        }
    }

    static final class WronglyShortType extends NotificationType<String, Long, Order, Order> {
        WronglyShortType() {
            super("wrong", Order.class); // string keys, but K is Long
        }

        @Override
        public Uni<Order> prepare(String identity, Order notification) {
            return deliver(notification);
        }
    }

    @Test
    void aTypeWithNumericKeysReadsThemWithItsCodecAndIdentifiesByTheCallersName() {
        OrderType type = new OrderType();
        assertEquals(7L, type.keys().parse("7"));
        assertEquals("alice", type.identify(Caller.named("alice")).await().atMost(Duration.ofSeconds(1)));
    }

    @Test
    void theShortConstructorRefusesKeysThatAreNotStrings() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, WronglyShortType::new);
        assertTrue(e.getMessage().contains("Keys<Long>"), e.getMessage());
    }

    @Test
    void deliverAndBlockReadLikeSomeAndNone() {
        assertEquals("x", NotificationType.deliver("x").await().atMost(Duration.ofSeconds(1)));
        assertEquals(null, NotificationType.block().await().atMost(Duration.ofSeconds(1)));
        assertThrows(NullPointerException.class, () -> NotificationType.deliver(null));
    }
}
