package org.jcalico.felix.dataplane.nftables;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.jcalico.felix.calc.DataplaneNames;
import org.jcalico.felix.hoststate.Chain;
import org.jcalico.felix.hoststate.Hook;
import org.jcalico.felix.hoststate.IptablesState;
import org.jcalico.felix.hoststate.VerdictMap;
import org.jcalico.felix.program.Origin;
import org.jcalico.util.PersistentSortedMap;

/**
 * The short way past jc-FORWARD for a packet of an established flow between a local workload and the network,
 * on nftables (docs/dataplane.md, "Session 66 (p-wire)"): a packet that jc-FORWARD would accept after its hold rules,
 * its local-source check, a dispatch map's lookup, a jump into the endpoint's chain and that chain's established
 * test, is accepted by one lookup (sent: its interface and source) or two (received: its source not local, its
 * interface), the same verdict the long way gives, read from the state the driver writes:
 * <ul>
 *   <li>{@code jc-established-from}: each element of the from-workload map whose chain's first rule returns
 *   established packets, to {@code accept}, looked up only for a packet leaving for a non-workload interface (the
 *   rest of jc-FORWARD then accepts it: its to-dispatch is for workload interfaces only); the lookup is the
 *   anti-spoofing check the dispatch map makes, key for key;</li>
 *   <li>{@code jc-established-to}: each element of the to-workload map whose chain's first rule accepts established
 *   packets, looked up only for a packet in from a non-workload interface whose source is no local endpoint's (what
 *   the local-source check would drop stays on the long way).</li>
 * </ul>
 * Everything else (a workload to a workload of the same host, an endpoint isolated, failed closed or held drop-only by
 * the driver, whose chain is a drop, an interface the map does not hold) misses and takes the long way, which judges
 * it as before. Derived from the state as written, after the driver's isolation, so that no state the kernel holds
 * has a short way the long way would not give. Only for the one shape of jc-FORWARD it knows (interfaces caught by
 * the prefix alone, the hold rules and local-source check first): any other, and the state is left as it is.
 */
final class EstablishedPath {
    static final String CHAIN = "jc-established";
    /**
     * The forward hook's rule just above its jump into jc-FORWARD (the hook's only other rule on nftables): nothing but
     * an established or related packet enters the short way, and one that takes it no longer jumps into jc-FORWARD
     * first (docs/dataplane.md, "Session 67 (p-wire2)").
     */
    static final String ENTRY = "ct state related,established jump " + CHAIN;
    private static final String FILTER = "filter";
    static final Hook ENTRY_HOOK = new Hook(FILTER, "FORWARD", ENTRY);
    /** calc's hook (the renderer's form) that the entry goes before: the same packets reach it in the same order. */
    private static final Hook FORWARD_HOOK = new Hook(FILTER, "FORWARD", "jump " + DataplaneNames.FORWARD);
    private static final String HOLD = "ct state new,invalid,untracked ";
    private static final Pattern FROM_JUMP = Pattern.compile("iifname \"([^\"*]+)\\*\" jump "
            + Pattern.quote(DataplaneNames.FROM_DISPATCH));
    private static final String FROM_PASS = "ct state related,established return";
    private static final String TO_PASS = "ct state related,established accept";
    /** The last state derived from and what it gave, per family (the driver asks again for the same state at every apply). */
    private final IptablesState[] lastIn = new IptablesState[2];
    private final IptablesState[] lastOut = new IptablesState[2];
    /** Per family, each map's elements kept from the last state by what changed since (an add is one element, not all). */
    private final Passing[] from = {new Passing(FROM_PASS), new Passing(FROM_PASS)};
    private final Passing[] to = {new Passing(TO_PASS), new Passing(TO_PASS)};

    /** STATE with the short way when jc-FORWARD has the shape it knows and the forward hook jumps into it. */
    IptablesState of(IptablesState state) {
        int family = state.version() == 4 ? 0 : 1;
        if (state != lastIn[family]) {
            lastOut[family] = derived(state, from[family], to[family]);
            lastIn[family] = state;
        }
        return lastOut[family];
    }

    /**
     * STATE with the short way derived from its chains as they are, from scratch; a short way STATE already has is
     * derived anew (the driver's isolation holds chains of a state it was derived for).
     */
    static IptablesState derived(IptablesState state) {
        return derived(state, new Passing(FROM_PASS), new Passing(TO_PASS));
    }

    private static IptablesState derived(IptablesState state, Passing fromPassing, Passing toPassing) {
        PersistentSortedMap<String, Chain> chains = state.sortedChains(FILTER);
        List<Hook> hooks = state.hooks();
        if (hooks.contains(ENTRY_HOOK)) {
            hooks = hooks.stream().filter(hook -> !hook.equals(ENTRY_HOOK)).toList();
            chains = chains.without(CHAIN);
            state = withFilter(state, chains, hooks);
        }
        Chain forward = chains.get(DataplaneNames.FORWARD);
        int at = hooks.indexOf(FORWARD_HOOK);
        String prefix = forward == null || at < 0 ? null : prefix(forward, state.version());
        if (prefix == null) {
            return state;
        }
        String family = state.version() == 4 ? "ip" : "ip6";
        List<VerdictMap> maps = new ArrayList<>();
        VerdictMap fromMap = passing(chains, DataplaneNames.FROM_DISPATCH, CHAIN + "-from",
                "oifname != \"" + prefix + "*\" ", fromPassing);
        VerdictMap toMap = passing(chains, DataplaneNames.TO_DISPATCH, CHAIN + "-to", "iifname != \"" + prefix + "*\" "
                + family + " saddr != @" + DataplaneNames.localSourcesSet(state.version()) + " ", toPassing);
        if (fromMap != null) {
            maps.add(fromMap);
        }
        if (toMap != null) {
            maps.add(toMap);
        }
        // the entry stays while jc-FORWARD has its shape, its chain empty when no element qualifies: a hook that came
        // and went with the first qualifying endpoint would replace the whole table each time (NftablesPlanner.delta)
        List<Hook> entered = new ArrayList<>(hooks);
        entered.add(at, ENTRY_HOOK);
        return withFilter(state, chains.with(CHAIN, new Chain(CHAIN, maps.stream().map(VerdictMap::rule).toList(), null, maps)),
                entered);
    }

