package org.jcalico.felix.dataplane.iptables;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Set;
import org.jcalico.kernel.NfTablesCommits.Touched;
import org.junit.jupiter.api.Test;

/** Which foreign commits may have changed what the iptables driver repairs (docs/dataplane.md, "Session 66 (t-narrow)"). */
class SharedTableCommitsTest {
    /** What jcalico hooks without a masquerading pool. */
    private static final Set<String> HOOKED = Set.of("ip filter", "ip security", "ip6 filter", "ip6 security");

    @Test
    void rulesOfAnotherProgramsChainsAndOtherTablesChangeNothingOfJcalicos() {
        // docker's DNAT and accept at a container's start; a firewall's own table, whole
        assertFalse(SharedTableCommits.mayHaveChanged(Set.of(new Touched("ip nat", "DOCKER"), new Touched("ip filter", "DOCKER"),
                new Touched("ip6 filter", "DOCKER-USER"), new Touched("inet firewalld", null), new Touched("ip other", "forward")),
                HOOKED));
        assertFalse(SharedTableCommits.mayHaveChanged(Set.of(), HOOKED));
    }

    @Test
    void natsBuiltInChainsCountOnlyWhileJcalicoHooksThatFamilysNat() {
        // docker's masquerade at a container's start
        Set<Touched> masquerade = Set.of(new Touched("ip nat", "POSTROUTING"));
        assertFalse(SharedTableCommits.mayHaveChanged(masquerade, HOOKED));
        assertFalse(SharedTableCommits.mayHaveChanged(masquerade, Set.of("ip filter", "ip6 nat")));
        assertTrue(SharedTableCommits.mayHaveChanged(masquerade, Set.of("ip filter", "ip nat")));
        assertTrue(SharedTableCommits.mayHaveChanged(Set.of(new Touched("ip nat", "jc-POSTROUTING")), HOOKED));
    }

    @Test
    void builtInAndJcalicosChainsTheSecurityTableAndWholeObjectsCount() {
        for (Touched touched : Set.of(new Touched("ip filter", "FORWARD"), new Touched("ip6 filter", "INPUT"),
                new Touched("ip6 filter", "OUTPUT"), new Touched("ip raw", "PREROUTING"), new Touched("ip mangle", "OUTPUT"),
                new Touched("ip filter", "jc-FORWARD"), new Touched("ip6 filter", "jc-fw-jcw1"),
                new Touched("ip security", "THEIRS"), new Touched("ip filter", null), new Touched("ip6 nat", null))) {
            assertTrue(SharedTableCommits.mayHaveChanged(Set.of(new Touched("ip filter", "DOCKER"), touched), HOOKED),
                    String.valueOf(touched));
        }
        assertTrue(SharedTableCommits.mayHaveChanged(null, HOOKED), "what was not told");
    }
}
