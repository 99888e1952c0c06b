package org.jcalico.felix;

import com.sun.management.HotSpotDiagnosticMXBean;
import java.lang.management.ManagementFactory;
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
     * The old generation's capacity that {@link #makeRoom} sizes for: the serial collector makes the young generation a
     * NewRatio-th of it (6: 32 MB, eden 26 MB). 64 MB (a 16 MB young generation) until session 38, when `bench scale`'s
     * agent still ran some 36 young collections and half a second of pauses between the room and in sync; 128 MB at
     * NewRatio 4 until session 41, which made the young generation a seventh of the heap the agent keeps and raised this
     * to keep the start's young generation as it was; committed but untouched room costs no RSS, and {@link #giveBack}
     * uncommits what the agent does not keep (docs/agent.md, "Memory", sessions 38 and 41).
     */
    static final long START_OLD_GENERATION = 192L << 20;

    private StartPeak() {
    }

    /**
     * Room for the start's allocations: one full collection that sizes the old generation to {@link
     * #START_OLD_GENERATION} (the free ratio asked for just for it), and so the young generation, which the serial
     * collector sizes only at a full collection, a sixth of that, where the heap's start at 8 MB gives it 1.5 MB. A
     * start with 100,000 endpoints allocates some 400 MB: in 1.5 MB that was some 350 young collections, each
     * promoting whatever was in flight (the pages being read and decoded, the first calculation's temporaries), 136
     * MB promoted in all for 50 MB live, every promoted megabyte a fresh part of the old generation whose first touch
     * is a page fault on this machine (docs/agent.md, "Start-up of the agent", session 34). The committed room costs
     * nothing until it is touched, and {@link #giveBack} sizes both generations back to what the agent keeps, with the
     * ratios restored here, as before. Returns what it did, for a log line.
     */
    public static String makeRoom() {
        long start = System.nanoTime();
        HotSpotDiagnosticMXBean vm = ManagementFactory.getPlatformMXBean(HotSpotDiagnosticMXBean.class);
        String minFree = vm.getVMOption("MinHeapFreeRatio").getValue();
        String maxFree = vm.getVMOption("MaxHeapFreeRatio").getValue();
        Runtime runtime = Runtime.getRuntime();
        // what is in use now is an upper bound of what the collection will keep, so the room is at most the one asked for
        long used = runtime.totalMemory() - runtime.freeMemory();
        long free = Math.clamp(100 - 100 * used / START_OLD_GENERATION, Long.parseLong(minFree), 99);
        try {
            vm.setVMOption("MaxHeapFreeRatio", "100");
            vm.setVMOption("MinHeapFreeRatio", String.valueOf(free));
            System.gc();
        } finally {
            vm.setVMOption("MinHeapFreeRatio", minFree);
            vm.setVMOption("MaxHeapFreeRatio", maxFree);
        }
        return (runtime.totalMemory() - runtime.freeMemory()) / (1 << 20) + " MB used of " + runtime.totalMemory() / (1 << 20)
                + " MB committed (" + (System.nanoTime() - start) / 1_000_000 + " ms)";
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
