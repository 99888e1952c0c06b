package org.jcalico.bgp;

import org.jcalico.model.IpAddress;

/**
 * One BGP session this node should have: with another node of the mesh, or with a configured peer; importLimit, the most
 * routes it may bring in before BIRD shuts it (the peer's own, or the BGP configuration's).
 */
public record BgpSession(Type type, IpAddress peer, long peerAs, String peerNode, long importLimit) {
    public enum Type { mesh, global, node }

    /** BIRD's protocol name, which `node status` reads back: the type, the family and the peer's address. */
    public String protocolName() {
        return type + (peer.version() == 4 ? "4_" : "6_") + peer.toString().replaceAll("[.:]", "_");
    }
}
