package org.jcalico.felix.calc;

import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.jcalico.model.BgpConfiguration;
import org.jcalico.model.BgpPeer;
import org.jcalico.model.FelixConfiguration;
import org.jcalico.model.IpPool;
import org.jcalico.model.IpamBlock;
import org.jcalico.model.LabelledNets;
import org.jcalico.model.Namespace;
import org.jcalico.model.Node;
import org.jcalico.model.Policy;
import org.jcalico.model.Profile;
import org.jcalico.model.Tier;
import org.jcalico.model.WorkloadEndpoint;

/**
 * What one host's agent knows of the cluster at one moment: every endpoint (remote ones matter for tag and selector
 * membership), profiles by name, pools, the IPAM blocks affine to this node, what BGP needs (nodes, peers,
 * configuration), and the policy model: tiers, policies of both kinds (Calico's, and whatever a translator makes of
 * other kinds, e.g. Kubernetes NetworkPolicies as NetworkPolicy: whoever builds the snapshot adds them to
 * {@code policies}), network sets of both kinds, and namespaces by name.
 *
 * <p>{@code localEndpoints}, those of {@code endpoints} on {@code node}, is found once when the snapshot is made
 * (null: find them; only {@link #withConfig} and {@link #withPolicy} hand theirs on, for the same node and endpoints):
 * the guard, the agent, calc's local selection and BIRD's intent each asked for it, a filter of every endpoint of the
 * cluster each time, on every pass (docs/agent.md, "Where the start goes").
 *
 * <p>{@code unreadableRecords}: records the agent cannot read and has no earlier version of, and addresses two records
 * claim ({@link UnreadableRecord.Reach#CLAIMED}); calc keeps the local endpoints whose policy they could loosen dropped.
 */
public record Snapshot(String node, FelixConfiguration config, List<WorkloadEndpoint> endpoints,
                       Map<String, Profile> profiles, List<IpPool> pools, List<IpamBlock> localBlocks,
                       List<Node> nodes, List<BgpPeer> peers, BgpConfiguration bgp, List<Tier> tiers,
                       List<Policy> policies, List<LabelledNets> networkSets, Map<String, Namespace> namespaces,
                       List<WorkloadEndpoint> localEndpoints, List<UnreadableRecord> unreadableRecords) {
    public Snapshot {
        unreadableRecords = List.copyOf(unreadableRecords);
        nodes = List.copyOf(nodes);
        peers = List.copyOf(peers);
        endpoints = List.copyOf(endpoints);
        String own = node;
        localEndpoints = localEndpoints != null ? List.copyOf(localEndpoints)
                : endpoints.stream().filter(endpoint -> endpoint.node().equals(own)).toList();
        profiles = java.util.Collections.unmodifiableMap(new TreeMap<>(profiles));
        pools = List.copyOf(pools);
        localBlocks = List.copyOf(localBlocks);
        tiers = List.copyOf(tiers);
        policies = List.copyOf(policies);
        networkSets = List.copyOf(networkSets);
        namespaces = java.util.Collections.unmodifiableMap(new TreeMap<>(namespaces));
    }

    /** A snapshot whose local endpoints are LOCALENDPOINTS (null: found among ENDPOINTS), every policy readable. */
    public Snapshot(String node, FelixConfiguration config, List<WorkloadEndpoint> endpoints,
                    Map<String, Profile> profiles, List<IpPool> pools, List<IpamBlock> localBlocks,
                    List<Node> nodes, List<BgpPeer> peers, BgpConfiguration bgp, List<Tier> tiers,
                    List<Policy> policies, List<LabelledNets> networkSets, Map<String, Namespace> namespaces,
                    List<WorkloadEndpoint> localEndpoints) {
        this(node, config, endpoints, profiles, pools, localBlocks, nodes, peers, bgp, tiers, policies, networkSets,
                namespaces, localEndpoints, List.of());
    }

    /** A snapshot whose local endpoints are found among ENDPOINTS. */
    public Snapshot(String node, FelixConfiguration config, List<WorkloadEndpoint> endpoints,
                    Map<String, Profile> profiles, List<IpPool> pools, List<IpamBlock> localBlocks,
                    List<Node> nodes, List<BgpPeer> peers, BgpConfiguration bgp, List<Tier> tiers,
                    List<Policy> policies, List<LabelledNets> networkSets, Map<String, Namespace> namespaces) {
        this(node, config, endpoints, profiles, pools, localBlocks, nodes, peers, bgp, tiers, policies, networkSets,
                namespaces, null);
    }

    /** A snapshot with no BGP information and no policy model, for calculations that need neither. */
    public static Snapshot of(String node, FelixConfiguration config, List<WorkloadEndpoint> endpoints,
                              Map<String, Profile> profiles) {
        return new Snapshot(node, config, endpoints, profiles, List.of(), List.of(), List.of(), List.of(),
                BgpConfiguration.DEFAULTS, List.of(), List.of(), List.of(), Map.of());
    }

    /** The same snapshot with another configuration (everything else, the policy model too, as it is). */
    public Snapshot withConfig(FelixConfiguration newConfig) {
        return new Snapshot(node, newConfig, endpoints, profiles, pools, localBlocks, nodes, peers, bgp, tiers, policies,
                networkSets, namespaces, localEndpoints, unreadableRecords);
    }

    /** The same snapshot without these of its local endpoints (objects of {@link #localEndpoints}). */
    public Snapshot without(List<WorkloadEndpoint> leftOut) {
        java.util.Set<WorkloadEndpoint> out = java.util.Collections.newSetFromMap(new java.util.IdentityHashMap<>());
        out.addAll(leftOut);
        return new Snapshot(node, config, endpoints.stream().filter(endpoint -> !out.contains(endpoint)).toList(),
                profiles, pools, localBlocks, nodes, peers, bgp, tiers, policies, networkSets, namespaces,
                localEndpoints.stream().filter(endpoint -> !out.contains(endpoint)).toList(), unreadableRecords);
    }

    /** The same snapshot with this policy model. */
    public Snapshot withPolicy(List<Tier> newTiers, List<? extends Policy> newPolicies,
                               List<? extends LabelledNets> newNetworkSets, Map<String, Namespace> newNamespaces) {
        return new Snapshot(node, config, endpoints, profiles, pools, localBlocks, nodes, peers, bgp, newTiers,
                List.copyOf(newPolicies), List.copyOf(newNetworkSets), newNamespaces, localEndpoints, unreadableRecords);
    }
}
