package org.jcalico.felix.calc;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import org.jcalico.felix.hoststate.HostState;
import org.jcalico.felix.hoststate.IpSetSpec;
import org.jcalico.felix.hoststate.MemberSet;
import org.jcalico.felix.hoststate.SetPolarity;
import org.jcalico.felix.program.Criterion;
import org.jcalico.felix.program.Marks;
import org.jcalico.felix.program.Match;
import org.jcalico.felix.program.ProgramChain;
import org.jcalico.felix.program.ProgramHook;
import org.jcalico.felix.program.ProgramRule;
import org.jcalico.felix.program.ProgramTables;
import org.jcalico.felix.program.Side;
import org.jcalico.felix.program.Verdict;
import org.jcalico.model.FelixConfiguration;
import org.jcalico.model.FelixConfiguration.EndpointToHostAction;
import org.jcalico.model.IcmpMatch;
import org.jcalico.model.IpPool;
import org.jcalico.model.Protocol;
import org.jcalico.util.PersistentSortedMap;

/**
 * One IP family's tables as the local endpoints' policies make them, for one configuration and set of pools, kept
 * between calculations and told which endpoints' policies came and went: each endpoint's own chains, the policy and
 * profile chains some endpoint uses (counted, so a chain goes with its last user), the dispatch trees (DispatchTree),
 * and the sets the used chains match (counted likewise). A change costs what it touches, not the number of local
 * endpoints; every chain it does not touch is handed out as the same object.
 */
final class LocalTables {
    static final String FILTER = "filter";
    private static final String NAT = "nat";
    private static final String SECURITY = "security";
    private static final List<Integer> ICMPV6_NEIGHBOUR_DISCOVERY = List.of(133, 135, 136);
    private final int version;
    private final String interfacePrefix;
    private final EndpointToHostAction endpointToHost;
    private final Map<String, ProgramChain> nat;
    /**
     * Whether INPUT, FORWARD and OUTPUT are chains others write into above jcalico's hooks (iptables driver: docker
     * does at each start, an admin's -I, a firewall's reload that rebuilds them), so that the security table drops,
     * after every filter chain on the hook, a workload's packet that jcalico's chain did not see (guard). jcalico's own
     * nftables table needs none: another table's accept cannot end its base chain.
     */
    private final boolean shared;
    /** The security table's chains of shared built-in chains (DataplaneNames.JUDGED and the like) by name, else none. */
    private final Map<String, ProgramChain> guard = new TreeMap<>();
    /** Every chain of the filter table, persistent: handed out as it is, and changed at the cost of what changed. */
    private PersistentSortedMap<String, ProgramChain> chains = PersistentSortedMap.empty();
    private final DispatchTree from;
    private final DispatchTree to;
    /** The interfaces without the prefix, each as often as an endpoint has it: they are caught by name. */
    private final TreeMap<String, Integer> unprefixed = new TreeMap<>();
    private boolean unprefixedChanged = true;
    /**
     * The interfaces of the endpoints isolated on purpose (state not active), each as often as an endpoint has it: the
     * host's own packets to them are dropped in jc-OUTPUT ({@link #hostToIsolated}).
     */
    private final TreeMap<String, Integer> isolated = new TreeMap<>();
    private boolean isolatedChanged = true;
    /**
     * The policy and profile chains in use, by name, with how many endpoints use each. By name, not by object: endpoints
     * whose policies changed in different calculations hold equal chains compiled apart, and the chain must stay until
     * the last of them goes (counted by object, the first object's last user took the name away from the others).
     */
    private final Map<String, Integer> users = new HashMap<>();
    private final SetUse sets;
    /** The drops of held addresses ahead of every policy (both drivers: a MIXED set's change is held on each). */
    private final List<ProgramRule> held;
    /** The local endpoints' nets of the family, each with how many endpoints have it (localSources). */
    private final Map<String, Integer> localNets = new HashMap<>();
    private MemberSet localSources = MemberSet.of(List.of());
    private final Set<String> localAdded = new HashSet<>();
    private final Set<String> localRemoved = new HashSet<>();

