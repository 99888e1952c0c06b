package org.jcalico.felix;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.Supplier;
import org.jcalico.felix.calc.ListChanges;
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
    /** The local endpoints of the last pass, for what came and went since. */
    private List<WorkloadEndpoint> last = List.of();
    /** The endpoints left out, with why. */
    private Map<WorkloadEndpoint, Refusal> refused = new IdentityHashMap<>();

    /** Why an endpoint is left out; a LINK refusal is looked at again on every pass, as the link may lose its address. */
    private record Refusal(String reason, boolean link) {
    }

    EndpointLinkGuard(Supplier<Set<String>> addressedLinks, Log log) {
        this.addressedLinks = addressedLinks;
        this.log = log;
    }

    /**
     * The snapshot without the local endpoints that name a link of the host's own. A full pass looks at every local
     * endpoint; any other at those that came since the last pass and those refused for their link, and asks the
     * kernel only when one of them names a link not cleared: an endpoint refused for its addresses stays so until its
     * record changes (it comes again as a new object), and one that went takes its refusal with it. So a pass costs
     * what changed, not a walk of every local endpoint (docs/agent.md, "Session 54 (p-pass)").
     */
    Snapshot apply(Snapshot snapshot, boolean full) {
        List<WorkloadEndpoint> local = snapshot.localEndpoints();
        if (full || cleared.size() > 2 * local.size() + 64) {
            // also bounded between full passes: endpoints come and go by the thousand
            cleared = new HashSet<>();
        }
        Map<WorkloadEndpoint, Refusal> now = new IdentityHashMap<>();
        List<WorkloadEndpoint> checked;
        if (full) {
            checked = local;
        } else {
            List<WorkloadEndpoint> came = new ArrayList<>();
            List<WorkloadEndpoint> gone = new ArrayList<>();
            ListChanges.compare(last, local, came, gone);
            now.putAll(refused);
            gone.forEach(now::remove);
            checked = came;
            refused.forEach((endpoint, refusal) -> {
                if (refusal.link() && now.remove(endpoint) != null) {
                    came.add(endpoint);
                }
            });
        }
        boolean unchecked = false;
        for (WorkloadEndpoint endpoint : checked) {
            unchecked |= !cleared.contains(endpoint.interfaceName());
            if (!singleAddresses(endpoint.ipv4Nets()) || !singleAddresses(endpoint.ipv6Nets())) {
                List<Cidr> wide = endpoint.nets().stream().filter(net -> !net.isHost()).toList();
                // an attach gives single addresses only (VethAttacher); a wider one routed to the veth takes the host's traffic
                now.put(endpoint, new Refusal("endpoint " + endpoint.endpointId() + " claims " + Shown.names(wide)
                        + ", not single addresses as every attach gives: routed, they would take the host's own"
                        + " traffic; the endpoint not programmed", false));
            }
        }
        Set<String> addressed = unchecked ? addressedLinks.get() : Set.of();
        for (WorkloadEndpoint endpoint : unchecked ? checked : List.<WorkloadEndpoint>of()) {
            if (now.containsKey(endpoint)) {
                continue;
            }
            if (addressed.contains(endpoint.interfaceName())) {
                now.put(endpoint, new Refusal("endpoint " + endpoint.endpointId() + " names interface '"
                        + endpoint.interfaceName() + "', which holds an address of this host (its uplink, loopback or a"
                        + " bridge), never an endpoint's: left alone, the endpoint not programmed", true));
            } else {
                cleared.add(endpoint.interfaceName());
            }
        }
        Map<String, String> before = new HashMap<>();
        refused.forEach((endpoint, refusal) -> before.put(endpoint.endpointId(), refusal.reason()));
        now.forEach((endpoint, refusal) -> {
            if (!refusal.reason().equals(before.get(endpoint.endpointId()))) {
                log.error(refusal.reason());
            }
        });
        refused = now;
        last = local;
        return now.isEmpty() ? snapshot : snapshot.without(List.copyOf(now.keySet()));
    }

    /** Whether the last pass left an endpoint out for the host's address its link held. */
    boolean refusesForAddressedLinks() {
        for (Refusal refusal : refused.values()) {
            if (refusal.link()) {
                return true;
            }
        }
        return false;
    }

    /**
     * Whether a link an endpoint was left out for holds no address of the host now (asked of the kernel): the next pass,
     * any, looks at it again and programs the endpoint, which before waited for the next datastore change or resync.
     */
    boolean refusedLinkFreed() {
        Set<String> addressed = addressedLinks.get();
        return refused.entrySet().stream()
                .anyMatch(refusal -> refusal.getValue().link() && !addressed.contains(refusal.getKey().interfaceName()));
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

    /** Why local endpoints are left out (by endpoint id), or null when none is. */
    String problem() {
        if (refused.isEmpty()) {
            return null;
        }
        Map<String, String> byId = new TreeMap<>();
        refused.forEach((endpoint, refusal) -> byId.put(endpoint.endpointId(), refusal.reason()));
        return String.join("; ", byId.values());
    }
}
