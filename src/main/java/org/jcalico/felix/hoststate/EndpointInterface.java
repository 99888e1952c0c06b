package org.jcalico.felix.hoststate;

/**
 * The host side of an endpoint's veth as it must be configured: up, answering ARP (proxy_arp) for IPv4, forwarding,
 * and not accepting router advertisements for IPv6.
 *
 * @param isolated whether the endpoint is isolated (its state not active): the rules drop the host's own packets to it
 *                 (jc-OUTPUT), so its link comes up only once they are in (docs/dataplane.md, "The cold start's order")
 */
public record EndpointInterface(String name, boolean ipv4, boolean ipv6, boolean isolated) {
    /** An endpoint's interface that is not isolated. */
    public EndpointInterface(String name, boolean ipv4, boolean ipv6) {
        this(name, ipv4, ipv6, false);
    }
}