    LocalTables(int version, FelixConfiguration config, List<IpPool> pools, SetUse sets, boolean shared) {
        this.version = version;
        this.shared = shared;
        this.interfacePrefix = config.interfacePrefix();
        this.endpointToHost = config.defaultEndpointToHostAction();
        this.sets = sets;
        List<ProgramRule> masquerade = natRules(pools, version);
        this.nat = masquerade.isEmpty() ? Map.of()
                : Map.of(DataplaneNames.POSTROUTING, new ProgramChain(DataplaneNames.POSTROUTING, masquerade));
        from = new DispatchTree(DataplaneNames.FROM_DISPATCH, DataplaneNames::fromDispatch, Side.SOURCE, interfacePrefix);
        to = new DispatchTree(DataplaneNames.TO_DISPATCH, DataplaneNames::toDispatch, Side.DESTINATION, interfacePrefix);
        this.held = held(version);
        put(DataplaneNames.WORKLOAD_TO_HOST, workloadToHost(endpointToHost, version, held, shared));
    }

    void add(LocalEndpoint endpoint, List<ProgramChain> own, List<CompiledChain> used) {
        String iface = endpoint.interfaceName();
        from.add(iface, endpoint.fromDispatch(version));
        to.add(iface, endpoint.toDispatch(version));
        endpoint.endpoint().nets(version).forEach(net -> {
            String member = net.toString();
            if (localNets.merge(member, 1, Integer::sum) == 1 && !localRemoved.remove(member)) {
                localAdded.add(member);
            }
        });
        own.forEach(chain -> chains = chains.with(chain.name(), chain));
        for (CompiledChain chain : used) {
            if (users.merge(chain.chain().name(), 1, Integer::sum) == 1) {
                chains = chains.with(chain.chain().name(), chain.chain());
                sets.count(chain, 1);
            }
        }
        if (!caughtByPrefix(iface)) {
            unprefixed.merge(iface, 1, Integer::sum);
            unprefixedChanged = true;
        }
        if (endpoint.endpoint().isolation().isPresent()) {
            isolated.merge(iface, 1, Integer::sum);
            isolatedChanged = true;
        }
    }

    /** Takes back what {@link #add} did for the endpoint; its interface is no other endpoint's. */
    void remove(LocalEndpoint endpoint, List<ProgramChain> own, List<CompiledChain> used) {
        String iface = endpoint.interfaceName();
        from.remove(iface);
        to.remove(iface);
        endpoint.endpoint().nets(version).forEach(net -> {
            String member = net.toString();
            if (localNets.merge(member, -1, (was, less) -> was + less == 0 ? null : was + less) == null
                    && !localAdded.remove(member)) {
                localRemoved.add(member);
            }
        });
        own.forEach(chain -> {
            if (chain.equals(chains.get(chain.name()))) {
                chains = chains.without(chain.name());
            }
        });
        for (CompiledChain chain : used) {
            if (users.merge(chain.chain().name(), -1, (was, less) -> was + less == 0 ? null : was + less) == null) {
                chains = chains.without(chain.chain().name());
                sets.count(chain, -1);
            }
        }
        if (!caughtByPrefix(iface)) {
            unprefixed.merge(iface, -1, (was, less) -> was + less == 0 ? null : was + less);
            unprefixedChanged = true;
        }
        if (endpoint.endpoint().isolation().isPresent()) {
            isolated.merge(iface, -1, (was, less) -> was + less == 0 ? null : was + less);
            isolatedChanged = true;
        }
    }

    /**
     * The set of the local endpoints' nets (DataplaneNames.localSourcesSet), changed from the last one handed out by
     * what came and went since, so that the drivers write only that (MemberSet).
     */
    IpSetSpec localSources() {
        if (!localAdded.isEmpty() || !localRemoved.isEmpty()) {
            localSources = localSources.with(localAdded, localRemoved);
            localAdded.clear();
            localRemoved.clear();
        }
        return new IpSetSpec(DataplaneNames.localSourcesSet(version), version, localSources);
    }

    private boolean caughtByPrefix(String iface) {
        return interfacePrefix != null && iface.startsWith(interfacePrefix);
    }

