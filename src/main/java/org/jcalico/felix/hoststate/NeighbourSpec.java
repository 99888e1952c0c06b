package org.jcalico.felix.hoststate;

import org.jcalico.model.IpAddress;

/**
 * A permanent neighbour entry jcalico owns (tagged with {@link HostState#ROUTE_PROTOCOL}): a local endpoint's address
 * at its container side's MAC, on its host-side interface. The host then sends to the endpoint without asking ARP or
 * neighbour discovery first, as Calico's Felix writes a static ARP entry with each workload route that has a MAC.
 *
 * @param mac lower-case and colon-separated, as the endpoint record holds it
 */
public record NeighbourSpec(IpAddress address, String interfaceName, String mac) {
}
