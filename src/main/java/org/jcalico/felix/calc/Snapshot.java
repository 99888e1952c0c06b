package org.jcalico.felix.calc;

import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.jcalico.model.BgpConfiguration;
import org.jcalico.model.BgpPeer;
import org.jcalico.model.FelixConfiguration;
import org.jcalico.model.IpPool;
import org.jcalico.model.IpamBlock;
import org.jcalico.model.Node;
import org.jcalico.model.Profile;
import org.jcalico.model.WorkloadEndpoint;

/**
 * What one host's agent knows of the cluster at one moment: every endpoint (remote ones matter for tag membership),
 * profiles by name, pools, the IPAM blocks affine to this node, and what BGP needs: nodes, peers, configuration.
 */
public record Snapshot(String node, FelixConfiguration config, List<WorkloadEndpoint> endpoints,
                       Map<String, Profile> profiles, List<IpPool> pools, List<IpamBlock> localBlocks,
                       List<Node> nodes, List<BgpPeer> peers, BgpConfiguration bgp) {
    public Snapshot {
        nodes = List.copyOf(nodes);
        peers = List.copyOf(peers);
        endpoints = List.copyOf(endpoints);
        profiles = java.util.Collections.unmodifiableMap(new TreeMap<>(profiles));
        pools = List.copyOf(pools);
        localBlocks = List.copyOf(localBlocks);
    }

    /** A snapshot with no BGP information, for calculations that do not need it. */
    public static Snapshot of(String node, FelixConfiguration config, List<WorkloadEndpoint> endpoints,
                              Map<String, Profile> profiles) {
        return new Snapshot(node, config, endpoints, profiles, List.of(), List.of(), List.of(), List.of(),
                BgpConfiguration.DEFAULTS);
    }

    public List<WorkloadEndpoint> localEndpoints() {
        return endpoints.stream().filter(endpoint -> endpoint.node().equals(node)).toList();
    }
}
