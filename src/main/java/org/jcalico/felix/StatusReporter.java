package org.jcalico.felix;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.jcalico.datastore.Keys;
import org.jcalico.datastore.Op;
import org.jcalico.datastore.ResourceStore;
import org.jcalico.datastore.Versioned;
import org.jcalico.model.EndpointStatus;
import org.jcalico.model.WorkloadEndpoint;

/**
 * Tells the datastore what became of each of this node's endpoints, writing only what changed, and removing the
 * status of endpoints that are gone (which is how `container remove` learns the agent has cleaned up).
 */
final class StatusReporter {
    /** etcd takes at most 128 operations in one transaction unless told otherwise. */
    private static final int LEGACY_BATCH = 100;
    private final ResourceStore store;
    private final String node;
    private final Map<String, Versioned<EndpointStatus>> written = new HashMap<>();

    StatusReporter(ResourceStore store, String node) {
        this.store = store;
        this.node = node;
    }

    void load() {
        dropLegacyStatus();
        written.clear();
        for (Versioned<EndpointStatus> status : store.list(EndpointStatus.class, Keys.nodePrefix(EndpointStatus.class, node))) {
            written.put(status.resource().endpointId(), status);
        }
    }

    /**
     * Removes what an agent of an earlier version reported under ROOT ({@link Keys#LEGACY_STATUS}), where every agent
     * would list it at each start; this node's alone, since each agent writes only its own status.
     */
    private void dropLegacyStatus() {
        List<Op> ops = store.datastore().list(Keys.LEGACY_STATUS + node + "/").items().stream()
                .<Op>map(item -> new Op.Delete(item.key(), item.modRevision())).toList();
        for (int from = 0; from < ops.size(); from += LEGACY_BATCH) {
            store.commit(ops.subList(from, Math.min(from + LEGACY_BATCH, ops.size())));
        }
    }

    /**
     * @param failures endpoint id to the reason it is not (fully) programmed
     * @return the endpoints reported programmed here for the first time (no status of theirs was written before)
     */
    List<WorkloadEndpoint> report(List<WorkloadEndpoint> local, Map<String, String> failures) {
        List<Op> ops = new ArrayList<>();
        List<WorkloadEndpoint> first = new ArrayList<>();
        List<EndpointStatus> puts = new ArrayList<>();
        Map<String, Boolean> present = new HashMap<>();
        for (WorkloadEndpoint endpoint : local) {
            present.put(endpoint.endpointId(), true);
            String failure = failures.get(endpoint.endpointId());
            EndpointStatus.State state = failure == null ? EndpointStatus.State.programmed : EndpointStatus.State.failed;
            Versioned<EndpointStatus> previous = written.get(endpoint.endpointId());
            if (previous != null && previous.resource().state() == state && Objects.equals(previous.resource().detail(), failure)) {
                continue;
            }
            if (previous == null && state == EndpointStatus.State.programmed) {
                first.add(endpoint);
            }
            EndpointStatus status = new EndpointStatus(node, endpoint.endpointId(), state, failure, System.currentTimeMillis());
            puts.add(status);
            ops.add(ResourceStore.putOp(status));
        }
        List<String> gone = new ArrayList<>();
        for (Versioned<EndpointStatus> status : written.values()) {
            if (!present.containsKey(status.resource().endpointId())) {
                gone.add(status.resource().endpointId());
                ops.add(ResourceStore.deleteOp(status.resource(), status.revision()));
            }
        }
        if (ops.isEmpty()) {
            return first;
        }
        long revision = store.commit(ops);
        puts.forEach(status -> written.put(status.endpointId(), new Versioned<>(status, revision)));
        gone.forEach(written::remove);
        return first;
    }
}
