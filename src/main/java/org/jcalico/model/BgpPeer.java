package org.jcalico.model;

import com.fasterxml.jackson.annotation.JsonIgnore;

/**
 * A BGP speaker outside the node mesh (a route reflector or top-of-rack router); node null means every node. Peers
 * are keyed by node and address; peerName is the free name Calico's API gives a peer (metadata.name), kept so that
 * a peer can be found by it too; absent, the API form shows {@link #apiName()}. importLimit: the most routes its
 * sessions may bring in, null for the BGP configuration's ({@link ImportLimits}).
 */
public record BgpPeer(IpAddress peerIp, long asNumber, String node, String peerName, Long importLimit) implements Resource {
    public static final String KIND = "BGPPeer";

    public BgpPeer(IpAddress peerIp, long asNumber, String node) {
        this(peerIp, asNumber, node, null, null);
    }

    public BgpPeer {
        if (peerName != null) {
            Names.check("peerName", peerName);
        }
        if (peerIp == null) {
            throw new ValidationException("peerIp: missing");
        }
        ReservedNetworks.checkUsable("peerIp", peerIp);
        AsNumbers.check("asNumber", asNumber);
        if (node != null) {
            Names.check("node", node);
        }
        if (importLimit != null) {
            ImportLimits.check("importLimit", importLimit);
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

    /** Its name in Calico's API: peerName, or one made from node and address ("global-192.0.2.1"). */
    @JsonIgnore
    public String apiName() {
        return peerName != null ? peerName : derivedName(node, peerIp.toString());
    }

    static String derivedName(String node, String peerIp) {
        return (node == null ? "global" : node) + "-" + peerIp.replace(':', '-');
    }
}
