package org.jcalico.felix;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
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
    /** The version of the local endpoints the last report was written whole for; -1: the next report looks at all. */
    private long reportedVersion = -1;
    /** The last report's inputs, to tell which endpoints' status may have changed since. */
    private Map<String, String> reportedFailures = Map.of();
    private Map<String, String> reportedNotes = Map.of();
    private Set<String> reportedWithheld = Set.of();

    StatusReporter(ResourceStore store, String node) {
        this.store = store;
        this.node = node;
    }

    /**
     * What this node's agents reported, as the next report's starting point. A record of this node's status that does
     * not read (another version's state or field, a record cut short) is this node's agent's to write: it is removed,
     * guarded by its revision, and the endpoint's status, if the endpoint is still here, written afresh by the next
     * report. Before, the load failed, and the agent's start retried it for ever, programming no change meanwhile.
     * Returns the keys of the records removed.
     */
    List<String> load() {
        dropLegacyStatus();
        written.clear();
        reportedVersion = -1;
        ResourceStore.Surveyed<EndpointStatus> surveyed = store.survey(EndpointStatus.class,
                Keys.nodePrefix(EndpointStatus.class, node));
        for (Versioned<EndpointStatus> status : surveyed.items()) {
            written.put(status.resource().endpointId(), status);
        }
        commitInParts(surveyed.unreadable().stream().<Op>map(record -> new Op.Delete(record.key(), record.revision())).toList());
        return surveyed.unreadable().stream().map(ResourceStore.Unreadable::key).toList();
    }

    /**
     * Removes what an agent of an earlier version reported under ROOT ({@link Keys#LEGACY_STATUS}), where every agent
     * would list it at each start; this node's alone, since each agent writes only its own status.
     */
    private void dropLegacyStatus() {
        commitInParts(store.datastore().list(Keys.LEGACY_STATUS + node + "/").items().stream()
                .<Op>map(item -> new Op.Delete(item.key(), item.modRevision())).toList());
    }

    private void commitInParts(List<Op> ops) {
        for (int from = 0; from < ops.size(); from += MAX_OPS) {
            store.commit(ops.subList(from, Math.min(from + MAX_OPS, ops.size())));
        }
    }

    /**
     * Writes the status of the endpoints whose status may have changed since the last report: those that came or went
     * at LOCAL's last update, and those whose failure, note or withholding changed; every endpoint, and every status
     * written, after a {@link #load}, a report that failed, or an update of LOCAL that no report saw. What is written
     * is what a report of every endpoint would write (StatusReporterTest), at the cost of what changed, not of a walk
     * of every local endpoint at each pass (docs/agent.md, "Session 54 (p-pass)").
     *
     * @param failures endpoint id to the reason it is not (fully) programmed
     * @param notes endpoint id to what a user should know of an endpoint programmed (what is not yet advertised)
     * @param withheld ids of endpoints whose report waits: nothing of theirs is written or removed now
     * @return the endpoints reported programmed here for the first time (no status of their record was written before)
     */
    List<WorkloadEndpoint> report(LocalEndpoints local, Map<String, String> failures, Map<String, String> notes,
                                  Set<String> withheld) {
        Set<String> concerned = new HashSet<>();
        if (reportedVersion < 0 || local.version() > reportedVersion + 1) {
            concerned.addAll(local.ids());
            concerned.addAll(written.keySet());
        } else {
            if (local.version() == reportedVersion + 1) {
                local.came().forEach(endpoint -> concerned.add(endpoint.endpointId()));
                local.gone().forEach(endpoint -> concerned.add(endpoint.endpointId()));
            }
            changed(reportedFailures, failures, concerned);
            changed(reportedNotes, notes, concerned);
            changed(asMap(reportedWithheld), asMap(withheld), concerned);
        }
        reportedVersion = -1; // until this report is written whole
        List<WorkloadEndpoint> first = new ArrayList<>();
        List<Write> writes = new ArrayList<>();
        for (String id : concerned) {
            Versioned<EndpointStatus> previous = written.get(id);
            if (!local.has(id)) {
                if (previous != null) {
                    writes.add(new Write(id, null, ResourceStore.deleteOp(previous.resource(), previous.revision())));
                }
                continue;
            }
            if (withheld.contains(id)) {
                continue;
            }
            String failure = failures.get(id);
            EndpointStatus.State state = failure == null ? EndpointStatus.State.programmed : EndpointStatus.State.failed;
            String detail = failure == null ? notes.get(id) : failure;
            for (WorkloadEndpoint endpoint : local.withId(id)) {
                // a report of an earlier record of the id (one undone and written again) says nothing of this one
                boolean about = previous != null && previous.resource().isAbout(endpoint);
                if (about && previous.resource().state() == state && Objects.equals(previous.resource().detail(), detail)) {
                    continue;
                }
                if (!about && state == EndpointStatus.State.programmed) {
                    first.add(endpoint);
                }
                EndpointStatus status = new EndpointStatus(node, id, state, detail, System.currentTimeMillis(),
                        endpoint.createdAtMillis());
                writes.add(new Write(id, status, ResourceStore.putOp(status)));
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
        reportedVersion = local.version();
        reportedFailures = Map.copyOf(failures);
        reportedNotes = Map.copyOf(notes);
        reportedWithheld = Set.copyOf(withheld);
        return first;
    }

    /** Adds to INTO the keys whose values differ between BEFORE and AFTER. */
    private static void changed(Map<String, ?> before, Map<String, ?> after, Set<String> into) {
        if (before == after) {
            return;
        }
        before.forEach((key, value) -> {
            if (!value.equals(after.get(key))) {
                into.add(key);
            }
        });
        after.forEach((key, value) -> {
            if (!before.containsKey(key)) {
                into.add(key);
            }
        });
    }

    private static Map<String, Boolean> asMap(Set<String> ids) {
        Map<String, Boolean> map = new HashMap<>();
        ids.forEach(id -> map.put(id, Boolean.TRUE));
        return map;
    }

    /** One endpoint's status written ({@code status}), or removed (null), by one operation. */
    private record Write(String endpointId, EndpointStatus status, Op op) {
    }
}
