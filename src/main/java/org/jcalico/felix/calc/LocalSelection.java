package org.jcalico.felix.calc;

import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Set;
import org.jcalico.model.WorkloadEndpoint;

/**
 * The snapshot's endpoints of this node, ordered by interface, kept between calculations: filtering 100,000 endpoints
 * by node on every change read every endpoint object (a millisecond, a tenth of a policy change's calc), where finding
 * the few that came and went (ListChanges) compares references only. The order is the one of {@code
 * Snapshot.localEndpoints()} sorted by interface name; two endpoints with one interface (a broken cluster, which
 * calc fails closed on) keep the snapshot's order between them, so then they are taken from the snapshot again.
 */
final class LocalSelection {
    private static final Comparator<WorkloadEndpoint> BY_INTERFACE = Comparator.comparing(WorkloadEndpoint::interfaceName);
    private String node;
    private List<WorkloadEndpoint> lastAll = List.of();
    private final Set<WorkloadEndpoint> local = Collections.newSetFromMap(new IdentityHashMap<>());
    /** The last answer, kept while no local endpoint comes or goes; null while two endpoints share an interface. */
    private List<WorkloadEndpoint> last;

    List<WorkloadEndpoint> of(Snapshot snapshot) {
        if (!snapshot.node().equals(node)) {
            node = snapshot.node();
            lastAll = List.of();
            local.clear();
            last = null;
        }
        List<WorkloadEndpoint> added = new ArrayList<>();
        List<WorkloadEndpoint> gone = new ArrayList<>();
        ListChanges.compare(lastAll, snapshot.endpoints(), added, gone);
        lastAll = snapshot.endpoints();
        Set<WorkloadEndpoint> goneLocal = Collections.newSetFromMap(new IdentityHashMap<>());
        for (WorkloadEndpoint endpoint : gone) {
            if (local.remove(endpoint)) {
                goneLocal.add(endpoint);
            }
        }
        List<WorkloadEndpoint> cameLocal = new ArrayList<>();
        for (WorkloadEndpoint endpoint : added) {
            if (endpoint.node().equals(node) && local.add(endpoint)) {
                cameLocal.add(endpoint);
            }
        }
        if (goneLocal.isEmpty() && cameLocal.isEmpty() && last != null) {
            return last;
        }
        // the last order with the few that went taken out and those that came put in their places: an endpoint's
        // arrival no longer sorts a thousand others
        List<WorkloadEndpoint> ordered = last != null ? new ArrayList<>(last) : null;
        last = null;
        if (ordered != null) {
            if (!goneLocal.isEmpty()) {
                ordered.removeIf(goneLocal::contains);
            }
            for (WorkloadEndpoint endpoint : cameLocal) {
                int at = Collections.binarySearch(ordered, endpoint, BY_INTERFACE);
                if (at >= 0) {
                    ordered = null;
                    break;
                }
                ordered.add(-at - 1, endpoint);
            }
        }
        if (ordered == null) {
            ordered = new ArrayList<>(local);
            ordered.sort(BY_INTERFACE);
            for (int i = 1; i < ordered.size(); i++) {
                if (ordered.get(i).interfaceName().equals(ordered.get(i - 1).interfaceName())) {
                    return snapshot.localEndpoints().stream().sorted(BY_INTERFACE).toList();
                }
            }
        }
        last = List.copyOf(ordered);
        return last;
    }
}
