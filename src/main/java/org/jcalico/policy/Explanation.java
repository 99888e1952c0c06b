package org.jcalico.policy;

/** The model's verdict on a packet: the source endpoint's egress and the destination endpoint's ingress. */
public record Explanation(Packet packet, Verdict egress, Verdict ingress) {
    /** The packet passes only if both directions allow it. */
    public boolean allows() {
        return egress.allows() && ingress.allows();
    }
}