    ProgramTables tables() {
        if (unprefixedChanged || isolatedChanged) {
            List<ProgramRule> output = output();
            put(DataplaneNames.OUTPUT, output);
            if (shared) {
                // jc-OUTPUT only drops: the same drops after every filter chain catch what an accept above its hook let by
                guard.put(DataplaneNames.JUDGED_OUTPUT, new ProgramChain(DataplaneNames.JUDGED_OUTPUT, output));
            }
            isolatedChanged = false;
        }
        if (unprefixedChanged) {
            caughtChains();
            unprefixedChanged = false;
        }
        chains = to.update(from.update(chains));
        List<ProgramHook> hooks = new ArrayList<>(List.of(
                new ProgramHook(FILTER, "INPUT", DataplaneNames.INPUT),
                new ProgramHook(FILTER, "FORWARD", DataplaneNames.FORWARD),
                new ProgramHook(FILTER, "OUTPUT", DataplaneNames.OUTPUT)));
        Map<String, Map<String, ProgramChain>> tables = new HashMap<>(Map.of(FILTER, chains));
        if (shared) {
            hooks.add(new ProgramHook(SECURITY, "INPUT", DataplaneNames.JUDGED_INPUT));
            hooks.add(new ProgramHook(SECURITY, "FORWARD", DataplaneNames.JUDGED));
            hooks.add(new ProgramHook(SECURITY, "OUTPUT", DataplaneNames.JUDGED_OUTPUT));
            tables.put(SECURITY, Map.copyOf(guard));
        }
        if (!nat.isEmpty()) {
            hooks.add(new ProgramHook(NAT, "POSTROUTING", DataplaneNames.POSTROUTING));
            tables.put(NAT, nat);
        }
        return new ProgramTables(version, Map.copyOf(tables), hooks);
    }

    /**
     * The chains that send traffic into policy: every interface with the prefix (none when the agent accepted none),
     * and each local endpoint's own interface that does not have it, so that an endpoint made under an earlier
     * prefix is never left outside policy when the prefix changes.
     */
    private void caughtChains() {
        List<String> own = new ArrayList<>();
        unprefixed.forEach((name, times) -> own.addAll(java.util.Collections.nCopies(times, name)));
        List<String> caught = caught(own);
        // only a local endpoint sends from its address, and only through its own interface: the same source from
        // anywhere else (the host's uplink) is forged, and would pass a policy that admits that endpoint, or a service
        // of the host that admits its workloads by address. A packet in on a prefixed interface is never such a one
        // (jc-local-source would return it), so the interface is tested first: a workload's packets, half of what the
        // host forwards, skip the set lookup and the jump (docs/dataplane.md, session 60 (p-net))
        Criterion.InSet local = new Criterion.InSet(Side.SOURCE, DataplaneNames.localSourcesSet(version), false, false);
        ProgramRule forged = rule(interfacePrefix == null ? Match.of(local)
                : Match.of(new Criterion.InterfaceIs(Side.SOURCE, interfacePrefix + "+", true), local),
                new Verdict.Jump(DataplaneNames.LOCAL_SOURCE));
        List<ProgramRule> input = new ArrayList<>(List.of(forged));
        caught.forEach(name -> input.add(rule(Match.of(new Criterion.InterfaceIs(Side.SOURCE, name)),
                new Verdict.Goto(DataplaneNames.WORKLOAD_TO_HOST))));
        put(DataplaneNames.INPUT, input);
        List<ProgramRule> forward = new ArrayList<>();
        if (shared) {
            forward.add(rule(Match.ANY, new Verdict.SetMark(Marks.JUDGED)));
            guard.put(DataplaneNames.JUDGED, new ProgramChain(DataplaneNames.JUDGED,
                    judged(caught, forged, List.of(Side.SOURCE, Side.DESTINATION))));
            guard.put(DataplaneNames.JUDGED_INPUT, new ProgramChain(DataplaneNames.JUDGED_INPUT,
                    judged(caught, forged, List.of(Side.SOURCE))));
        }
        forward.addAll(held);
        forward.add(forged);
        List<ProgramRule> localSource = new ArrayList<>();
        own.forEach(name -> localSource.add(rule(Match.of(new Criterion.InterfaceIs(Side.SOURCE, name)), Verdict.RETURN)));
        localSource.add(rule(Match.ANY, Verdict.DROP));
        put(DataplaneNames.LOCAL_SOURCE, localSource);
        caught.forEach(name -> forward.add(rule(Match.of(new Criterion.InterfaceIs(Side.SOURCE, name)),
                new Verdict.Jump(DataplaneNames.FROM_DISPATCH))));
        caught.forEach(name -> forward.add(rule(Match.of(new Criterion.InterfaceIs(Side.DESTINATION, name)),
                new Verdict.Jump(DataplaneNames.TO_DISPATCH))));
        caught.forEach(name -> forward.add(rule(Match.of(new Criterion.InterfaceIs(Side.SOURCE, name)), Verdict.ACCEPT)));
        caught.forEach(name -> forward.add(rule(Match.of(new Criterion.InterfaceIs(Side.DESTINATION, name)), Verdict.ACCEPT)));
        put(DataplaneNames.FORWARD, forward);
    }

