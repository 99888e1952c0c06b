package org.jcalico.felix.hoststate;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class MemberSetTest {
    private static List<String> hosts(int from, int count) {
        List<String> hosts = new ArrayList<>();
        for (int i = from; i < from + count; i++) {
            hosts.add("10." + i / 65536 + "." + i / 256 % 256 + "." + i % 256 + "/32");
        }
        return hosts;
    }

    @Test
    void aLargeSetHoldsExactlyItsMembersAndAChangedCopySaysWhatChanged() {
        List<String> members = hosts(0, 20_000);
        MemberSet set = MemberSet.of(members);
        assertEquals(20_000, set.size());
        assertEquals(new HashSet<>(members), new HashSet<>(set));
        assertTrue(set.containsAll(members));
        assertFalse(set.contains(hosts(20_000, 1).getFirst()));

        MemberSet changed = set.with(Set.copyOf(hosts(20_000, 3)), Set.copyOf(hosts(0, 2)));
        assertEquals(20_001, changed.size());
        assertTrue(changed.containsAll(hosts(20_000, 3)));
        assertFalse(changed.contains(hosts(0, 1).getFirst()));
        assertTrue(changed.madeFrom(set));
        assertEquals(Set.copyOf(hosts(0, 2)), changed.removed());
        assertEquals(20_000, set.size(), "the set it was made from is unchanged");
    }

    @Test
    void aMemberGivenTwiceIsRefused() {
        List<String> twice = new ArrayList<>(hosts(0, 600));
        twice.add(twice.getFirst());
        assertThrows(IllegalArgumentException.class, () -> MemberSet.of(twice));
        assertThrows(IllegalArgumentException.class, () -> MemberSet.of(List.of("10.0.0.1/32", "10.0.0.1/32")));
    }

    /** The nftables driver declares a set of single addresses apart from one holding a network, and asks this count. */
    @Test
    void theNetworksAmongTheMembersAreCountedAsTheSetChanges() {
        MemberSet hosts = MemberSet.of(hosts(0, 1_000));
        assertEquals(0, hosts.networks());
        MemberSet wider = hosts.with(Set.of("10.200.0.0/16", "fd00::/32"), Set.of());
        assertEquals(2, wider.networks(), "an IPv4 /16 and an IPv6 /32");
        MemberSet v6 = wider.with(Set.of("fd00::5/128"), Set.of("10.200.0.0/16", hosts(0, 1).getFirst()));
        assertEquals(1, v6.networks(), "an IPv6 /128 is one address");
        assertEquals(0, v6.with(Set.of(), Set.of("fd00::/32")).networks());
        assertEquals(1, MemberSet.of(List.of("10.0.0.1/32", "10.0.0.0/31")).networks());
    }
}
