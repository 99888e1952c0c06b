package org.jcalico.felix;

import org.jcalico.kernel.NativeHeap;

/**
 * The start's peak given back once the first listing is programmed: the serial collector gives heap back to the system
 * only at a full collection, and the start's peak (the listing decoded beside the cache, the first calculation) would
 * otherwise stay committed until the old generation next fills, which a steady agent may never do (docs/agent.md,
 * "Memory"). The same collection sizes the young generation for the heap the agent keeps (the serial collector resizes
 * it only at a full collection), and until it the old generation still holds the start's garbage. The agent and the
 * workers of `bench felix` and `bench policy` call it at the same point, after the rehearsal, so that the benches'
 * changes meet the heap an agent's changes meet.
 */
public final class StartPeak {
    private StartPeak() {
    }

    /** One full collection and the native heap trimmed; returns what the heap holds after it, for a log line. */
    public static String giveBack() {
        long start = System.nanoTime();
        System.gc();
        // the start's compiler work and the listing's native buffers are freed by now, but glibc keeps them resident
        NativeHeap.trim();
        Runtime runtime = Runtime.getRuntime();
        return (runtime.totalMemory() - runtime.freeMemory()) / (1 << 20) + " MB used of " + runtime.totalMemory() / (1 << 20)
                + " MB committed (" + (System.nanoTime() - start) / 1_000_000 + " ms)";
    }
}
