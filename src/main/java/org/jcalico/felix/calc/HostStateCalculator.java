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
import org.jcalico.model.Cidr;
import org.jcalico.model.Direction;
import org.jcalico.model.EntityMatch;
import org.jcalico.model.FelixConfiguration.EndpointToHostAction;
import org.jcalico.model.IpPool;
import org.jcalico.model.Profile;
import org.jcalico.model.Rule;
import org.jcalico.model.WorkloadEndpoint;

/** The pure heart of the agent: a snapshot of the cluster in, the desired state of this host's kernel out. */
public final class HostStateCalculator {
    private static final String FILTER = "filter";
    private static final String NAT = "nat";
    private static final List<Integer> ICMPV6_NEIGHBOUR_DISCOVERY = List.of(133, 135, 136);

    private HostStateCalculator() {
    }

    public static HostState calculate(Snapshot snapshot) {
        List<WorkloadEndpoint> local = snapshot.localEndpoints().stream()
                .sorted(java.util.Comparator.comparing(WorkloadEndpoint::interfaceName)).toList();
        Set<String> usedProfiles = new TreeSet<>();
        local.forEach(endpoint -> usedProfiles.addAll(endpoint.profileIds()));
        Set<String> usedTags = tagsUsedBy(usedProfiles, snapshot.profiles());
        Map<String, IpSetSpec> sets = tagSets(snapshot.endpoints(), snapshot.profiles(), usedTags);
        sets.putAll(poolSets(snapshot.pools()));
        Set<RouteSpec> routes = routes(local);
        // traffic to a free address of a local block fails at once instead of following the default route
        snapshot.localBlocks().forEach(block -> routes.add(new RouteSpec(block.cidr(), RouteSpec.Type.UNREACHABLE, null)));
        return new HostState(
                iptables(snapshot, local, usedProfiles, 4),
                iptables(snapshot, local, usedProfiles, 6),
                sets,
                routes,
                interfaces(local));
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

    private static IptablesState iptables(Snapshot snapshot, List<WorkloadEndpoint> local, Set<String> usedProfiles,
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

        // Dispatch is a two-level tree keyed by the interface name's first character after the prefix: adding an
        // endpoint rewrites one small leaf, and a packet passes at most 16 + N/16 rules instead of N.
        String interfacePrefix = snapshot.config().interfacePrefix();
        Map<Character, List<String>> fromLeaves = new java.util.TreeMap<>();
        Map<Character, List<String>> toLeaves = new java.util.TreeMap<>();
        for (WorkloadEndpoint endpoint : local) {
            String iface = endpoint.interfaceName();
            char key = iface.length() > interfacePrefix.length() ? iface.charAt(interfacePrefix.length()) : '_';
            List<String> from = fromLeaves.computeIfAbsent(key, k -> new ArrayList<>());
            for (Cidr net : endpoint.nets(version)) {
                from.add("-i " + iface + " -s " + net + " -g " + DataplaneNames.fromEndpoint(iface));
            }
            toLeaves.computeIfAbsent(key, k -> new ArrayList<>()).add("-o " + iface + " -g " + DataplaneNames.toEndpoint(iface));
            add(chains, DataplaneNames.fromEndpoint(iface), endpointChain(endpoint, Direction.OUTBOUND));
            add(chains, DataplaneNames.toEndpoint(iface), endpointChain(endpoint, Direction.INBOUND));
        }
        List<String> fromDispatch = new ArrayList<>();
        List<String> toDispatch = new ArrayList<>();
        fromLeaves.forEach((key, rules) -> {
            fromDispatch.add("-i " + interfacePrefix + key + "+ -g " + DataplaneNames.fromDispatch(key));
            rules.add("-j DROP");
            add(chains, DataplaneNames.fromDispatch(key), rules);
        });
        toLeaves.forEach((key, rules) -> {
            toDispatch.add("-o " + interfacePrefix + key + "+ -g " + DataplaneNames.toDispatch(key));
            rules.add("-j DROP");
            add(chains, DataplaneNames.toDispatch(key), rules);
        });
        fromDispatch.add("-j DROP");
        toDispatch.add("-j DROP");
        add(chains, DataplaneNames.FROM_DISPATCH, fromDispatch);
        add(chains, DataplaneNames.TO_DISPATCH, toDispatch);

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

    private static List<String> endpointChain(WorkloadEndpoint endpoint, Direction direction) {
        List<String> rules = new ArrayList<>(List.of(
                "-m conntrack --ctstate INVALID -j DROP",
                "-m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT",
                "-j MARK --set-xmark 0x0/" + RuleRenderer.ACCEPT_BIT));
        for (String profile : endpoint.profileIds()) {
            rules.add("-j " + DataplaneNames.profile(profile, direction));
            rules.add("-m mark --mark " + RuleRenderer.ACCEPT_MARK + " -j RETURN");
        }
        rules.add("-j DROP");
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

    /** For each tag a local rule uses: the addresses of every endpoint in the cluster whose profiles carry it. */
    private static Map<String, IpSetSpec> tagSets(List<WorkloadEndpoint> endpoints, Map<String, Profile> profiles,
                                                  Set<String> usedTags) {
        Map<String, Set<String>> tagsOfProfile = new HashMap<>();
        profiles.forEach((name, profile) -> tagsOfProfile.put(name, new HashSet<>(profile.tags())));
        Map<String, Set<String>> members = new HashMap<>();
        for (String tag : usedTags) {
            for (int version : List.of(4, 6)) {
                members.put(DataplaneNames.tagSet(tag, version), new HashSet<>());
            }
        }
        for (WorkloadEndpoint endpoint : endpoints) {
            for (String profile : endpoint.profileIds()) {
                for (String tag : tagsOfProfile.getOrDefault(profile, Set.of())) {
                    if (usedTags.contains(tag)) {
                        endpoint.ipv4Nets().forEach(net -> members.get(DataplaneNames.tagSet(tag, 4)).add(net.toString()));
                        endpoint.ipv6Nets().forEach(net -> members.get(DataplaneNames.tagSet(tag, 6)).add(net.toString()));
                    }
                }
            }
        }
        Map<String, IpSetSpec> sets = new TreeMap<>();
        for (String tag : usedTags) {
            for (int version : List.of(4, 6)) {
                String name = DataplaneNames.tagSet(tag, version);
                sets.put(name, new IpSetSpec(name, version, members.get(name)));
            }
        }
        return sets;
    }

    private static Set<RouteSpec> routes(List<WorkloadEndpoint> local) {
        Set<RouteSpec> routes = new HashSet<>();
        for (WorkloadEndpoint endpoint : local) {
            endpoint.nets().forEach(net -> routes.add(RouteSpec.toInterface(net, endpoint.interfaceName())));
        }
        return routes;
    }

    private static Set<EndpointInterface> interfaces(List<WorkloadEndpoint> local) {
        Set<EndpointInterface> interfaces = new HashSet<>();
        for (WorkloadEndpoint endpoint : local) {
            interfaces.add(new EndpointInterface(endpoint.interfaceName(), !endpoint.ipv4Nets().isEmpty(),
                    !endpoint.ipv6Nets().isEmpty()));
        }
        return interfaces;
    }

    private static void add(Map<String, Chain> chains, String name, List<String> rules) {
        chains.put(name, new Chain(name, rules));
    }
}
