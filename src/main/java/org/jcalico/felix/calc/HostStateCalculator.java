package org.jcalico.felix.calc;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import org.jcalico.felix.hoststate.Chain;
import org.jcalico.felix.hoststate.EndpointInterface;
import org.jcalico.felix.hoststate.Hook;
import org.jcalico.felix.hoststate.HostState;
import org.jcalico.felix.hoststate.IpSetSpec;
import org.jcalico.felix.hoststate.IptablesState;
import org.jcalico.felix.hoststate.RouteSpec;
import org.jcalico.model.Direction;
import org.jcalico.model.EntityMatch;
import org.jcalico.model.FelixConfiguration.EndpointToHostAction;
import org.jcalico.model.IpPool;
import org.jcalico.model.Profile;
import org.jcalico.model.Rule;
import org.jcalico.model.WorkloadEndpoint;
import org.jcalico.util.Memo;

/**
 * The pure heart of the agent: a snapshot of the cluster in, the desired state of this host's kernel out. What it
 * derives from each local endpoint alone (its chains, routes, interface) and the members of the tag sets are kept
 * between calculations, keyed by the endpoint object: the agent's cache keeps an endpoint's object until the endpoint
 * changes, so adding one endpoint to a thousand derives only what the new one brings. The result is the same as a
 * calculation from nothing.
 */
public final class HostStateCalculator {
    private static final String FILTER = "filter";
    private static final String NAT = "nat";
    private static final List<Integer> ICMPV6_NEIGHBOUR_DISCOVERY = List.of(133, 135, 136);
    private final TagSets tagSets = new TagSets();
    private final Memo<WorkloadEndpoint, LocalEndpoint> locals = Memo.byIdentity(LocalEndpoint::of);

    public HostState calculate(Snapshot snapshot) {
        locals.nextRound();
        List<LocalEndpoint> local = snapshot.localEndpoints().stream().map(locals::get)
                .sorted(java.util.Comparator.comparing(LocalEndpoint::interfaceName)).toList();
        Set<String> usedProfiles = new TreeSet<>();
        local.forEach(endpoint -> usedProfiles.addAll(endpoint.profileIds()));
        Set<String> usedTags = tagsUsedBy(usedProfiles, snapshot.profiles());
        Map<String, IpSetSpec> sets = tagSets.calculate(snapshot.endpoints(), snapshot.profiles(), usedTags);
        sets.putAll(poolSets(snapshot.pools()));
        Set<RouteSpec> routes = new HashSet<>();
        local.forEach(endpoint -> routes.addAll(endpoint.routes()));
        // traffic to a free address of a local block fails at once instead of following the default route
        snapshot.localBlocks().forEach(block -> routes.add(new RouteSpec(block.cidr(), RouteSpec.Type.UNREACHABLE, null)));
        Set<EndpointInterface> interfaces = new HashSet<>();
        local.forEach(endpoint -> interfaces.add(endpoint.link()));
        return new HostState(
                iptables(snapshot, local, usedProfiles, 4),
                iptables(snapshot, local, usedProfiles, 6),
                sets,
                routes,
                interfaces,
                concerns(local, snapshot.profiles()));
    }

    /** Each local endpoint's own chains, its profiles' chains and the tag sets their rules match, to its interface. */
    private static Map<String, Set<String>> concerns(List<LocalEndpoint> local, Map<String, Profile> profiles) {
        Map<String, Set<String>> concerns = new HashMap<>();
        Map<String, Set<String>> tagsOf = new HashMap<>();
        for (LocalEndpoint endpoint : local) {
            List<String> objects = new ArrayList<>(List.of(endpoint.from().name(), endpoint.to().name()));
            for (String name : endpoint.profileIds()) {
                for (Direction direction : Direction.values()) {
                    objects.add(DataplaneNames.profile(name, direction));
                }
                for (String tag : tagsOf.computeIfAbsent(name, profile -> tagsUsedBy(Set.of(profile), profiles))) {
                    objects.add(DataplaneNames.tagSet(tag, 4));
                    objects.add(DataplaneNames.tagSet(tag, 6));
                }
            }
            objects.forEach(object -> concerns.computeIfAbsent(object, k -> new TreeSet<>()).add(endpoint.interfaceName()));
        }
        return concerns;
    }

    /** Endpoints whose profiles do not all exist; their missing profiles count as empty (everything dropped). */
    public static Map<String, List<String>> missingProfiles(Snapshot snapshot) {
        Map<String, List<String>> missing = new TreeMap<>();
        for (WorkloadEndpoint endpoint : snapshot.localEndpoints()) {
            List<String> absent = endpoint.profileIds().stream().filter(id -> !snapshot.profiles().containsKey(id)).toList();
            if (!absent.isEmpty()) {
                missing.put(endpoint.endpointId(), absent);
            }
        }
        return missing;
    }

