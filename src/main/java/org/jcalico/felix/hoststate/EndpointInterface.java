package org.jcalico.felix.hoststate;

/**
 * The host side of an endpoint's veth as it must be configured: up, answering ARP (proxy_arp) for IPv4, forwarding,
 * and not accepting router advertisements for IPv6.
 */
public record EndpointInterface(String name, boolean ipv4, boolean ipv6) {
}
