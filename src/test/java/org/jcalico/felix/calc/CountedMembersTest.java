package org.jcalico.felix.calc;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

class CountedMembersTest {
    /**
     * Random counts up and down over few members, many times the table's growth, against a HashMap: the same members
     * held and the same came / went answers (deleting from a run of probes must not lose the members after the hole).
     */
    @Test
    void countsAgreeWithAMapThroughGrowthAndDeletion() {
        Random random = new Random(7);
        CountedMembers.Counts counts = new CountedMembers.Counts(0);
        Map<String, Integer> expected = new HashMap<>();
        for (int step = 0; step < 200_000; step++) {
            String member = "10.0." + random.nextInt(8) + "." + random.nextInt(step < 100_000 ? 250 : 20) + "/32";
            int delta = expected.containsKey(member) && random.nextInt(3) > 0 ? -1 : 1;
            boolean was = expected.containsKey(member);
            expected.merge(member, delta, (a, b) -> a + b == 0 ? null : a + b);
            int change = was == expected.containsKey(member) ? 0 : was ? -1 : 1;
            assertEquals(change, counts.add(member, delta), "step " + step + ": " + member);
        }
        assertEquals(expected.keySet(), new HashSet<>(counts.members()));
        expected.forEach((member, count) -> assertEquals(-1, counts.add(member, -count)));
        assertEquals(0, counts.members().size());
    }
}
