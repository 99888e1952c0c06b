package org.jcalico.felix.calc;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.jcalico.model.Cidr;
import org.jcalico.model.IpAddress;
import org.jcalico.model.WorkloadEndpoint;

/**
 * The addresses that left another node's endpoint since the last calculation: its record removed, or changed to hold
 * other addresses (an endpoint of the same node and id that kept an address keeps it). This node's tracked connections
 * with such an address were accepted by a local endpoint's policy for the old holder; the address's next holder (IPAM
 * hands it out again, often at once on the same node) would get them as established, past that policy
 * (docs/dataplane.md, "Session 64 (t-reuse)"). Found from the endpoints that came and went (ListChanges, shared with
 * the calculation's other walks of them), so a change costs what it changes, never a walk of the cluster's endpoints.
 * Single addresses only: a network a record claims is no endpoint's address (calc leaves such records out, and one
 * forged over the pools would otherwise cut every connection of the node at its removal).
 */
final class RemoteDepartures {
    private final ListChanges.Shared endpointChanges;
    private String node;
    /** The last calculation's endpoints; null before the first, which has nothing to compare. */
    private List<WorkloadEndpoint> last;

    RemoteDepartures(ListChanges.Shared endpointChanges) {
        this.endpointChanges = endpointChanges;
    }

    /** An endpoint's identity: its record's key. */
    private record Key(String node, String endpointId) {
        static Key of(WorkloadEndpoint endpoint) {
            return new Key(endpoint.node(), endpoint.endpointId());
        }
    }

    /** The addresses that left another node's endpoint between the last call's snapshot and SNAPSHOT, in order. */
    Set<IpAddress> of(Snapshot snapshot) {
        List<WorkloadEndpoint> before = last;
        last = snapshot.endpoints();
        if (before == null || !snapshot.node().equals(node)) {
            node = snapshot.node();
            return Set.of();
        }
        List<WorkloadEndpoint> came = new ArrayList<>();
        List<WorkloadEndpoint> gone = new ArrayList<>();
        endpointChanges.compare(before, snapshot.endpoints(), came, gone);
        Map<Key, Set<Cidr>> kept = new HashMap<>();
        for (WorkloadEndpoint endpoint : came) {
            kept.computeIfAbsent(Key.of(endpoint), key -> new HashSet<>()).addAll(endpoint.nets());
        }
        Set<IpAddress> departed = new TreeSet<>();
        for (WorkloadEndpoint endpoint : gone) {
            if (endpoint.node().equals(node)) {
                continue;
            }
            Set<Cidr> stays = kept.getOrDefault(Key.of(endpoint), Set.of());
            for (Cidr net : endpoint.nets()) {
                if (net.prefixLength() == net.network().bits() && !stays.contains(net)) {
                    departed.add(net.network());
                }
            }
        }
        return departed;
    }
}