    /**
     * The security table's check of a shared FORWARD or INPUT: a packet that jcalico's chain saw returns (jc-FORWARD and
     * jc-wl-to-host mark what they see and drop what policy denies, so the rest they let on); one it did not see is
     * dropped when that chain would have judged it (in, or for FORWARD also out, through a local endpoint's interface
     * on SIDES, or a local endpoint's address from anywhere else, FORGED's match), and left to others otherwise
     * (docker's own containers' traffic, the host's from its uplinks). The security table comes after the filter table
     * on each hook and an accept ends only its own table's chain, so no rule in FORWARD or INPUT, above jcalico's hook
     * or in place of it, can take a workload's packet past this.
     */
    private static List<ProgramRule> judged(List<String> caught, ProgramRule forged, List<Side> sides) {
        List<ProgramRule> rules = new ArrayList<>();
        rules.add(rule(Match.of(new Criterion.MarkIs(Marks.JUDGED, Marks.JUDGED)), Verdict.RETURN));
        sides.forEach(side -> caught.forEach(name -> rules.add(rule(Match.of(new Criterion.InterfaceIs(side, name)),
                Verdict.DROP))));
        rules.add(rule(forged.match(), Verdict.DROP));
        return rules;
    }

    /** The interfaces that lead to local endpoints: the prefix's (when there is one), then OWN, the unprefixed ones. */
    private List<String> caught(List<String> own) {
        List<String> caught = new ArrayList<>();
        if (interfacePrefix != null) {
            caught.add(interfacePrefix + "+");
        }
        caught.addAll(own);
        return caught;
    }

    /**
     * Packets from or to an address the driver holds while it writes a change of a mixed set's members
     * (HostState's hold set), unless of an established connection, are dropped before any policy reads a set: no order
     * of such writes keeps every state between tighter than the one before or the one after the change, and the hold
     * keeps any of them from allowing a connection that neither allows (docs/dataplane.md, "A change and the states the
     * kernel passes through"). Established
     * packets go on to the endpoint's chain, which accepts them before reading any set, as it does at every other time.
     * The state is tested before the set: a rule's criteria are tested in order and the first that fails ends it, so a
     * packet of an established flow (nearly every packet forwarded) pays a connection-state test here instead of a set
     * lookup, twice per chain, and the rule drops exactly the same packets.
     */
    private static List<ProgramRule> held(int version) {
        List<ProgramRule> rules = new ArrayList<>();
        for (Side side : List.of(Side.SOURCE, Side.DESTINATION)) {
            rules.add(rule(Match.of(new Criterion.ConntrackState(List.of("NEW", "INVALID", "UNTRACKED")),
                    new Criterion.InSet(side, HostState.holdSet(version), false, false)), Verdict.DROP));
        }
        return rules;
    }

    /**
     * Traffic from a natOutgoing pool to anywhere outside every pool leaves with the host's address; traffic between
     * pools keeps its endpoint addresses. No such pool of the family, no rule, and then no nat chain nor hook at all
     * (tables()): a nat hook, even with an empty chain behind it, makes the kernel register NAT at prerouting and
     * postrouting, two more hook functions on every packet the host forwards, which decide nothing here.
     */
    private static List<ProgramRule> natRules(List<IpPool> pools, int version) {
        if (pools.stream().noneMatch(pool -> pool.natOutgoing() && pool.cidr().version() == version)) {
            return List.of();
        }
        return List.of(rule(Match.of(new Criterion.InSet(Side.SOURCE, DataplaneNames.natPoolsSet(version), false, false),
                new Criterion.InSet(Side.DESTINATION, DataplaneNames.allPoolsSet(version), false, true)),
                new Verdict.Masquerade()));
    }

