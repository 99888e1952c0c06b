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
import org.jcalico.felix.render.nftables.NftablesRenderer;
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
 * Each lookup is a rule of the forward hook itself, behind its own {@code ct state related,established} test, just
 * above the hook's jump into jc-FORWARD: no jump before the lookup (docs/dataplane.md, "Session 70 (p-nojump)").
 * Everything else (a workload to a workload of the same host, an endpoint isolated, failed closed or held drop-only by
 * the driver, whose chain is a drop, an interface the map does not hold) misses and takes the long way, which judges
 * it as before. Derived from the state as written, after the driver's isolation, so that no state the kernel holds
 * has a short way the long way would not give. Only for the one shape of jc-FORWARD it knows (interfaces caught by
 * the prefix alone, the hold rules and local-source check first): any other, and the state is left as it is.
 */
final class EstablishedPath {
    /** The short way's maps' names begin so (they count nothing: {@link NftablesPlanner}). */
    static final String MAPS = "jc-established";
    static final String FROM_MAP = MAPS + "-from";
    static final String TO_MAP = MAPS + "-to";
    /** What each of the short way's rules in the forward hook tests first: no other packet meets its lookup. */
    private static final String ESTABLISHED = "ct state related,established ";
    private static final String FILTER = "filter";
    /** calc's hook (the renderer's form) that the short way's rules go before: the same packets reach it in the same order. */
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
        if (!state.maps().isEmpty()) {
            // the short way's own: its rules are the hooks that look up its maps (calc writes no map of a hook)
            Set<String> lookups = new HashSet<>();
            state.maps().forEach(map -> lookups.add(ESTABLISHED + map.rule()));
            hooks = hooks.stream().filter(hook -> !lookups.contains(hook.rule())).toList();
            state = new IptablesState(state.version(), state.tables(), hooks);
        }
        Chain forward = chains.get(DataplaneNames.FORWARD);
        int at = hooks.indexOf(FORWARD_HOOK);
        String prefix = forward == null || at < 0 ? null : prefix(forward, state.version());
        if (prefix == null) {
            return state;
        }
        String family = state.version() == 4 ? "ip" : "ip6";
        String address = NftablesRenderer.addressType(state.version());
        VerdictMap fromMap = passing(chains, DataplaneNames.FROM_DISPATCH, FROM_MAP, "oifname != \"" + prefix + "*\" ",
                "iifname . " + family + " saddr", "ifname . " + address, fromPassing);
        VerdictMap toMap = passing(chains, DataplaneNames.TO_DISPATCH, TO_MAP, "iifname != \"" + prefix + "*\" "
                + family + " saddr != @" + DataplaneNames.localSourcesSet(state.version()) + " ", "oifname", "ifname",
                toPassing);
        // both rules stay while jc-FORWARD has its shape, their maps empty when no element qualifies: hooks that came
        // and went with the first qualifying endpoint would replace the whole table each time (NftablesPlanner.delta)
        List<Hook> entered = new ArrayList<>(hooks);
        entered.addAll(at, List.of(new Hook(FILTER, "FORWARD", ESTABLISHED + fromMap.rule()),
                new Hook(FILTER, "FORWARD", ESTABLISHED + toMap.rule())));
        return new IptablesState(state.version(), state.tables(), entered, List.of(fromMap, toMap));
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
     * The map NAME, looked up by KEY (of TYPE) after CONDITION, of the dispatch ROOT's map elements whose chain begins
     * with the pass rule, each to accept; empty when the root's map has another key or its first rule is not its
     * map's lookup (a wider source's rule ahead of the map could send a packet elsewhere): all then take the long way.
     */
    private static VerdictMap passing(PersistentSortedMap<String, Chain> chains, String root, String name,
                                      String condition, String key, String type, Passing passing) {
        Chain dispatch = chains.get(root);
        boolean mapped = dispatch != null && dispatch.maps().size() == 1 && dispatch.maps().get(0).key().equals(key)
                && dispatch.rules().get(0).equals(dispatch.maps().get(0).rule());
        PersistentSortedMap<String, String> elements = mapped ? dispatch.maps().get(0).elements() : PersistentSortedMap.empty();
        return new VerdictMap(name, condition + key, type, passing.accepted(elements, chains));
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
