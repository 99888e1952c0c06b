package org.jcalico.model;

/**
 * The most routes one BGP session may bring in (inside the pools) before BIRD shuts it: BIRD's channel `import limit`,
 * whose 0 means no limit, so a limit is 1 up to BIRD's largest, 2^32 - 1 (docs/architecture.md, "What BGP may bring
 * into the kernel").
 */
public final class ImportLimits {
    /**
     * The default, per session: a route reflector or top-of-rack router carries every node's blocks and borrowed
     * addresses, about 20,000 routes for 5,000 nodes of four blocks each (Kubernetes' largest cluster), five times
     * that leaves room for borrowing; measured here, 100,000 routes cost BIRD 9 MB and each of the agent's route
     * readings about 250 ms, where 1,000,000 cost 88 MB and 3 s.
     */
    public static final long DEFAULT = 100_000;
    public static final long MAX = 4294967295L;

    private ImportLimits() {
    }

    public static long check(String field, long value) {
        if (value < 1 || value > MAX) {
            throw ValidationException.field(field, value, "is not a route limit (1-" + MAX + ")");
        }
        return value;
    }
}