    /**
     * What a workload sends to its host: neighbour discovery (IPv6), then the endpoint's outbound chain through the
     * dispatch, established packets too, then the configured action. No established accept ahead of the dispatch
     * (until session 49 there was one): an isolated endpoint's chain, a failed-closed one's and a chain the driver holds
     * drop-only are a single drop that must cut the flows it opened to its host before, as they cut its flows through
     * the host (Felix's cali-wl-to-host dispatches first too). With drop, the host's own connections to its workloads
     * still get their answers once the endpoint's chain let them through. When others write into INPUT (SHARED), every
     * packet here is marked first, before any accept, for the security table's check (judged).
     */
    private static List<ProgramRule> workloadToHost(EndpointToHostAction action, int version, List<ProgramRule> held,
                                                    boolean shared) {
        List<ProgramRule> rules = new ArrayList<>();
        if (shared) {
            rules.add(rule(Match.ANY, new Verdict.SetMark(Marks.JUDGED)));
        }
        rules.addAll(neighbourDiscovery(version, Verdict.ACCEPT));
        rules.addAll(held);
        rules.add(rule(Match.ANY, new Verdict.Jump(DataplaneNames.FROM_DISPATCH)));
        if (action == EndpointToHostAction.ACCEPT) {
            rules.add(rule(Match.ANY, Verdict.ACCEPT));
        } else {
            rules.add(rule(Match.of(new Criterion.ConntrackState(List.of("RELATED", "ESTABLISHED"))), Verdict.ACCEPT));
            rules.add(rule(Match.ANY, Verdict.DROP));
        }
        return rules;
    }

    /**
     * jc-OUTPUT, the host's own packets. First, those whose source is in a pool are dropped: a pool's addresses are
     * the workloads', never the host's (jcalico gives a host none), so such a packet is forged, by any user over IPv6
     * (an IPV6_FREEBIND socket needs no privilege) and by root over both families, and a policy here or on another
     * host (whose fabric is trusted) would admit it as that workload's. Then, while some endpoint is isolated, the
     * host's own packets to it are dropped (its replies to the host are dropped in its outbound chain), so it exchanges
     * nothing with anyone, its host included; neighbour discovery returns ahead of that, as it is accepted from
     * workloads, so that the endpoint resolves its gateway when it becomes active. Other endpoints' traffic from the
     * host's own addresses is not policed, as in Calico: a host's connections to its workloads (health checks) pass
     * whatever the workload's inbound policy says. Between the two, a packet toward a workload (out of a local
     * endpoint's interface, or to a pool's address: another host's endpoint) that a user other than root sends from
     * an address the host does not have is dropped: any user can over IPv6 (IPV6_FREEBIND), from an outside network's
     * address that a policy admits by nets, and it would pass another host's policy as that network's. Root's pass
     * (its transparent proxies answer in the names of the servers they stand for), and so do the kernel's own packets,
     * which no user's socket sent (docs/dataplane.md, "Session 61 (t-src6)"). The destination is tested first, the
     * owner next and the source's route last, so that a packet pays the route lookup only when it is a user's toward a
     * workload.
     */
    private List<ProgramRule> output() {
        List<ProgramRule> rules = new ArrayList<>(List.of(rule(Match.of(new Criterion.InSet(Side.SOURCE,
                DataplaneNames.allPoolsSet(version), false, false)), Verdict.DROP)));
        Criterion user = new Criterion.SentByNonRoot();
        Criterion notTheHosts = new Criterion.SourceIsLocal(true);
        caught(List.copyOf(unprefixed.keySet())).forEach(iface -> rules.add(rule(Match.of(
                new Criterion.InterfaceIs(Side.DESTINATION, iface), user, notTheHosts), Verdict.DROP)));
        rules.add(rule(Match.of(new Criterion.InSet(Side.DESTINATION, DataplaneNames.allPoolsSet(version), false, false),
                user, notTheHosts), Verdict.DROP));
        if (!isolated.isEmpty()) {
            rules.addAll(neighbourDiscovery(version, Verdict.RETURN));
            isolated.keySet().forEach(iface -> rules.add(rule(Match.of(
                    new Criterion.InterfaceIs(Side.DESTINATION, iface)), Verdict.DROP)));
        }
        return rules;
    }

