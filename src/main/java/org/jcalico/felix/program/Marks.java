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
     * nftables only: set by a dispatch chain ahead of its verdict map's lookup and cleared by the first rule of the
     * endpoint chain an element jumps to, so that a packet back in the dispatch chain with it still set met no
     * endpoint chain's rules (a miss, or a chain its transaction adds, read empty by a traversal that began before
     * the commit) and is dropped (docs/dataplane.md, "The nftables dataplane", session 57).
     */
    public static final int DISPATCH = 0x4000000;

    private Marks() {
    }
}
