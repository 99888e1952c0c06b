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
     * Set by jc-FORWARD on every packet it sees, and by jc-wl-to-host on every packet a workload sends its host, under
     * the iptables driver: the security table's jc-JUDGED and jc-JUDGED-INPUT, which every forwarded and every locally
     * delivered packet meets after the filter table, drop one from or to a workload without it. Such a packet was
     * accepted in FORWARD or INPUT above jcalico's hook by another program's rule (dockerd inserts its own at each
     * start, a firewall's reload can rebuild INPUT without jcalico's hook) and so never met the workload's policy
     * (docs/dataplane.md, "Session 64 (t-docker)" and "Session 65 (t-input)").
     */
    public static final int JUDGED = 0x4000000;

    private Marks() {
    }
}
