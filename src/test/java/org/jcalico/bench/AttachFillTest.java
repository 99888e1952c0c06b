package org.jcalico.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import org.jcalico.model.Direction;
import org.jcalico.model.Rule;
import org.junit.jupiter.api.Test;

/** `bench attach --fill`: what the adds' profile lets in, and how the bench reads h1's sets. */
class AttachFillTest {
    @Test
    void theAddsProfileLetsInItsOwnMembersAndEachOfTheFillsGroups() {
        List<Rule> inbound = AttachFill.profile("bench").rules(Direction.INBOUND);
        assertEquals(1 + AttachFill.PROFILES, inbound.size());
        assertEquals("bench", inbound.getFirst().source().tag());
        for (int i = 0; i < AttachFill.PROFILES; i++) {
            assertEquals(ClusterGenerator.profileName(i), inbound.get(1 + i).source().tag());
        }
    }

    @Test
    void h1sSetMembersAreReadFromItsMetricsPage() {
        String page = "# HELP jcalico_ipset_members Members\n# TYPE jcalico_ipset_members gauge\n"
                + "jcalico_ipset_members 100012.0\njcalico_ipsets 12.0\n";
        assertEquals(100_012, AttachFill.members(page));
        assertEquals(0, AttachFill.members("jcalico_ipsets 3.0\n"));
    }

    @Test
    void theFillsNodesHoldAHundredEndpointsEachAndThereIsOneEvenForNone() {
        assertEquals(1000, AttachFill.nodes(100_000));
        assertEquals(2, AttachFill.nodes(101));
        assertEquals(1, AttachFill.nodes(0));
    }
}
