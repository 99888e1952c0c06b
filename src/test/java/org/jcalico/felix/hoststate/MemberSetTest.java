package org.jcalico.felix.hoststate;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.jcalico.util.Ipv4Member;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class MemberSetTest {
    private static List<String> hosts(int from, int count) {
        List<String> hosts = new ArrayList<>();
        for (int i = from; i < from + count; i++) {
            hosts.add("10." + i / 65536 + "." + i / 256 % 256 + "." + i % 256 + "/32");
        }
        return hosts;
    }

    /** MEMBERS as a set of text, or CODED as calc makes an IPv4 set: of codes. */
    private static MemberSet made(List<String> members, boolean coded) {
        return coded ? MemberSet.ofCodes(members.stream().mapToLong(Ipv4Member::parse).toArray()) : MemberSet.of(members);
    }

    @ParameterizedTest
    @ValueSource(booleans = {false, true})
    void aLargeSetHoldsExactlyItsMembersAndAChangedCopySaysWhatChanged(boolean coded) {
        List<String> members = hosts(0, 20_000);
        MemberSet set = made(members, coded);
        assertEquals(coded, set.codes() != null);
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
        assertEquals(coded, changed.codes() != null);
        assertThrows(IllegalArgumentException.class, () -> set.with(Set.copyOf(hosts(0, 1)), Set.of()));
        assertThrows(IllegalArgumentException.class, () -> set.with(Set.of(), Set.copyOf(hosts(20_000, 1))));
    }

    /** A set of codes is equal, as a set, to one of the same members' text, and hashes as it does. */
    @ParameterizedTest
    @ValueSource(ints = {3, 2_000})
    void aSetOfCodesIsEqualToTheSetOfItsMembersText(int size) {
        List<String> members = new ArrayList<>(hosts(0, size));
        members.add("10.200.0.0/16");
        members.add("10.1.2.3,tcp:8080");
        MemberSet codes = made(members, true);
        assertEquals(Set.copyOf(members), codes);
        assertEquals(codes, Set.copyOf(members));
        assertEquals(Set.copyOf(members).hashCode(), codes.hashCode());
        assertEquals(MemberSet.of(members), codes);
        assertEquals(codes, made(new ArrayList<>(members.reversed()), true));
        assertFalse(codes.equals(made(members.subList(1, members.size()), true)));
        assertFalse(codes.contains("10.0.0.0/31"));
        assertFalse(codes.contains("fd00::1/128"));
        assertFalse(codes.contains("010.0.0.0/32"), "not the text of a member");
        assertEquals(1, codes.networks());
    }

    /** A member that is no IPv4 code (what calc never gives an IPv4 set) turns the set into text, not into an error. */
    @Test
    void aSetOfCodesChangedByAMemberThatIsNoneGoesOnAsText() {
        MemberSet codes = made(hosts(0, 600), true);
        MemberSet changed = codes.with(Set.of("fd00::1/128"), Set.copyOf(hosts(0, 1)));
        assertTrue(changed.madeFrom(codes));
        assertEquals(600, changed.size());
        assertTrue(changed.contains("fd00::1/128"));
        assertFalse(changed.contains(hosts(0, 1).getFirst()));
        assertEquals(null, changed.codes());
    }

    @Test
    void aMemberGivenTwiceIsRefused() {
        List<String> twice = new ArrayList<>(hosts(0, 600));
        twice.add(twice.getFirst());
        assertThrows(IllegalArgumentException.class, () -> MemberSet.of(twice));
        assertThrows(IllegalArgumentException.class, () -> made(twice, true));
        assertThrows(IllegalArgumentException.class, () -> made(List.of(twice.getFirst(), twice.getFirst()), true));
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

        MemberSet codes = made(hosts(0, 1_000), true);
        assertEquals(0, codes.networks());
        MemberSet widened = codes.with(Set.of("10.200.0.0/16", "10.201.0.0/16"), Set.of());
        assertEquals(2, widened.networks());
        assertEquals(1, widened.with(Set.of(), Set.of("10.200.0.0/16")).networks());
        assertEquals(0, made(List.of("10.0.0.1,tcp:80"), true).networks(), "an address and port is no network");
    }
}
