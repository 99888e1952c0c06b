package org.jcalico.model;

import com.fasterxml.jackson.annotation.JsonIgnore;

/** A BGP speaker outside the node mesh (a route reflector or top-of-rack router); node null means every node. */
public record BgpPeer(IpAddress peerIp, long asNumber, String node) implements Resource {
    public static final String KIND = "BGPPeer";

    public BgpPeer {
        if (peerIp == null) {
            throw new ValidationException("peerIp: missing");
        }
        ReservedNetworks.checkUsable("peerIp", peerIp);
        AsNumbers.check("asNumber", asNumber);
        if (node != null) {
            Names.check("node", node);
        }
    }

    @Override
    @JsonIgnore
    public String kind() {
        return KIND;
    }

    @Override
    public String name() {
        return node == null ? peerIp.toString() : node + "/" + peerIp;
    }
}
