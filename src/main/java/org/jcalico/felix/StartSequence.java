package org.jcalico.felix;

import java.util.function.BooleanSupplier;
import java.util.function.Function;
import java.util.function.Supplier;
import org.jcalico.felix.calc.Snapshot;
import org.jcalico.felix.dataplane.Dataplane;
import org.jcalico.felix.dataplane.DataplaneReport;
import org.jcalico.felix.hoststate.HostState;
import org.jcalico.kernel.CompilerThreads;
import org.jcalico.kernel.KernelException;
import org.jcalico.kernel.NativeHeap;

/**
 * What an agent does around its first pass besides the pass itself, in the order it does it, in one place for the
 * agent and the workers of `bench felix` and `bench policy`, so that the benches measure the JVM and the heap that an
 * agent's first pass and changes meet (docs/agent.md, "Start-up of the agent"): first thing in the process, glibc told
 * to map large blocks apart ({@link NativeHeap#mapLargeBlocksApart}); before the listing, room for the start's
 * allocations ({@link StartPeak#makeRoom}); the first pass with the optimizing compiler yielding ({@link #firstPass});
 * once it has programmed the kernel, the incremental path rehearsed in memory ({@link IncrementalRehearsal}) and the
 * start's peak given back ({@link StartPeak#giveBack}); then the compilers yield to the changes ({@link #compilersYield}).
 * Until session 35 the benches' workers did the rehearsal's part only, until session 42 not the first, until session
 * 45 not the last.
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

    /**
     * Before the listing (or what stands for it): room for the start's allocations; returns what it did, for a log line.
     * Also the optimizing compiler's threads set to the nice value they have: nothing changes, but the system call
     * that {@link #firstPass} makes to lower them is linked now, beside the listing, rather than on the first pass's
     * path before its calculation (15-25 ms of a cold JVM's linking, docs/dataplane.md, session 45).
     */
    public static String beforeListing() {
        try {
            CompilerThreads.setNiceOfOptimizing(CompilerThreads.callersNice());
        } catch (KernelException e) {
            // the first pass meets the same and leaves the compilers as they are
        }
        return StartPeak.makeRoom();
    }

    /**
     * The first pass ({@link Dataplane#resync(Supplier, Supplier, org.jcalico.felix.dataplane.routes.StrayScope)}: the guard written
     * while CALCULATION runs, the tracked connections of the snapshot's pools read), with the
     * optimizing compiler's threads at the lowest priority for its length and at the caller's again after it. On two
     * cores C2 took a third of a cold pass's CPU for code it mostly installed after the pass had run it interpreted or
     * at the first tier; at nice 19 it compiles when the pass leaves a core idle, and what it has not reached by then
     * the rehearsal after the pass meets (docs/dataplane.md, session 44). Priorities that cannot be set leave the pass
     * as it was.
     */
    public static DataplaneReport firstPass(Dataplane dataplane, Snapshot snapshot, Supplier<HostState> calculation) {
        return firstPass(dataplane, snapshot, calculation, NewHolders.NONE);
    }

    /**
     * As {@link #firstPass(Dataplane, Snapshot, Supplier)}, on a kernel whose tracked connections may have been
     * accepted for other holders of the NEWHOLDERS' addresses: the sweep keeps none of theirs, and the calculation's
     * state has the addresses it knows among its departed ones (their connections forgotten again once its rules are in).
     */
    static DataplaneReport firstPass(Dataplane dataplane, Snapshot snapshot, Supplier<HostState> calculation,
                                     NewHolders newHolders) {
        Integer normal = optimizingAtLowest();
        try {
            return sweepingResync(dataplane, snapshot, calculation, newHolders);
        } finally {
            if (normal != null) {
                try {
                    CompilerThreads.setNiceOfOptimizing(normal);
                } catch (KernelException e) {
                    // left at the lowest, where the agent puts every compiler thread once in sync anyway
                }
            }
        }
    }

    /**
     * The first pass's resync without its compilers' priorities: the guard written while CALCULATION runs if the kernel
     * holds no jcalico rule, the tracked connections of the addresses no endpoint kept and of NEWHOLDERS' forgotten
     * (the sweep, RouteDriver#forgetMovedFlows). Also the agent's first full pass after a failed one, whose departures
     * may be lost (docs/dataplane.md, "Session 65 (t-restart)").
     */
    static DataplaneReport sweepingResync(Dataplane dataplane, Snapshot snapshot, Supplier<HostState> calculation,
                                          NewHolders newHolders) {
        return dataplane.resync(() -> ColdStart.guard(snapshot), () -> newHolders.departedFrom(calculation.get()),
                new SnapshotStrayScope(snapshot, newHolders));
    }

    /** The optimizing compiler's threads at the lowest priority; returns the nice value they had, null if unchanged. */
    private static Integer optimizingAtLowest() {
        try {
            int normal = CompilerThreads.callersNice();
            return CompilerThreads.setNiceOfOptimizing(CompilerThreads.LOWEST) > 0 ? normal : null;
        } catch (KernelException e) {
            return null;
        }
    }

    /**
     * Once the first pass has settled ({@link #afterFirstPass}): every compiler thread of this JVM at the lowest
     * priority, so that the changes after it get the cores before the compilers do (through the first served adds
     * after a start the compilers took 40 ms of CPU an add against the add's own 20, docs/agent.md, "A served
     * `container add`", session 38). The agent does it once in sync and its served paths are warmed up (AgentMain); a
     * bench's worker right after {@link #afterFirstPass}, so that its changes meet the JVM an agent's meet (until
     * session 45 they met compilers at full priority). Returns how many threads it set; a {@link KernelException} if
     * one's priority cannot be set.
     */
    public static int compilersYield() {
        return CompilerThreads.setNice(CompilerThreads.LOWEST);
    }

    /**
     * After the first pass: the incremental path rehearsed on REHEARSED (null: not rehearsed, as after a first pass that
     * failed or a listing after the first), stopping when STOP says a change waits, then the start's peak given back
     * unless a change waits: that full collection stops every thread for 100-600 ms with 100,000 endpoints (`bench
     * scale`'s agent, session 65), which the waiting change would pay, so the caller gives it back later, at a moment
     * with nothing queued (null {@link Settled#heap}). A rehearsal that fails changes nothing (nothing of it is
     * written): its failure is handed back, and the peak is given back all the same.
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
        return new Settled(rehearsed != null, rounds, rehearsalNanos, failure, stop.getAsBoolean() ? null : StartPeak.giveBack());
    }

    /**
     * What {@link #afterFirstPass} did: whether it rehearsed, the rounds and their time, the rehearsal's failure (null
     * when none), and the heap after the peak was given back (for a log line; null when a change waited and the peak is
     * still held).
     */
    public record Settled(boolean rehearsed, int rounds, long rehearsalNanos, RuntimeException failure, String heap) {
    }
}
