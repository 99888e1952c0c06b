package org.jcalico.felix;

import com.sun.management.HotSpotDiagnosticMXBean;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryType;
import java.lang.ref.Reference;
import org.jcalico.kernel.NativeHeap;

/**
 * The start's peak given back once the first listing is programmed: the serial collector gives heap back to the system
 * only at a full collection, and the start's peak (the listing decoded beside the cache, the first calculation) would
 * otherwise stay committed until the old generation next fills, which a steady agent may never do (docs/agent.md,
 * "Memory"). The same collection sizes the young generation for the heap the agent keeps (the serial collector resizes
 * it only at a full collection), and until it the old generation still holds the start's garbage. The agent and the
 * workers of `bench felix` and `bench policy` call both through {@link StartSequence}, at the same points, so that the
 * benches' first programming and changes meet the heap an agent's meet.
 */
public final class StartPeak {
    /**
     * The free ratio of {@link #makeRoom}'s collection: the largest the serial collector sizes by (at 100 it leaves the
     * heap as it is), so the old generation is sized to a hundred times what the collection keeps, capped at its
     * maximum.
     */
    private static final int ROOM_FREE_RATIO = 99;

    /** What the ballast keeps above the bare shortfall, so that the ratio's rounding cannot fall short of it. */
    private static final long BALLAST_MARGIN = 64 << 10;

    private StartPeak() {
    }

    /**
     * Room for the start's allocations: one full collection that sizes the old generation to its maximum (the free
     * ratio asked for just for it), and so the young generation, which the serial collector sizes only at a full
     * collection, to its own: a NewRatio-th of the old one, at most a (NewRatio + 1)-th of -Xmx (eden 58 MB of the
     * agent's 512 MB), where the heap's start at 8 MB gives it 1.5 MB. A start with 100,000 endpoints allocates some
     * 400 MB: in 1.5 MB that was some 350 young collections, each promoting whatever was in flight (the pages being read
     * and decoded, the first calculation's temporaries), 136 MB promoted in all for 50 MB live, every promoted megabyte
     * a fresh part of the old generation whose first touch is a page fault on this machine (docs/agent.md, "Start-up of
     * the agent", session 34). The ratio sizes by what the collection keeps, and the 3-4 MB an agent holds here sized
     * the old generation to 300-400 MB and eden to 42 MB, two young collections in a cold programming of 1,000
     * endpoints that allocates about 90 MB, each a pause of 30-40 ms that copies the calculation's state (docs/dataplane.md,
     * "Session 70 (p-cold3)"); so when what it kept falls short of a hundredth of the old generation's maximum, a second
     * collection keeps the shortfall alive as well (the ballast, garbage once this returns). The committed room costs
     * nothing until it is touched, and {@link #giveBack} sizes both generations back to what the agent keeps, with the
     * ratios restored here, as before. Returns what it did, for a log line.
     */
    public static String makeRoom() {
        long start = System.nanoTime();
        HotSpotDiagnosticMXBean vm = ManagementFactory.getPlatformMXBean(HotSpotDiagnosticMXBean.class);
        String minFree = vm.getVMOption("MinHeapFreeRatio").getValue();
        String maxFree = vm.getVMOption("MaxHeapFreeRatio").getValue();
        Runtime runtime = Runtime.getRuntime();
        try {
            vm.setVMOption("MaxHeapFreeRatio", "100");
            vm.setVMOption("MinHeapFreeRatio", String.valueOf(ROOM_FREE_RATIO));
            System.gc();
            long kept = runtime.totalMemory() - runtime.freeMemory();
            long wanted = oldGenerationMaximum() * (100 - ROOM_FREE_RATIO) / 100 + BALLAST_MARGIN;
            if (kept < wanted) {
                // no larger than the shortfall: it is compacted right above what lives, into pages the heap the agent
                // keeps after giveBack covers anyway (a ballast of the heap's hundredth touched 2 MB more of an idle
                // agent's old generation, which stayed resident)
                byte[] ballast = new byte[Math.toIntExact(wanted - kept)];
                System.gc();
                Reference.reachabilityFence(ballast);
            }
        } finally {
            vm.setVMOption("MinHeapFreeRatio", minFree);
            vm.setVMOption("MaxHeapFreeRatio", maxFree);
        }
        return (runtime.totalMemory() - runtime.freeMemory()) / (1 << 20) + " MB used of " + runtime.totalMemory() / (1 << 20)
                + " MB committed (" + (System.nanoTime() - start) / 1_000_000 + " ms)";
    }

    /** The largest the old generation may grow: the heap's pool of the largest maximum (the serial collector's tenured). */
    private static long oldGenerationMaximum() {
        return ManagementFactory.getMemoryPoolMXBeans().stream().filter(pool -> pool.getType() == MemoryType.HEAP)
                .mapToLong(pool -> pool.getUsage().getMax()).max().orElse(0);
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
