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
}
