package org.jcalico.felix;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
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
    /**
     * etcd takes at most 128 operations in one transaction unless told otherwise (--max-txn-ops), so a pass's status
     * is committed in transactions of at most this many: each endpoint's status is one operation, written whole.
     */
    private static final int MAX_OPS = 128;
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
        for (int from = 0; from < ops.size(); from += MAX_OPS) {
            store.commit(ops.subList(from, Math.min(from + MAX_OPS, ops.size())));
        }
    }

    /**
     * @param failures endpoint id to the reason it is not (fully) programmed
     * @param notes endpoint id to what a user should know of an endpoint programmed (what is not yet advertised)
     * @param withheld ids of endpoints whose report waits: nothing of theirs is written or removed now
     * @return the endpoints reported programmed here for the first time (no status of theirs was written before)
     */
    List<WorkloadEndpoint> report(List<WorkloadEndpoint> local, Map<String, String> failures, Map<String, String> notes,
                                  Set<String> withheld) {
        List<WorkloadEndpoint> first = new ArrayList<>();
        List<Write> writes = new ArrayList<>();
        Map<String, Boolean> present = new HashMap<>();
        for (WorkloadEndpoint endpoint : local) {
            present.put(endpoint.endpointId(), true);
            if (withheld.contains(endpoint.endpointId())) {
                continue;
            }
            String failure = failures.get(endpoint.endpointId());
            EndpointStatus.State state = failure == null ? EndpointStatus.State.programmed : EndpointStatus.State.failed;
            String detail = failure == null ? notes.get(endpoint.endpointId()) : failure;
            Versioned<EndpointStatus> previous = written.get(endpoint.endpointId());
            if (previous != null && previous.resource().state() == state && Objects.equals(previous.resource().detail(), detail)) {
                continue;
            }
            if (previous == null && state == EndpointStatus.State.programmed) {
                first.add(endpoint);
            }
            EndpointStatus status = new EndpointStatus(node, endpoint.endpointId(), state, detail, System.currentTimeMillis());
            writes.add(new Write(endpoint.endpointId(), status, ResourceStore.putOp(status)));
        }
        for (Versioned<EndpointStatus> status : written.values()) {
            if (!present.containsKey(status.resource().endpointId())) {
                writes.add(new Write(status.resource().endpointId(), null,
                        ResourceStore.deleteOp(status.resource(), status.revision())));
            }
        }
        for (int from = 0; from < writes.size(); from += MAX_OPS) {
            List<Write> batch = writes.subList(from, Math.min(from + MAX_OPS, writes.size()));
            long revision = store.commit(batch.stream().map(Write::op).toList());
            for (Write write : batch) {
                if (write.status() == null) {
                    written.remove(write.endpointId());
                } else {
                    written.put(write.endpointId(), new Versioned<>(write.status(), revision));
                }
            }
        }
        return first;
    }

    /** One endpoint's status written ({@code status}), or removed (null), by one operation. */
    private record Write(String endpointId, EndpointStatus status, Op op) {
    }
}
