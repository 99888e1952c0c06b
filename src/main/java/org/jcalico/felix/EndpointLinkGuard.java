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
import org.jcalico.model.Cidr;
import org.jcalico.model.WorkloadEndpoint;
import org.jcalico.util.Shown;

/**
 * Keeps the agent's hands off the host's own links. An endpoint record names the host side of its veth, and the agent
 * configures that link (proxy ARP, up), routes the endpoint's addresses through it and puts its traffic behind the
 * endpoint's policy. A record naming this node that someone else wrote (another node, an admin's `etcdctl put`) may
 * name the uplink or the loopback instead: the agent would then answer ARP on the uplink for every address it routes,
 * send the record's address out through it and filter the uplink's traffic. A link that holds an address of the host
 * (IPv4, or IPv6 wider than the link: the uplink, the loopback, a bridge) is never an endpoint's, whose host side holds
 * none; a local endpoint naming one is left out of what the agent programs (its addresses in no set either), and reported (docs/datastore.md, "Session
 * 48 (a-rec)"). A link found without such an address is not asked about again until the next full pass, so that a
 * pass asks the kernel only when a local endpoint's link is new. Likewise a local endpoint claiming more than single
 * addresses (0.0.0.0/1 routed to its veth would take all the host's traffic): no attach makes one.
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
        List<WorkloadEndpoint> local = snapshot.localEndpoints();
        if (full || cleared.size() > 2 * local.size() + 64) {
            // also bounded between full passes: endpoints come and go by the thousand
            cleared = new HashSet<>();
        }
        boolean unchecked = false;
        Map<String, String> now = new TreeMap<>();
        List<WorkloadEndpoint> leftOut = new ArrayList<>();
        for (WorkloadEndpoint endpoint : local) {
            unchecked |= !cleared.contains(endpoint.interfaceName());
            if (!singleAddresses(endpoint.ipv4Nets()) || !singleAddresses(endpoint.ipv6Nets())) {
                List<Cidr> wide = endpoint.nets().stream().filter(net -> !net.isHost()).toList();
                // an attach gives single addresses only (VethAttacher); a wider one routed to the veth takes the host's traffic
                now.put(endpoint.endpointId(), "endpoint " + endpoint.endpointId() + " claims " + Shown.names(wide)
                        + ", not single addresses as every attach gives: routed, they would take the host's own"
                        + " traffic; the endpoint not programmed");
                leftOut.add(endpoint);
            }
        }
        Set<String> addressed = unchecked ? addressedLinks.get() : Set.of();
        for (WorkloadEndpoint endpoint : unchecked ? local : List.<WorkloadEndpoint>of()) {
            if (now.containsKey(endpoint.endpointId())) {
                continue;
            }
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
        return leftOut.isEmpty() ? snapshot : snapshot.without(leftOut);
    }

    /** A loop, not a stream: asked of every local endpoint on every pass. */
    private static boolean singleAddresses(List<Cidr> nets) {
        for (Cidr net : nets) {
            if (!net.isHost()) {
                return false;
            }
        }
        return true;
    }

    /** Why local endpoints are left out, or null when none is. */
    String problem() {
        return refused.isEmpty() ? null : String.join("; ", refused.values());
    }
}