    private static IptablesState withFilter(IptablesState state, PersistentSortedMap<String, Chain> filter, List<Hook> hooks) {
        Map<String, Map<String, Chain>> tables = new HashMap<>(state.tables());
        tables.put(FILTER, filter);
        return new IptablesState(state.version(), tables, hooks);
    }

    /**
     * The prefix of jc-FORWARD's one from-dispatch jump when its rules are, in order, hold rules (which match no
     * established packet), the local-source check, the two dispatch jumps and the two accepts of the prefix's
     * interfaces, as calc writes them with no endpoint outside the prefix; null for any other shape.
     */
    private static String prefix(Chain forward, int version) {
        List<String> rules = forward.rules();
        int first = 0;
        while (first < rules.size() && rules.get(first).startsWith(HOLD) && rules.get(first).endsWith(" drop")) {
            first++;
        }
        if (rules.size() != first + 5) {
            return null;
        }
        Matcher jump = FROM_JUMP.matcher(rules.get(first + 1));
        if (!jump.matches()) {
            return null;
        }
        String caught = "\"" + jump.group(1) + "*\"";
        List<String> expected = List.of(
                "iifname != " + caught + " " + (version == 4 ? "ip" : "ip6") + " saddr @"
                        + DataplaneNames.localSourcesSet(version) + " jump " + DataplaneNames.LOCAL_SOURCE,
                "iifname " + caught + " jump " + DataplaneNames.FROM_DISPATCH,
                "oifname " + caught + " jump " + DataplaneNames.TO_DISPATCH,
                "iifname " + caught + " accept",
                "oifname " + caught + " accept");
        return rules.subList(first, rules.size()).equals(expected) ? jump.group(1) : null;
    }

    /**
     * The map NAME of the dispatch ROOT's map elements whose chain begins with the pass rule, each to accept, looked up
     * after CONDITION; null when none qualifies or the root's first rule is not its map's lookup (a wider source's rule
     * ahead of the map could send a packet elsewhere).
     */
    private static VerdictMap passing(PersistentSortedMap<String, Chain> chains, String root, String name,
                                      String condition, Passing passing) {
        Chain dispatch = chains.get(root);
        if (dispatch == null || dispatch.maps().size() != 1 || !dispatch.rules().get(0).equals(dispatch.maps().get(0).rule())) {
            return null;
        }
        VerdictMap map = dispatch.maps().get(0);
        PersistentSortedMap<String, String> accepted = passing.accepted(map.elements(), chains);
        return accepted.isEmpty() ? null : new VerdictMap(name, condition + map.key(), map.type(), accepted);
    }

    /**
     * One dispatch map's elements on the short way, kept from the map it last read by the elements that changed since
     * ({@link PersistentSortedMap#diff}: the renderer changes a map by the endpoint that came or went) and by the
     * verdicts whose chain's first rule changed (every verdict's chain is looked at again: few, shared chains).
     */
    private static final class Passing {
        private final String pass;
        private PersistentSortedMap<String, String> dispatch = PersistentSortedMap.empty();
        private PersistentSortedMap<String, String> accepted = PersistentSortedMap.empty();
        /** The keys of the map read last, by verdict, and whether that verdict's chain passed established packets. */
        private final Map<String, Set<String>> byVerdict = new HashMap<>();
        private final Map<String, Boolean> passes = new HashMap<>();

        Passing(String pass) {
            this.pass = pass;
        }

        PersistentSortedMap<String, String> accepted(PersistentSortedMap<String, String> now, Map<String, Chain> chains) {
            PersistentSortedMap.Editor<String, String> out = accepted.editor();
            Set<String> again = new HashSet<>();
            PersistentSortedMap.diff(dispatch, now, new PersistentSortedMap.Differences<>() {
                @Override
                public void changed(String key, String before, String after) {
                    if (before != null) {
                        unindex(key, before);
                    }
                    byVerdict.computeIfAbsent(after, verdict -> new HashSet<>()).add(key);
                    again.add(key);
                }

                @Override
                public void gone(String key, String before) {
                    unindex(key, before);
                    out.remove(key);
                }
            });
            passes.keySet().retainAll(byVerdict.keySet());
            byVerdict.forEach((verdict, keys) -> {
                Chain target = verdict.startsWith("goto ") ? chains.get(verdict.substring("goto ".length())) : null;
                boolean passing = target != null && !target.rules().isEmpty() && target.rules().get(0).equals(pass);
                Boolean was = passes.put(verdict, passing);
                if (was == null || was != passing) {
                    again.addAll(keys);
                }
            });
            for (String key : again) {
                if (passes.get(now.get(key))) {
                    out.put(key, "accept");
                } else {
                    out.remove(key);
                }
            }
            dispatch = now;
            accepted = out.map();
            return accepted;
        }

        private void unindex(String key, String verdict) {
            Set<String> keys = byVerdict.get(verdict);
            keys.remove(key);
            if (keys.isEmpty()) {
                byVerdict.remove(verdict);
            }
        }
    }
}
