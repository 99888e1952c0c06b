package org.jcalico.felix.dataplane.iptables;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import org.jcalico.felix.hoststate.Chain;

/**
 * The rule tags of each chain, remembered between applies: with a thousand endpoints' chains desired, a small change
 * then hashes only the chains that are new or different.
 */
final class ChainHashes {
    private Map<Chain, List<String>> remembered = new HashMap<>();

    /** A lookup for one apply; what it was not asked for is forgotten by the next {@link #lookup()}. */
    Function<Chain, List<String>> lookup() {
        Map<Chain, List<String>> previous = remembered;
        Map<Chain, List<String>> current = new HashMap<>();
        remembered = current;
        return chain -> current.computeIfAbsent(chain, c -> {
            List<String> known = previous.get(c);
            return known != null ? known : RuleHash.of(c);
        });
    }
}