    private static IptablesState iptables(Snapshot snapshot, List<LocalEndpoint> local, Set<String> usedProfiles,
                                          int version) {
        String prefix = snapshot.config().interfacePrefix() + "+";
        Map<String, Chain> chains = new LinkedHashMap<>();
        add(chains, DataplaneNames.INPUT, List.of("-i " + prefix + " -g " + DataplaneNames.WORKLOAD_TO_HOST));
        add(chains, DataplaneNames.FORWARD, List.of(
                "-i " + prefix + " -j " + DataplaneNames.FROM_DISPATCH,
                "-o " + prefix + " -j " + DataplaneNames.TO_DISPATCH,
                "-i " + prefix + " -j ACCEPT",
                "-o " + prefix + " -j ACCEPT"));
        add(chains, DataplaneNames.WORKLOAD_TO_HOST, workloadToHost(snapshot.config().defaultEndpointToHostAction(), version));

        String interfacePrefix = snapshot.config().interfacePrefix();
        DispatchTree from = new DispatchTree(DataplaneNames.FROM_DISPATCH, DataplaneNames::fromDispatch, "-i", interfacePrefix);
        DispatchTree to = new DispatchTree(DataplaneNames.TO_DISPATCH, DataplaneNames::toDispatch, "-o", interfacePrefix);
        for (LocalEndpoint endpoint : local) {
            from.add(endpoint.interfaceName(), endpoint.fromDispatch(version));
            to.add(endpoint.interfaceName(), List.of(endpoint.toDispatch()));
            chains.put(endpoint.from().name(), endpoint.from());
            chains.put(endpoint.to().name(), endpoint.to());
        }
        from.addTo(chains);
        to.addTo(chains);

        for (String name : usedProfiles) {
            Profile profile = snapshot.profiles().get(name);
            for (Direction direction : Direction.values()) {
                add(chains, DataplaneNames.profile(name, direction),
                        profile == null ? List.of() : RuleRenderer.profileChain(profile, direction, version));
            }
        }
        List<Hook> hooks = List.of(
                new Hook(FILTER, "INPUT", "-j " + DataplaneNames.INPUT),
                new Hook(FILTER, "FORWARD", "-j " + DataplaneNames.FORWARD),
                new Hook(NAT, "POSTROUTING", "-j " + DataplaneNames.POSTROUTING));
        Map<String, Chain> nat = Map.of(DataplaneNames.POSTROUTING, new Chain(DataplaneNames.POSTROUTING, natRules(snapshot.pools(), version)));
        return new IptablesState(version, Map.of(FILTER, chains, NAT, nat), hooks);
    }

    /**
     * Traffic from a natOutgoing pool to anywhere outside every pool leaves with the host's address; traffic between
     * pools keeps its endpoint addresses.
     */
    private static List<String> natRules(List<IpPool> pools, int version) {
        if (pools.stream().noneMatch(pool -> pool.natOutgoing() && pool.cidr().version() == version)) {
            return List.of();
        }
        return List.of("-m set --match-set " + DataplaneNames.natPoolsSet(version) + " src -m set ! --match-set "
                + DataplaneNames.allPoolsSet(version) + " dst -j MASQUERADE");
    }

    private static Map<String, IpSetSpec> poolSets(List<IpPool> pools) {
        Map<String, IpSetSpec> sets = new TreeMap<>();
        for (int version : List.of(4, 6)) {
            Set<String> all = new TreeSet<>();
            Set<String> nat = new TreeSet<>();
            for (IpPool pool : pools) {
                if (pool.cidr().version() == version) {
                    all.add(pool.cidr().toString());
                    if (pool.natOutgoing()) {
                        nat.add(pool.cidr().toString());
                    }
                }
            }
            sets.put(DataplaneNames.allPoolsSet(version), new IpSetSpec(DataplaneNames.allPoolsSet(version), version, all));
            sets.put(DataplaneNames.natPoolsSet(version), new IpSetSpec(DataplaneNames.natPoolsSet(version), version, nat));
        }
        return sets;
    }

    private static List<String> workloadToHost(EndpointToHostAction action, int version) {
        List<String> rules = new ArrayList<>();
        if (version == 6) {
            ICMPV6_NEIGHBOUR_DISCOVERY.forEach(type -> rules.add("-p ipv6-icmp -m icmp6 --icmpv6-type " + type + " -j ACCEPT"));
        }
        rules.add("-m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT");
        if (action == EndpointToHostAction.ACCEPT) {
            rules.add("-j " + DataplaneNames.FROM_DISPATCH);
            rules.add("-j ACCEPT");
        } else {
            rules.add("-j DROP");
        }
        return rules;
    }

    private static Set<String> tagsUsedBy(Set<String> profileNames, Map<String, Profile> profiles) {
        Set<String> tags = new TreeSet<>();
        for (String name : profileNames) {
            Profile profile = profiles.get(name);
            if (profile == null) {
                continue;
            }
            for (Direction direction : Direction.values()) {
                for (Rule rule : profile.rules(direction)) {
                    addTag(tags, rule.source());
                    addTag(tags, rule.destination());
                }
            }
        }
        return tags;
    }

    private static void addTag(Set<String> tags, EntityMatch match) {
        if (match.tag() != null) {
            tags.add(match.tag());
        }
    }

    private static void add(Map<String, Chain> chains, String name, List<String> rules) {
        chains.put(name, new Chain(name, rules));
    }
}
