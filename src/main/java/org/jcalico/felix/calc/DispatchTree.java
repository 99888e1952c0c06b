package org.jcalico.felix.calc;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Function;
import org.jcalico.felix.program.Criterion;
import org.jcalico.felix.program.Match;
import org.jcalico.felix.program.ProgramChain;
import org.jcalico.felix.program.ProgramRule;
import org.jcalico.felix.program.Side;
import org.jcalico.felix.program.Verdict;

/**
 * The chains that send a packet to its endpoint's chain by interface name, for one direction (the incoming interface from endpoints,
 * the outgoing one to them): a tree keyed by the first and then the second character after the interface prefix, which are hex
 * digits of a hash, so endpoints spread evenly. A packet passes at most 16 + 16 + N/256 rules instead of N, and adding
 * an endpoint changes one leaf of a few rules (and a level above it when the leaf is new). Whatever no rule matches
 * is dropped, at every level. An endpoint whose interface lacks the prefix (made under an earlier one, or when the
 * agent accepted none) is matched by its full name at the top, before the tree.
 */
final class DispatchTree {
    private static final int DEPTH = 2;
    private final String root;
    private final Function<String, String> chainName;
    private final Side interfaceSide;
    private final String interfacePrefix;
    private final Map<String, List<ProgramRule>> leaves = new TreeMap<>();
    private final List<ProgramRule> direct = new ArrayList<>();

    /**
     * @param chainName the chain for the characters after the prefix that it covers, one or two
     * @param interfacePrefix the interface prefix, or null when every endpoint is matched by its full name
     */
    DispatchTree(String root, Function<String, String> chainName, Side interfaceSide, String interfacePrefix) {
        this.root = root;
        this.chainName = chainName;
        this.interfaceSide = interfaceSide;
        this.interfacePrefix = interfacePrefix;
    }

    void add(String interfaceName, List<ProgramRule> rules) {
        if (interfacePrefix == null || !interfaceName.startsWith(interfacePrefix)) {
            direct.addAll(rules);
        } else {
            leaves.computeIfAbsent(key(interfaceName), k -> new ArrayList<>()).addAll(rules);
        }
    }

    void addTo(Map<String, ProgramChain> chains) {
        Map<String, List<ProgramRule>> middles = new TreeMap<>();
        leaves.forEach((key, rules) -> {
            middles.computeIfAbsent(key.substring(0, 1), k -> new ArrayList<>()).add(jump(key));
            put(chains, chainName.apply(key), rules);
        });
        List<ProgramRule> top = new ArrayList<>(direct);
        middles.forEach((key, rules) -> {
            top.add(jump(key));
            put(chains, chainName.apply(key), rules);
        });
        put(chains, root, top);
    }

    private ProgramRule jump(String key) {
        return ProgramRule.structural(Match.of(new Criterion.InterfaceIs(interfaceSide, interfacePrefix + key + "+")),
                new Verdict.Goto(chainName.apply(key)));
    }

    private static void put(Map<String, ProgramChain> chains, String name, List<ProgramRule> rules) {
        List<ProgramRule> withDrop = new ArrayList<>(rules);
        withDrop.add(ProgramRule.structural(Match.ANY, Verdict.DROP));
        chains.put(name, new ProgramChain(name, withDrop));
    }

    /** A name too short for the tree (possible only with a hand-made interface) goes under '_', and is dropped. */
    private String key(String interfaceName) {
        StringBuilder key = new StringBuilder();
        for (int i = 0; i < DEPTH; i++) {
            int at = interfacePrefix.length() + i;
            key.append(at < interfaceName.length() ? interfaceName.charAt(at) : '_');
        }
        return key.toString();
    }
}
