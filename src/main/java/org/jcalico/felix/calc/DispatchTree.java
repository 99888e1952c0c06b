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
 * the outgoing one to them). Few endpoints are matched in the root itself, one rule each: every level of a tree costs
 * each packet a jump and a rule. More than 16 rules make a tree keyed by the first character after the interface prefix, more
 * than 256 by the first and then the second; those characters are hex digits of a hash, so endpoints spread evenly,
 * and a packet passes at most 16 per level plus its leaf instead of N, and adding an endpoint changes one leaf of a few
 * rules (and a level above it when the leaf is new). The depth follows the count, so a table that grows past a bound is
 * rewritten once, in one restore like every change. Whatever no rule matches is dropped, at every level. An endpoint
 * whose interface lacks the prefix (made under an earlier one, or when the agent accepted none) or is too short for the
 * tree is matched by its full name at the top, before the tree.
 */
final class DispatchTree {
    /** Rules a chain holds before a level is worth its jump: the hex digits a level keys on. */
    private static final int FAN_OUT = 16;
    private static final int MAX_DEPTH = 2;
    private final String root;
    private final Function<String, String> chainName;
    private final Side interfaceSide;
    private final String interfacePrefix;
    /** Rules by the MAX_DEPTH characters after the prefix. */
    private final Map<String, List<ProgramRule>> leaves = new TreeMap<>();
    private final List<ProgramRule> direct = new ArrayList<>();
    private int count;

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
        if (interfacePrefix == null || !interfaceName.startsWith(interfacePrefix)
                || interfaceName.length() < interfacePrefix.length() + MAX_DEPTH) {
            direct.addAll(rules);
        } else {
            String key = interfaceName.substring(interfacePrefix.length(), interfacePrefix.length() + MAX_DEPTH);
            leaves.computeIfAbsent(key, k -> new ArrayList<>()).addAll(rules);
            count += rules.size();
        }
    }

    void addTo(Map<String, ProgramChain> chains) {
        int depth = 0;
        for (long capacity = FAN_OUT; count > capacity && depth < MAX_DEPTH; capacity *= FAN_OUT) {
            depth++;
        }
        // from the leaves up: each level's chains, and in their parents the jumps to them
        Map<String, List<ProgramRule>> level = new TreeMap<>();
        for (Map.Entry<String, List<ProgramRule>> leaf : leaves.entrySet()) {
            level.computeIfAbsent(leaf.getKey().substring(0, depth), k -> new ArrayList<>()).addAll(leaf.getValue());
        }
        for (int length = depth; length > 0; length--) {
            Map<String, List<ProgramRule>> parents = new TreeMap<>();
            for (Map.Entry<String, List<ProgramRule>> chain : level.entrySet()) {
                put(chains, chainName.apply(chain.getKey()), chain.getValue());
                parents.computeIfAbsent(chain.getKey().substring(0, length - 1), k -> new ArrayList<>()).add(jump(chain.getKey()));
            }
            level = parents;
        }
        List<ProgramRule> top = new ArrayList<>(direct);
        top.addAll(level.getOrDefault("", List.of()));
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
}
