package org.jcalico.felix.calc;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.function.Function;
import org.jcalico.felix.program.Criterion;
import org.jcalico.felix.program.Match;
import org.jcalico.felix.program.ProgramChain;
import org.jcalico.felix.program.ProgramRule;
import org.jcalico.felix.program.Side;
import org.jcalico.felix.program.Verdict;
import org.jcalico.util.PersistentSortedMap;

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
 *
 * <p>Kept between calculations and told which endpoints came and went: it makes again only the chains those touch
 * (a leaf and the few small chains above it), and hands out every other chain as the object it made before, so that
 * what renders and applies them finds them unchanged by identity. Within each chain, rules are in interface order.
 */
final class DispatchTree {
    /** Rules a chain holds before a level is worth its jump: the hex digits a level keys on. */
    private static final int FAN_OUT = 16;
    private static final int MAX_DEPTH = 2;
    private final String root;
    private final Function<String, String> chainName;
    private final Side interfaceSide;
    private final String interfacePrefix;
    /** Per MAX_DEPTH characters after the prefix, each interface's rules. */
    private final SortedMap<String, SortedMap<String, List<ProgramRule>>> leaves = new TreeMap<>();
    /** The rules of interfaces matched at the top, by interface. */
    private final SortedMap<String, List<ProgramRule>> direct = new TreeMap<>();
    /** Leaf keys whose rules changed since the chains were last made. */
    private final Set<String> dirty = new HashSet<>();
    /** The chains made last, by name, and the depth they were made for. */
    private Map<String, ProgramChain> made = Map.of();
    private int madeDepth = -1;
    private int count;
    /**
     * Whether an interface came or went since the chains were last made: when none did (a policy changed), the chains
     * are the ones made last, and walking every leaf to find that out was a tenth of a policy change's calc.
     */
    private boolean changed = true;
    /** Leaf keys that came or went since the chains were last made: the chains above them change too. */
    private final Set<String> openedOrClosed = new HashSet<>();
    /** Whether an interface matched at the top came or went since the chains were last made: the root changes. */
    private boolean directChanged = true;

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

    /** An interface's rules; an interface added twice has the rules of both, in the order added. */
    void add(String interfaceName, List<ProgramRule> rules) {
        changed = true;
        String key = key(interfaceName);
        if (key == null) {
            direct.merge(interfaceName, rules, DispatchTree::concat);
            directChanged = true;
        } else {
            SortedMap<String, List<ProgramRule>> leaf = leaves.get(key);
            if (leaf == null) {
                leaf = new TreeMap<>();
                leaves.put(key, leaf);
                openedOrClosed.add(key);
            }
            leaf.merge(interfaceName, rules, DispatchTree::concat);
            count += rules.size();
            dirty.add(key);
        }
    }

    /** Every rule of the interface. */
    void remove(String interfaceName) {
        changed = true;
        String key = key(interfaceName);
        if (key == null) {
            direct.remove(interfaceName);
            directChanged = true;
            return;
        }
        SortedMap<String, List<ProgramRule>> leaf = leaves.get(key);
        List<ProgramRule> rules = leaf == null ? null : leaf.remove(interfaceName);
        if (rules != null) {
            count -= rules.size();
            dirty.add(key);
            if (leaf.isEmpty()) {
                leaves.remove(key);
                openedOrClosed.add(key);
            }
        }
    }

    /** The leaf key of an interface in the tree, or null when it is matched at the top. */
    private String key(String interfaceName) {
        if (interfacePrefix == null || !interfaceName.startsWith(interfacePrefix)
                || interfaceName.length() < interfacePrefix.length() + MAX_DEPTH) {
            return null;
        }
        return interfaceName.substring(interfacePrefix.length(), interfacePrefix.length() + MAX_DEPTH);
    }

    private static List<ProgramRule> concat(List<ProgramRule> first, List<ProgramRule> second) {
        List<ProgramRule> both = new ArrayList<>(first);
        both.addAll(second);
        return both;
    }