    /** IPv6 neighbour discovery (router solicitation, neighbour solicitation and advertisement) to VERDICT; none in IPv4. */
    private static List<ProgramRule> neighbourDiscovery(int version, Verdict verdict) {
        return version == 4 ? List.of() : ICMPV6_NEIGHBOUR_DISCOVERY.stream().map(type -> rule(Match.of(
                new Criterion.ProtocolIs(Protocol.parse("icmpv6"), false),
                new Criterion.IcmpIs(new IcmpMatch(type, null), false)), verdict)).toList();
    }

    private static ProgramRule rule(Match match, Verdict verdict) {
        return ProgramRule.structural(match, verdict);
    }

    private void put(String name, List<ProgramRule> rules) {
        chains = chains.with(name, new ProgramChain(name, rules));
    }

    /**
     * The sets the chains in use match, over both families: counted by chain, so that what is handed out is made
     * again only when a chain came into use or went out of it.
     */
    static final class SetUse {
        private final Map<SetKey, Integer> selectorSets = new HashMap<>();
        private final Map<String, Integer> netSetUsers = new HashMap<>();
        private final Map<String, org.jcalico.felix.hoststate.IpSetSpec> netSets = new TreeMap<>();
        private final Map<String, Integer> tags = new HashMap<>();
        /** For each set, how many chains in use match it with each polarity. */
        private final Map<String, Map<SetPolarity, Integer>> polarityUsers = new HashMap<>();
        private boolean changed = true;
        private java.util.Set<SetKey> selectorSetsOut;
        private Map<String, org.jcalico.felix.hoststate.IpSetSpec> netSetsOut;
        private java.util.Set<String> tagsOut;
        private Map<String, SetPolarity> polaritiesOut;

        private void count(CompiledChain chain, int delta) {
            chain.selectorSets().forEach(key -> selectorSets.merge(key, delta, SetUse::sum));
            chain.tags().forEach(tag -> tags.merge(tag, delta, SetUse::sum));
            chain.polarities().forEach((name, polarity) -> {
                Map<SetPolarity, Integer> users = polarityUsers.computeIfAbsent(name, set -> new java.util.EnumMap<>(SetPolarity.class));
                users.merge(polarity, delta, SetUse::sum);
                if (users.isEmpty()) {
                    polarityUsers.remove(name);
                }
            });
            chain.netSets().forEach((name, spec) -> {
                if (netSetUsers.merge(name, delta, SetUse::sum) == null) {
                    netSets.remove(name);
                } else if (delta > 0) {
                    netSets.put(name, spec);
                }
            });
            changed = true;
        }

        private static Integer sum(Integer was, Integer delta) {
            return was + delta == 0 ? null : was + delta;
        }

        private void freeze() {
            if (changed) {
                selectorSetsOut = java.util.Set.copyOf(selectorSets.keySet());
                netSetsOut = Map.copyOf(netSets);
                tagsOut = java.util.Set.copyOf(tags.keySet());
                Map<String, SetPolarity> polarities = new HashMap<>();
                polarityUsers.forEach((name, users) -> polarities.put(name,
                        users.keySet().stream().reduce(null, SetPolarity::join)));
                polaritiesOut = Map.copyOf(polarities);
                changed = false;
            }
        }

        /** The selector sets in use; the same object while none came or went. */
        java.util.Set<SetKey> selectorSets() {
            freeze();
            return selectorSetsOut;
        }

        java.util.Map<String, org.jcalico.felix.hoststate.IpSetSpec> netSets() {
            freeze();
            return netSetsOut;
        }

        java.util.Set<String> tags() {
            freeze();
            return tagsOut;
        }

        /** How the chains in use match each set (SetPolarities), joined over them. */
        Map<String, SetPolarity> polarities() {
            freeze();
            return polaritiesOut;
        }
    }
}
