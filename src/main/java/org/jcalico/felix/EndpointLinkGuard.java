package org.jcalico.felix;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.Supplier;
import org.jcalico.felix.calc.Snapshot;
import org.jcalico.log.Log;
import org.jcalico.model.WorkloadEndpoint;

/**
 * Keeps the agent's hands off the host's own links. An endpoint record names the host side of its veth, and the agent
 * configures that link (proxy ARP, up), routes the endpoint's addresses through it and puts its traffic behind the
 * endpoint's policy. A record naming this node that someone else wrote (another node, an admin's `etcdctl put`) may
 * name the uplink or the loopback instead: the agent would then answer ARP on the uplink for every address it routes,
 * send the record's address out through it and filter the uplink's traffic. A link that holds an address of the host
 * (IPv4, or IPv6 wider than the link: the uplink, the loopback, a bridge) is never an endpoint's, whose host side holds
 * none; a local endpoint naming one is left out of what the agent programs (its addresses in no set either), and reported (docs/datastore.md, "Session
 * 48 (a-rec)"). A link found without such an address is not asked about again until the next full pass, so that a
 * pass asks the kernel only when a local endpoint's link is new.
 */
final class EndpointLinkGuard {
    private final Supplier<Set<String>> addressedLinks;
    private final Log log;
    /** Links of local endpoints found to hold no address of the host since the last full pass. */
    private Set<String> cleared = new HashSet<>();
    /** The endpoints left out, by id, with why. */
    private Map<String, String> refused = Map.of();

    EndpointLinkGuard(Supplier<Set<String>> addressedLinks, Log log) {
        this.addressedLinks = addressedLinks;
        this.log = log;
    }

    /** The snapshot without the local endpoints that name a link of the host's own. */
    Snapshot apply(Snapshot snapshot, boolean full) {
        if (full) {
            cleared = new HashSet<>();
        }
        List<WorkloadEndpoint> local = snapshot.localEndpoints();
        boolean unchecked = false;
        for (WorkloadEndpoint endpoint : local) {
            unchecked |= !cleared.contains(endpoint.interfaceName());
        }
        if (!unchecked) {
            refused = Map.of();
            return snapshot;
        }
        Set<String> addressed = addressedLinks.get();
        Map<String, String> now = new TreeMap<>();
        List<WorkloadEndpoint> leftOut = new ArrayList<>();
        for (WorkloadEndpoint endpoint : local) {
            if (addressed.contains(endpoint.interfaceName())) {
                now.put(endpoint.endpointId(), "endpoint " + endpoint.endpointId() + " names interface '"
                        + endpoint.interfaceName() + "', which holds an address of this host (its uplink, loopback or a"
                        + " bridge), never an endpoint's: left alone, the endpoint not programmed");
                leftOut.add(endpoint);
            } else {
                cleared.add(endpoint.interfaceName());
            }
        }
        now.forEach((endpoint, reason) -> {
            if (!reason.equals(refused.get(endpoint))) {
                log.error(reason);
            }
        });
        refused = now;
        return now.isEmpty() ? snapshot : snapshot.without(leftOut);
    }

    /** Why local endpoints are left out, or null when none is. */
    String problem() {
        return refused.isEmpty() ? null : String.join("; ", refused.values());
    }
}
