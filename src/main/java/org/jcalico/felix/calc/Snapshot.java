package org.jcalico.felix.calc;

import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.jcalico.model.FelixConfiguration;
import org.jcalico.model.IpPool;
import org.jcalico.model.IpamBlock;
import org.jcalico.model.Profile;
import org.jcalico.model.WorkloadEndpoint;

/**
 * What one host's agent knows of the cluster at one moment: every endpoint (remote ones matter for tag membership),
 * profiles by name, pools, and the IPAM blocks affine to this node.
 */
public record Snapshot(String node, FelixConfiguration config, List<WorkloadEndpoint> endpoints,
                       Map<String, Profile> profiles, List<IpPool> pools, List<IpamBlock> localBlocks) {
    public Snapshot {
        endpoints = List.copyOf(endpoints);
        profiles = java.util.Collections.unmodifiableMap(new TreeMap<>(profiles));
        pools = List.copyOf(pools);
        localBlocks = List.copyOf(localBlocks);
    }

    public List<WorkloadEndpoint> localEndpoints() {
        return endpoints.stream().filter(endpoint -> endpoint.node().equals(node)).toList();
    }
}
