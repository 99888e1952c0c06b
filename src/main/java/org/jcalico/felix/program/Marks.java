package org.jcalico.felix.program;

/**
 * The packet-mark bits of policy evaluation. A policy's Allow sets ACCEPT and returns; its Pass sets PASS and
 * returns; an endpoint chain clears both first, jumps to a policy only while neither is set, returns (allows) on
 * ACCEPT after a tier, and clears PASS before the next tier. Profiles use ACCEPT alone, as before tiers existed.
 */
public final class Marks {
    public static final int ACCEPT = 0x1000000;
    public static final int PASS = 0x2000000;
    public static final int BOTH = ACCEPT | PASS;
    /**
     * Set by jc-FORWARD on every packet it sees, under the iptables driver: the security table's jc-JUDGED, which every
     * forwarded packet meets after the filter table, drops one to or from a workload without it. Such a packet was
     * accepted in FORWARD above jcalico's hook by another program's rule (dockerd inserts its own at each start) and so
     * never met the workload's policy (docs/dataplane.md, "Session 64 (t-docker)").
     */
    public static final int JUDGED = 0x4000000;

    private Marks() {
    }
}
