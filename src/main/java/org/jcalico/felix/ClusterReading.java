package org.jcalico.felix;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;
import org.jcalico.datastore.Datastore;
import org.jcalico.datastore.Keys;
import org.jcalico.datastore.Listing;
import org.jcalico.felix.calc.HostStateCalculator;
import org.jcalico.felix.calc.Snapshot;
import org.jcalico.felix.hoststate.HostState;
import org.jcalico.model.Resource;
import org.jcalico.model.ResourceCodec;
import org.jcalico.model.WorkloadEndpoint;
import org.jcalico.policy.PolicyCluster;

/**
 * The cluster as every agent reads it, listed from the datastore once at one revision, optionally with resources
 * put over it in memory (what `apply --dry-run` would write): any node's snapshot and desired host state, computed by
 * the agent's own cache and calculation, and the policy model's inputs. Reading never writes.
 */
public final class ClusterReading {
    private final Map<String, String> values;
    private final long revision;

    private ClusterReading(Map<String, String> values, long revision) {
        this.values = values;
        this.revision = revision;
    }

    public static ClusterReading of(Datastore datastore) {
        Listing listing = datastore.list(Keys.ROOT);
        Map<String, String> values = new TreeMap<>();
        listing.items().forEach(item -> values.put(item.key(), item.value()));
        return new ClusterReading(values, listing.revision());
    }

    /** The store's revision this reading was listed at. */
    public long revision() {
        return revision;
    }

    /** This reading with the resources created or replaced, as apply would store them. */
    public ClusterReading with(List<? extends Resource> resources) {
        Map<String, String> changed = new TreeMap<>(values);
        for (Resource resource : resources) {
            changed.put(Keys.key(resource), ResourceCodec.toJson(resource));
        }
        return new ClusterReading(changed, revision);
    }

    /** The snapshot the node's agent would hold; values it cannot read are left out, as the agent leaves them. */
    public Snapshot snapshot(String node) {
        ClusterCache cache = new ClusterCache(node);
        List<ClusterCache.Decoded> items = new ArrayList<>();
        values.forEach((key, value) -> {
            ClusterCache.Decoded item = ClusterCache.decode(key, value);
            if (item != null) {
                items.add(item);
            }
        });
        cache.replaceAll(items, new ArrayList<>());
        return cache.snapshot();
    }

    /** What the node's agent would program. */
    public HostState desiredState(String node) {
        return new HostStateCalculator().calculate(snapshot(node));
    }

    /** The nodes that have at least one endpoint, in name order. */
    public List<String> nodesWithEndpoints() {
        return List.copyOf(new TreeSet<>(snapshot("").endpoints().stream().map(WorkloadEndpoint::node).toList()));
    }

    /** The policy model's inputs, as every agent's calculation reads them: the same for every node. */
    public PolicyCluster policyCluster() {
        Snapshot snapshot = snapshot("");
        return new PolicyCluster(snapshot.endpoints(), snapshot.profiles(), snapshot.namespaces(), snapshot.tiers(),
                snapshot.policies(), snapshot.networkSets());
    }
}
