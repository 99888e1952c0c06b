package org.jcalico.felix.calc;

import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Set;
import org.jcalico.model.WorkloadEndpoint;
import org.jcalico.util.PersistentSortedMap;

/**
 * The snapshot's endpoints of this node, ordered by interface, kept between calculations, and which of them came and
 * went since the last: filtering 100,000 endpoints by node on every change read every endpoint object (a millisecond,
 * a tenth of a policy change's calc), where finding the few that came and went (ListChanges) compares references
 * only. They are kept by interface in a persistent map, so an endpoint's arrival costs its own place, not a copy of
 * the thousand others (docs/dataplane.md, "One endpoint added to 1,000, session 36"). Two endpoints with one interface
 * (a broken cluster, which calc fails closed on) keep the snapshot's order between them, so then they are taken from
 * the snapshot again, as long as it lasts.
 */
final class LocalSelection {
    private static final Comparator<WorkloadEndpoint> BY_INTERFACE = Comparator.comparing(WorkloadEndpoint::interfaceName);
    private String node;
    private List<WorkloadEndpoint> lastAll = List.of();
    private final Set<WorkloadEndpoint> local = Collections.newSetFromMap(new IdentityHashMap<>());
    /** The local endpoints by interface; null while two share an interface. */
    private PersistentSortedMap<String, WorkloadEndpoint> byInterface = PersistentSortedMap.empty();
    /** The endpoints' comparison, shared with the calculation's other walks of them (ListChanges.Shared). */
    private final ListChanges.Shared endpointChanges;

    LocalSelection() {
        this(new ListChanges.Shared());
    }

    LocalSelection(ListChanges.Shared endpointChanges) {
        this.endpointChanges = endpointChanges;
    }

    /**
     * This node's endpoints of a snapshot, and how they differ from the last call's.
     *
     * @param came        those that were not local endpoints at the last call (every one after a change of node)
     * @param gone        those that were and are no longer
     * @param duplicated  whether two of them have one interface (then {@link #ordered} is the snapshot's order between
     *                    them)
     */
    record Selection(List<WorkloadEndpoint> came, List<WorkloadEndpoint> gone, boolean duplicated,
                     PersistentSortedMap<String, WorkloadEndpoint> byInterface, List<WorkloadEndpoint> snapshotOrder) {
        /** Every local endpoint, ordered by interface: a walk of them all, for a calculation that needs them all. */
        List<WorkloadEndpoint> ordered() {
            return duplicated ? snapshotOrder : List.copyOf(byInterface.values());
        }
    }

    Selection of(Snapshot snapshot) {
        if (!snapshot.node().equals(node)) {
            node = snapshot.node();
            lastAll = List.of();
            List<WorkloadEndpoint> gone = new ArrayList<>(local);
            local.clear();
            byInterface = PersistentSortedMap.empty();
            Selection change = change(snapshot, List.copyOf(snapshot.endpoints()), List.of());
            return new Selection(change.came(), gone, change.duplicated(), change.byInterface(), change.snapshotOrder());
        }
        List<WorkloadEndpoint> added = new ArrayList<>();
        List<WorkloadEndpoint> gone = new ArrayList<>();
        endpointChanges.compare(lastAll, snapshot.endpoints(), added, gone);
        return change(snapshot, added, gone);
    }

    private Selection change(Snapshot snapshot, List<WorkloadEndpoint> added, List<WorkloadEndpoint> gone) {
        lastAll = snapshot.endpoints();
        List<WorkloadEndpoint> goneLocal = new ArrayList<>();
        for (WorkloadEndpoint endpoint : gone) {
            if (local.remove(endpoint)) {
                goneLocal.add(endpoint);
                if (byInterface != null) {
                    byInterface = byInterface.without(endpoint.interfaceName());
                }
            }
        }
        List<WorkloadEndpoint> cameLocal = new ArrayList<>();
        for (WorkloadEndpoint endpoint : added) {
            if (endpoint.node().equals(node) && local.add(endpoint)) {
                cameLocal.add(endpoint);
                if (byInterface != null) {
                    byInterface = byInterface.containsKey(endpoint.interfaceName()) ? null
                            : byInterface.with(endpoint.interfaceName(), endpoint);
                }
            }
        }
        if (byInterface == null && (!goneLocal.isEmpty() || !cameLocal.isEmpty())) {
            // two shared an interface: whether two still do is known only from all of them
            PersistentSortedMap<String, WorkloadEndpoint> all = PersistentSortedMap.empty();
            for (WorkloadEndpoint endpoint : local) {
                if (all.containsKey(endpoint.interfaceName())) {
                    all = null;
                    break;
                }
                all = all.with(endpoint.interfaceName(), endpoint);
            }
            byInterface = all;
        }
        List<WorkloadEndpoint> snapshotOrder = byInterface != null ? null
                : snapshot.localEndpoints().stream().sorted(BY_INTERFACE).toList();
        return new Selection(cameLocal, goneLocal, byInterface == null, byInterface, snapshotOrder);
    }
}
