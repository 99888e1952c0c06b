package org.jcalico.felix;

import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryUsage;
import java.util.Optional;
import org.jcalico.kernel.NativeHeap;

/**
 * The garbage that young collections promote, bounded. The serial collector collects its old generation only when the
 * heap is at its maximum (the agent's -Xmx, 512 MB, sized for 500,000 endpoints): until then a promotion that does not
 * fit grows the generation instead, and whatever young collections promote (a resync's read-back of the kernel, what a
 * change holds while it is calculated) stays committed and resident however little of it is alive. An agent of 100,000
 * endpoints grew by some 8-10 MB at each periodic resync, 10 s apart (docs/agent.md, "Memory", session 59). So once the
 * agent has settled it asks, at a moment with no work queued, whether the old generation holds more than
 * {@link #allowedGrowth} over what the last full collection kept, and runs one (and trims the native heap) if it does.
 * Where the JVM runs another collector (no "Tenured Gen"), nothing is done.
 */
public final class PromotedGarbage {
    /** What a small agent may promote before it pays a full collection (an idle one: a few MB live, none is due). */
    static final long MIN_GROWTH = 16L << 20;
    private final Optional<MemoryPoolMXBean> old = ManagementFactory.getMemoryPoolMXBeans().stream()
            .filter(pool -> pool.getName().equals("Tenured Gen")).findFirst();

    /**
     * How much the old generation may grow over what a full collection kept (KEPT bytes) before the next one: half of
     * it, at least {@link #MIN_GROWTH}. A full collection of an agent of 100,000 endpoints (46 MB live) stopped every
     * thread for 113-145 ms here (up to 570 under load), so it comes every third resync or so rather than after each,
     * and its pause is paid by a change only if one arrives during it.
     */
    static long allowedGrowth(long kept) {
        return Math.max(MIN_GROWTH, kept / 2);
    }

    /** Whether an old generation of USED bytes, after a full collection that kept KEPT bytes of it, is due one. */
    static boolean due(long used, long kept) {
        return used - kept > allowedGrowth(kept);
    }

    /**
     * One full collection and a trim of the native heap if the old generation has grown past its allowance since the
     * last full collection; returns what it did, for a log line, or null when nothing was due (or no full collection
     * has run yet: the start gives its peak back with one of its own, StartPeak).
     */
    public String collectIfDue() {
        // the pool's collection usage: what the last collection of the old generation (only a full one collects it) left
        MemoryUsage keptByLast = old.map(MemoryPoolMXBean::getCollectionUsage).orElse(null);
        if (keptByLast == null || keptByLast.getCommitted() == 0) {
            return null;
        }
        long used = old.get().getUsage().getUsed();
        if (!due(used, keptByLast.getUsed())) {
            return null;
        }
        long start = System.nanoTime();
        System.gc();
        NativeHeap.trim();
        MemoryUsage now = old.get().getUsage();
        return "old generation " + (used >> 20) + " MB used, " + (keptByLast.getUsed() >> 20)
                + " MB after the last full collection: collected, " + (now.getUsed() >> 20) + " MB used of "
                + (now.getCommitted() >> 20) + " MB committed (" + (System.nanoTime() - start) / 1_000_000 + " ms)";
    }
}