    /** CHAINS brought to this tree: its chains put there, the ones it made before and no longer has removed. */
    PersistentSortedMap<String, ProgramChain> update(PersistentSortedMap<String, ProgramChain> chains) {
        int depth = depth();
        if (!changed && depth == madeDepth) {
            return chains;
        }
        changed = false;
        if (depth == MAX_DEPTH && depth == madeDepth && !directChanged) {
            return updateBranches(chains);
        }
        directChanged = false;
        openedOrClosed.clear();
        Set<String> remake = new HashSet<>();
        if (depth != madeDepth) {
            leaves.keySet().forEach(key -> remake.add(key.substring(0, depth)));
        } else {
            dirty.forEach(key -> remake.add(key.substring(0, depth)));
        }
        dirty.clear();
        Map<String, ProgramChain> now = new HashMap<>();
        // from the leaves up: each level's chains (the lowest made again only where an interface came or went), and
        // in their parents the jumps to them
        Set<String> level = new TreeSet<>();
        leaves.keySet().forEach(key -> level.add(key.substring(0, depth)));
        if (depth > 0) {
            for (String key : level) {
                String name = chainName.apply(key);
                now.put(name, remake.contains(key) || !made.containsKey(name) ? chain(name, rulesUnder(key)) : made.get(name));
            }
        }
        Map<String, List<ProgramRule>> jumps = new TreeMap<>();
        for (int length = depth; length > 0; length--) {
            Map<String, List<ProgramRule>> parents = new TreeMap<>();
            for (String key : level) {
                parents.computeIfAbsent(key.substring(0, length - 1), k -> new ArrayList<>()).add(jump(key));
            }
            if (length > 1) {
                parents.forEach((key, rules) -> now.put(chainName.apply(key), kept(chain(chainName.apply(key), rules))));
            }
            jumps = parents;
            level.clear();
            level.addAll(parents.keySet());
        }
        List<ProgramRule> top = new ArrayList<>();
        direct.values().forEach(top::addAll);
        if (depth == 0) {
            leaves.keySet().forEach(key -> top.addAll(rulesUnder(key)));
        } else {
            top.addAll(jumps.getOrDefault("", List.of()));
        }
        now.put(root, kept(chain(root, top)));
        PersistentSortedMap.Editor<String, ProgramChain> edited = chains.editor();
        made.keySet().stream().filter(name -> !now.containsKey(name)).forEach(edited::remove);
        now.forEach((name, chain) -> {
            if (made.get(name) != chain) {
                edited.put(name, chain);
            }
        });
        made = now;
        madeDepth = depth;
        return edited.map();
    }

    /**
     * At two levels as made last, with no interface at the top come or gone: the leaves whose interfaces came or went
     * are made again (each has its own chain at this depth), the chain of jumps above a leaf that came or went, and the
     * root only when such a chain came or went. Walking every leaf key to find the leaves was a seventh of an
     * endpoint's arrival in calc; making every jump again when one leaf came, three times that arrival's calc
     * (docs/dataplane.md, session 41).
     */
    private PersistentSortedMap<String, ProgramChain> updateBranches(PersistentSortedMap<String, ProgramChain> chains) {
        PersistentSortedMap.Editor<String, ProgramChain> edited = chains.editor();
        for (String key : dirty) {
            String name = chainName.apply(key);
            if (leaves.containsKey(key)) {
                put(edited, chain(name, rulesUnder(key)));
            } else {
                drop(edited, name);
            }
        }
        dirty.clear();
        Set<String> parents = new TreeSet<>();
        openedOrClosed.forEach(key -> parents.add(key.substring(0, 1)));
        openedOrClosed.clear();
        boolean rootChanged = false;
        for (String parent : parents) {
            String name = chainName.apply(parent);
            List<ProgramRule> jumps = leaves.subMap(parent, parent + Character.MAX_VALUE).keySet().stream().map(this::jump).toList();
            rootChanged |= jumps.isEmpty() == made.containsKey(name);
            if (jumps.isEmpty()) {
                drop(edited, name);
            } else {
                put(edited, kept(chain(name, jumps)));
            }
        }
        if (rootChanged) {
            List<ProgramRule> top = new ArrayList<>();
            direct.values().forEach(top::addAll);
            leaves.keySet().stream().map(key -> key.substring(0, 1)).distinct().forEach(key -> top.add(jump(key)));
            put(edited, kept(chain(root, top)));
        }
        return edited.map();
    }

    private void put(PersistentSortedMap.Editor<String, ProgramChain> edited, ProgramChain chain) {
        if (made.put(chain.name(), chain) != chain) {
            edited.put(chain.name(), chain);
        }
    }

    private void drop(PersistentSortedMap.Editor<String, ProgramChain> edited, String name) {
        if (made.remove(name) != null) {
            edited.remove(name);
        }
    }

    private int depth() {
        int depth = 0;
        for (long capacity = FAN_OUT; count > capacity && depth < MAX_DEPTH; capacity *= FAN_OUT) {
            depth++;
        }
        return depth;
    }

    /**
     * The chain made last under the same name when it is equal (the levels above the leaves: a few short chains). A
     * first calculation has none: asked first, so that it does not bootstrap the records' generated equals for nothing
     * (docs/dataplane.md, "Session 60 (p-cold)").
     */
    private ProgramChain kept(ProgramChain chain) {
        ProgramChain before = made.get(chain.name());
        return before != null && chain.equals(before) ? before : chain;
    }

    /** The rules of every interface whose leaf key starts with KEY, in interface order. */
    private List<ProgramRule> rulesUnder(String key) {
        List<ProgramRule> rules = new ArrayList<>();
        SortedMap<String, SortedMap<String, List<ProgramRule>>> under = key.length() == MAX_DEPTH
                ? leaves.subMap(key, key + "\0") : leaves.subMap(key, key + Character.MAX_VALUE);
        under.values().forEach(leaf -> leaf.values().forEach(rules::addAll));
        return rules;
    }

    private ProgramRule jump(String key) {
        return ProgramRule.structural(Match.of(new Criterion.InterfaceIs(interfaceSide, interfacePrefix + key + "+")),
                new Verdict.Goto(chainName.apply(key)));
    }

    private static ProgramChain chain(String name, List<ProgramRule> rules) {
        List<ProgramRule> withDrop = new ArrayList<>(rules);
        withDrop.add(ProgramRule.structural(Match.ANY, Verdict.DROP));
        return new ProgramChain(name, withDrop);
    }
}
