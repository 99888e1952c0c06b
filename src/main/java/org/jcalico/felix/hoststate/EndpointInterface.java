package org.jcalico.felix.hoststate;

import java.util.Objects;

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

    // The generated equals and hashCode (its value too), written out: a cold agent's first pass hashes and compares
    // every local endpoint's interface, and a record's generated ones are bootstrapped at their first call and then
    // run as method-handle chains, interpreted until compiled (docs/dataplane.md, "Session 61 (p-cold)").
    @Override
    public boolean equals(Object other) {
        return other instanceof EndpointInterface that && Objects.equals(name, that.name) && ipv4 == that.ipv4
                && ipv6 == that.ipv6 && isolated == that.isolated;
    }

    @Override
    public int hashCode() {
        return ((31 * Objects.hashCode(name) + Boolean.hashCode(ipv4)) * 31 + Boolean.hashCode(ipv6)) * 31
                + Boolean.hashCode(isolated);
    }
}
