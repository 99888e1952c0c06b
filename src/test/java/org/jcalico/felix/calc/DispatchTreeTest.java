package org.jcalico.felix.calc;

import static org.junit.jupiter.api.Assertions.assertEquals;

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

    private static DispatchTree tree() {
        return new DispatchTree(DataplaneNames.FROM_DISPATCH, DataplaneNames::fromDispatch, Side.SOURCE, "jc");
    }

    private static List<ProgramRule> rules(String iface) {
        return List.of(ProgramRule.structural(Match.of(new Criterion.InterfaceIs(Side.SOURCE, iface)),
                new Verdict.Goto(DataplaneNames.fromEndpoint(iface))));
    }
}
