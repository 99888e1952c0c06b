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

    private Marks() {
    }
}
