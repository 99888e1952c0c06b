package org.jcalico.felix.dataplane.nftables;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import org.jcalico.felix.hoststate.IpSetSpec;
import org.jcalico.felix.hoststate.MemberSet;
import org.junit.jupiter.api.Test;

class SetKindTest {
    /**
     * A set calc changes member by member is an interval set exactly while it holds a network, whether its kind is
     * read from the count kept as it changes or from a walk of its members.
     */
    @Test
    void aChangedSetsKindIsTheKindOfItsMembers() {
        Random random = new Random(46);
        for (int version : List.of(4, 6)) {
            List<String> pool = new ArrayList<>();
            for (int i = 0; i < 40; i++) {
                String address = version == 4 ? "10.1." + i + ".0" : "fd00:" + i + "::";
                pool.add(address + (version == 4 ? "/32" : "/128"));
                pool.add(address + (version == 4 ? "/24" : "/64"));
            }
            MemberSet members = MemberSet.of(List.of());
            for (int step = 0; step < 400; step++) {
                String member = pool.get(random.nextInt(pool.size()));
                members = members.contains(member) ? members.with(Set.of(), Set.of(member)) : members.with(Set.of(member), Set.of());
                Set<String> plain = new HashSet<>(members);
                assertEquals(SetKind.of(spec(version, plain)), SetKind.of(spec(version, members)), "after " + step + " steps");
                assertEquals(plain.stream().allMatch(m -> m.endsWith(version == 4 ? "/32" : "/128")) ? SetKind.ADDRESSES
                        : SetKind.NETWORKS, SetKind.of(spec(version, members)), members.toString());
            }
        }
    }

    private static IpSetSpec spec(int version, Set<String> members) {
        return new IpSetSpec("jc-" + version + "t-test", IpSetSpec.Type.NET, version, members);
    }
}
