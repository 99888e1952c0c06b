package org.jcalico.felix;

import java.util.function.BooleanSupplier;
import java.util.function.Function;
import org.jcalico.felix.calc.Snapshot;
import org.jcalico.felix.dataplane.Dataplane;
import org.jcalico.felix.hoststate.HostState;
import org.jcalico.kernel.NativeHeap;

/**
 * What an agent does around its first pass besides the pass itself, in the order it does it, in one place for the
 * agent and the workers of `bench felix` and `bench policy`, so that the benches measure the JVM and the heap that an
 * agent's first pass and changes meet (docs/agent.md, "Start-up of the agent"): first thing in the process, glibc told
 * to map large blocks apart ({@link NativeHeap#mapLargeBlocksApart}); before the listing, room for the start's
 * allocations ({@link StartPeak#makeRoom}); once the first pass has programmed the kernel, the incremental path
 * rehearsed in memory ({@link IncrementalRehearsal}) and the start's peak given back ({@link StartPeak#giveBack}).
 * Until session 35 the benches' workers did the last part only, until session 42 not the first.
 */
public final class StartSequence {
    private StartSequence() {
    }

    /**
     * First thing in the process, before the start's compilations and buffers: their large blocks then leave the
     * process when freed (docs/agent.md, "Memory", session 37). Returns what it did, for a bench's printout.
     */
    public static String atProcessStart() {
        return NativeHeap.mapLargeBlocksApart() ? "large blocks mapped apart from the C library's arenas"
                : "large blocks left in the C library's arenas (it has no mallopt)";
    }

    /**
     * A bench's worker, whose JVM is the process, at its start: what the agent does at its own start and before its
     * listing, one after the other; returns what they did, for its printout.
     */
    public static String asABenchWorker() {
        return atProcessStart() + "; before its listing, the heap sized for the start: " + beforeListing();
    }

    /** Before the listing (or what stands for it): room for the start's allocations; returns what it did, for a log line. */
    public static String beforeListing() {
        return StartPeak.makeRoom();
    }

    /**
     * After the first pass: the incremental path rehearsed on REHEARSED (null: not rehearsed, as after a first pass that
     * failed or a listing after the first), stopping when STOP says a change waits, then the start's peak given back.
     * A rehearsal that fails changes nothing (nothing of it is written): its failure is handed back, and the peak is
     * given back all the same.
     */
    public static Settled afterFirstPass(Snapshot rehearsed, Function<Snapshot, HostState> calculate, Dataplane dataplane,
                                         BooleanSupplier stop) {
        long start = System.nanoTime();
        int rounds = 0;
        RuntimeException failure = null;
        if (rehearsed != null) {
            try {
                rounds = IncrementalRehearsal.run(rehearsed, calculate, dataplane, stop);
            } catch (RuntimeException e) {
                failure = e;
            }
        }
        long rehearsalNanos = System.nanoTime() - start;
        return new Settled(rehearsed != null, rounds, rehearsalNanos, failure, StartPeak.giveBack());
    }

    /**
     * What {@link #afterFirstPass} did: whether it rehearsed, the rounds and their time, the rehearsal's failure (null
     * when none), and the heap after the peak was given back (for a log line).
     */
    public record Settled(boolean rehearsed, int rounds, long rehearsalNanos, RuntimeException failure, String heap) {
    }
}
