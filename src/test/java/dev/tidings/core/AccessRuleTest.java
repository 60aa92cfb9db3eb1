package dev.tidings.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

class AccessRuleTest {

    private static final Caller CAROL = new Caller("carol", Set.of("staff"), false,
            Map.of("rooms", List.of("lobby", "team-*", "*-public"), "home", "carol-home"));

    private static boolean allows(String rule, String key) {
        return AccessRule.parse(rule, "test").allows(CAROL, "carol", key);
    }

    @Test
    void eachFormOfRule() {
        assertTrue(allows("anyone", "x"));
        assertTrue(allows("owner", "carol"));
        assertFalse(allows("owner", "carolx"));
        assertTrue(allows("group:staff", "x"));
        assertFalse(allows("group:admin", "x"));
        assertTrue(allows("claim:home", "carol-home"), "a string claim is one value");
        assertFalse(allows("claim:missing", "x"), "an absent claim allows nothing");
    }

    @Test
    void claimValuesMayUseStarsForAnyRun() {
        assertTrue(allows("claim:rooms", "lobby"));
        assertTrue(allows("claim:rooms", "team-"));
        assertTrue(allows("claim:rooms", "team-blue"));
        assertTrue(allows("claim:rooms", "town-public"));
        assertFalse(allows("claim:rooms", "lobby2"));
        assertFalse(allows("claim:rooms", "steam-blue"));
        assertTrue(AccessRule.matches("a*b*c", "aXXbYc"));
        assertFalse(AccessRule.matches("a*b*c", "aXXcYb"));
        assertTrue(AccessRule.matches("*", ""));
    }

    @Test
    void anythingElseIsRefusedAtStart() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> AccessRule.parse("everybody", "tidings.types.x.listen"));
        assertTrue(e.getMessage().startsWith("tidings.types.x.listen=everybody"));
        assertThrows(IllegalArgumentException.class, () -> AccessRule.parse("claim:", "k"));
    }

    @Test
    void aForwardedListenIsHeldToTheRuleByTheReplicaThatHoldsTheClient() {
        OwnerRouteTest.ReplicaLink link = new OwnerRouteTest.ReplicaLink();
        Tidings tidings = Hub.start(Hub.config("types.room.listen", "owner"), link, new RoomType());
        Hub.Client c = Hub.client(tidings, "ann");
        link.receiver.onControl(new Control.Listen("room", c.id(), "bob", true, null));
        link.receiver.onControl(new Control.Listen("room", c.id(), "ann", true, null));
        org.awaitility.Awaitility.await().until(() -> c.stream().events.size() == 3);
        assertEquals(List.of("ready", "refused room:bob:false:LISTEN_REFUSED", "listen room:ann:true"), c.stream().events);
    }
}
