package org.jcalico.felix.calc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import org.jcalico.felix.hoststate.IpSetSpec;
import org.jcalico.felix.hoststate.MemberSet;
import org.jcalico.util.Ipv4Member;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class CountedMembersTest {
    /**
     * Random counts up and down over few members, many times the table's growth, against a HashMap: the same members
     * held and the same came / went answers (deleting from a run of probes must not lose the members after the hole).
     */
    @ParameterizedTest
    @ValueSource(booleans = {false, true})
    void countsAgreeWithAMapThroughGrowthAndDeletion(boolean coded) {
        Random random = new Random(7);
        CountedMembers.Counts counts = new CountedMembers.Counts(0, coded);
        Map<String, Integer> expected = new HashMap<>();
        for (int step = 0; step < 200_000; step++) {
            String member = "10.0." + random.nextInt(8) + "." + random.nextInt(step < 100_000 ? 250 : 20) + "/32";
            int delta = expected.containsKey(member) && random.nextInt(3) > 0 ? -1 : 1;
            boolean was = expected.containsKey(member);
            expected.merge(member, delta, (a, b) -> a + b == 0 ? null : a + b);
            int change = was == expected.containsKey(member) ? 0 : was ? -1 : 1;
            assertEquals(change, add(counts, coded, member, delta), "step " + step + ": " + member);
        }
        assertEquals(expected.keySet(), new HashSet<>(counts.memberSet()));
        expected.forEach((member, count) -> assertEquals(-1, add(counts, coded, member, -count)));
        assertEquals(0, counts.memberSet().size());
    }

    private static int add(CountedMembers.Counts counts, boolean coded, String member, int delta) {
        return coded ? counts.add(Ipv4Member.parse(member), delta) : counts.add(member, delta);
    }

    /** An IPv4 set counted as codes hands out a set of codes, and a change after it names what changed in text. */
    @Test
    void anIpv4SetIsHandedOutAsCodesAndItsChangesAsText() {
        CountedMembers members = new CountedMembers("jc-test", 2, true);
        long first = Ipv4Member.net(0x0a000001, 32);
        long second = Ipv4Member.net(0x0a000002, 32);
        members.count(new long[] {first, second}, 1);
        members.count(new long[] {first}, 1);
        IpSetSpec spec = members.spec(IpSetSpec.Type.NET, 4);
        assertEquals(Set.of("10.0.0.1/32", "10.0.0.2/32"), spec.members());
        assertNotNull(((MemberSet) spec.members()).codes());
        assertSame(spec, members.spec(IpSetSpec.Type.NET, 4), "nothing changed: the same spec");

        members.count(new long[] {first}, -1);
        assertSame(spec, members.spec(IpSetSpec.Type.NET, 4), "10.0.0.1 is still counted once");
        members.count(new long[] {first, Ipv4Member.net(0x0a000003, 32)}, -1);
        members.count(new long[] {Ipv4Member.net(0x0a000003, 32)}, 1);
        MemberSet changed = (MemberSet) members.spec(IpSetSpec.Type.NET, 4).members();
        assertEquals(Set.of("10.0.0.2/32"), changed);
        assertTrue(changed.madeFrom(spec.members()));
        assertEquals(Set.of("10.0.0.1/32"), changed.removed());
        assertEquals(Set.of(), changed.added(), "a member come and gone is no change");
    }
}
