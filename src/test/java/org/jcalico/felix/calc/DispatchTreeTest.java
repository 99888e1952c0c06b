package org.jcalico.felix.calc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import org.jcalico.felix.program.Criterion;
import org.jcalico.felix.program.Match;
import org.jcalico.felix.program.ProgramChain;
import org.jcalico.felix.program.ProgramRule;
import org.jcalico.felix.program.Side;
import org.jcalico.felix.program.Verdict;
import org.jcalico.util.PersistentSortedMap;
import org.junit.jupiter.api.Test;

/**
 * A dispatch tree kept between changes makes the same chains as one made from nothing, through every depth: from a
 * few interfaces to a thousand (two levels, where an interface added to an existing leaf remakes that leaf alone) and
 * back, with leaves coming and going and interfaces without the prefix matched at the top.
 */
class DispatchTreeTest {
    @Test
    void aKeptTreeMakesTheChainsOfATreeFromNothing() {
        Random random = new Random(27);
        DispatchTree kept = tree();
        PersistentSortedMap<String, ProgramChain> keptChains = PersistentSortedMap.empty();
        List<String> interfaces = new ArrayList<>();
        for (int step = 0; step < 1_500; step++) {
            boolean grow = step < 1_000 ? random.nextInt(10) < 8 : random.nextInt(10) < 2;
            if (grow || interfaces.isEmpty()) {
                String name = random.nextInt(40) == 0 ? "eth" + step : "jc" + Integer.toHexString(random.nextInt(1 << 24));
                if (interfaces.contains(name)) {
                    continue;
                }
                interfaces.add(name);
                kept.add(name, rules(name));
            } else {
                String gone = interfaces.remove(random.nextInt(interfaces.size()));
                kept.remove(gone);
            }
            keptChains = kept.update(keptChains);
            DispatchTree fresh = tree();
            interfaces.forEach(name -> fresh.add(name, rules(name)));
            Map<String, ProgramChain> freshChains = fresh.update(PersistentSortedMap.empty());
            assertEquals(new TreeMap<>(freshChains), new TreeMap<>(keptChains), "after step " + step + ", "
                    + interfaces.size() + " interfaces");
        }
    }

    /**
     * Issue #14: at two levels, an interface that opens a new leaf makes that leaf and its parent's chain of jumps
     * again, not every leaf's jump (the add of `bench felix`'s 40 that opened a leaf took 3.6-7.2 ms of calc's CPU
     * where the others took 1.3: docs/dataplane.md, session 41). Counted as the bytes the update allocates against an
     * interface added to an existing leaf, the least of 30 rounds each, which a loaded machine does not change.
     */
    @Test
    void anInterfaceOpeningALeafMakesItsBranchAgainNotTheTree() {
        com.sun.management.ThreadMXBean threads = (com.sun.management.ThreadMXBean) java.lang.management.ManagementFactory.getThreadMXBean();
        DispatchTree tree = tree();
        // four interfaces in every leaf but "77"
        for (int leaf = 0; leaf < 256; leaf++) {
            for (int i = 0; leaf != 0x77 && i < 4; i++) {
                String name = String.format("jc%02x%04x", leaf, i);
                tree.add(name, rules(name));
            }
        }
        PersistentSortedMap<String, ProgramChain> chains = tree.update(PersistentSortedMap.empty());
        long intoALeaf = Long.MAX_VALUE;
        long openingALeaf = Long.MAX_VALUE;
        for (int round = 0; round < 30; round++) {
            String joining = String.format("jc10%04x", 0x100 + round);
            long before = threads.getCurrentThreadAllocatedBytes();
            tree.add(joining, rules(joining));
            chains = tree.update(chains);
            intoALeaf = Math.min(intoALeaf, threads.getCurrentThreadAllocatedBytes() - before);
            tree.remove(joining);
            chains = tree.update(chains);

            String opening = String.format("jc77%04x", round);
            before = threads.getCurrentThreadAllocatedBytes();
            tree.add(opening, rules(opening));
            chains = tree.update(chains);
            openingALeaf = Math.min(openingALeaf, threads.getCurrentThreadAllocatedBytes() - before);
            tree.remove(opening);
            chains = tree.update(chains);
        }
        System.out.println("an update allocated " + intoALeaf + " bytes for an interface into a leaf, " + openingALeaf
                + " for one opening a leaf");
        assertTrue(openingALeaf < 3 * intoALeaf + 8 * 1024, "opening a leaf allocated " + openingALeaf
                + " bytes against " + intoALeaf + " for an interface into a leaf");
    }

    private static DispatchTree tree() {
        return new DispatchTree(DataplaneNames.FROM_DISPATCH, DataplaneNames::fromDispatch, Side.SOURCE, "jc");
    }

    private static List<ProgramRule> rules(String iface) {
        return List.of(ProgramRule.structural(Match.of(new Criterion.InterfaceIs(Side.SOURCE, iface)),
                new Verdict.Goto(DataplaneNames.fromEndpoint(iface))));
    }
}
