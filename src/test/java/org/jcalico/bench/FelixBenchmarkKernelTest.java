package org.jcalico.bench;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.jcalico.model.DataplaneDriver;
import org.jcalico.testing.KernelTests;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * `bench felix` at a few endpoints, in namespaces of its own prefix (after JCALICO_BENCH_PREFIX): its worker starts as
 * the agent starts (StartSequence), so that what it measures is what an agent does: large blocks mapped apart from
 * glibc's arenas (until session 42 the worker left them there), the heap sized for the start before
 * the first programming (until session 35 the worker skipped it and programmed with the 1.5 MB young generation of an
 * 8 MB heap), then the incremental path rehearsed and the start's peak given back, each said in the printout; then, as
 * an agent once in sync, the JIT's compiler threads at nice 19 through the adds (until session 45 the adds met them at
 * the caller's priority, which an agent's changes do not); and the first add after the programming with each
 * driver's time, as the slowest add is printed.
 */
@Tag("kernel")
class FelixBenchmarkKernelTest {
    /** "N MB used of M MB committed": what StartPeak says it left. */
    private static final Pattern HEAP = Pattern.compile("(\\d+) MB used of (\\d+) MB committed");
    private static String printout;

    @BeforeAll
    static void needsTheKernel() {
        KernelTests.assumeKernel();
    }

    @Test
    void theWorkerStartsAsTheAgentStarts() {
        String out = benchOfThree();
        // first, as the agent's first step (session 42): glibc maps large blocks apart, so they leave when freed
        assertTrue(line(out, "as the agent at its start, ").startsWith("as the agent at its start, large blocks mapped"
                + " apart from the C library's arenas; before its listing, the heap sized for the start: "), out);
        Matcher room = HEAP.matcher(line(out, "the heap sized for the start: "));
        assertTrue(room.find(), out);
        // room for the start: the old generation sized to 192 MB (StartPeak.START_OLD_GENERATION), not the 8 MB heap's
        assertTrue(Long.parseLong(room.group(2)) >= 48, "the heap committed for the start: " + out);
        Matcher kept = HEAP.matcher(line(out, "then the start's peak given back, heap "));
        assertTrue(kept.find(), out);
        assertTrue(Long.parseLong(kept.group(2)) < Long.parseLong(room.group(2)), "the peak given back: " + out);
        Matcher rounds = Pattern.compile("rehearsed in memory: (\\d+) rounds").matcher(out);
        assertTrue(rounds.find() && Integer.parseInt(rounds.group(1)) > 0, out);
        // the worker's compiler threads as /proc showed them after the adds: both compilers at the lowest priority
        assertTrue(line(out, "the JIT's compiler threads at nice ").startsWith("the JIT's compiler threads at nice"
                + " {C1=[19], C2=[19]} through the adds"), out);
        // the first add after the programming, the slowest of most runs, says where its time went whether or not it
        // was the slowest (docs/dataplane.md, session 37)
        assertTrue(Pattern.compile("the first after programming N: [\\d.]+ ms \\(calc [\\d.]+ ms; interfaces [\\d.]+ ms"
                + ".* ipsets [\\d.]+ ms .* routes [\\d.]+ ms; \\d+ collection").matcher(out).find(), out);
    }

    /**
     * The floor is timed on the content program N wrote, not on what the kernel held after the adds (until session 49
     * it restored the 40 added endpoints' links, routes, rules and set members too, and the ratio flattered the agent);
     * since session 64 that holds the node's blocks' unreachable routes, as a real node's kernel does.
     */
    @Test
    void theFloorRestoresWhatProgramNWrote() {
        String out = benchOfThree();
        // 3 endpoints: 3 links, a route of each family each; the 3 and the 40 adds in one block of each family
        assertTrue(Pattern.compile("kernel floor [\\d.]+ ms for 3 links \\(\\d+ settings each that a fresh one lacks\\) and"
                + " 8 routes besides the rules and sets").matcher(out).find(), out);
    }

    /**
     * The lent adds (an address of another node's block, whose connections each add forgets before and after its
     * change) have a line of their own, with where their time went; the 40 adds of the first line are in the node's
     * blocks, as a real node's (session 64: until then every add was a lent one).
     */
    @Test
    void theLentAddsArePrintedApart() {
        String out = benchOfThree();
        assertTrue(Pattern.compile("lent add \\(its address in another node's block, not this node's\\), median / max of 8:"
                + " [\\d.]+ / [\\d.]+ ms; routes \\(its connections forgotten before and after\\) median [\\d.]+ ms;"
                + " the slowest: [\\d.]+ ms \\(calc [\\d.]+ ms;.* routes [\\d.]+ ms;").matcher(out).find(), out);
    }

    /**
     * Each add is a new address, as a new container's: it joins its tag set in each family (until session 49 the adds
     * took addresses of the remote endpoints, already in the sets, so all but the first changed no set).
     */
    @Test
    void everyAddIsANewAddressInItsTagSets() {
        String out = benchOfThree();
        // one address of each family, in the set of the endpoint's tag at least, and every add alike
        Matcher members = Pattern.compile("set members each add added: (\\d+) to (\\d+)").matcher(out);
        assertTrue(members.find(), out);
        assertTrue(Integer.parseInt(members.group(1)) >= 2 && members.group(1).equals(members.group(2)), members.group());
    }

    /**
     * Program N and each add say which of the worker's threads ran how long and how long each waited for a core
     * (/proc's schedstat): a slow step that ran long, waited for a core, or neither (blocked) is told apart at any
     * load, where wall times are not (session 55: an add's interfaces step of 44.6 ms at load 8 was its procsys thread
     * waiting 41.1 ms for a core, having run 0.5 ms).
     */
    @Test
    void theWorkerSaysWhatEachThreadRanAndWaited() {
        String out = benchOfThree();
        // the main thread calculates: it ran during program N; the figures are milliseconds on a core (waiting)
        assertTrue(Pattern.compile("program N: the worker's threads, ms on a core \\(ms waiting for one\\): .*\\bjava"
                + " [\\d.]+ \\([\\d.]+\\)").matcher(out).find(), out);
        // and the slowest add, with the threads that ran in it
        assertTrue(Pattern.compile("add 1, the slowest: .* threads, ms on a core \\(ms waiting for one\\): .*java"
                + " [\\d.]+ \\([\\d.]+\\)").matcher(out).find(), out);
    }

    /**
     * The adds' p99, which #14's target names (p99 <= 20 ms), is printed by nearest rank over the runs' adds with the
     * distribution-free interval their order allows and a verdict (until session 69 only the max, which at 200 adds is
     * neither the p99 nor a bound on it), and the adds at or above it are named with where their time went, and the
     * adds' CPU on the worker's own threads is pooled as the wall times are.
     */
    @Test
    void theAddsP99IsToldAgainstTheTargetWithTheAddsThatMakeIt() {
        String out = benchOfThree();
        // 2 runs of 40: the p99 of 80 is the largest, and 80 adds bound it from neither side at 95 %
        assertTrue(Pattern.compile("add 1: p99 of 80 adds \\(the 80th by nearest rank\\) [\\d.]+ ms, 95 % interval [\\d.]+ ms"
                + " to none \\(below 368 adds even the largest is below the p99 more than 2.5 % of the time\\):"
                + " (NOT met|cannot tell) against <= 20.0 ms.*\\(40 adds a run: --runs 10\\)").matcher(out).find(), out);
        assertTrue(Pattern.compile("add 1, at or above the p99: 1 of 80, [01] of them the first add of its run\n +run [12]"
                + " add #\\d+: [\\d.]+ ms \\(calc [\\d.]+ ms; .*routes [\\d.]+ ms;").matcher(out).find(), out);
        // and the adds' CPU, which load moves less than their wall time: the worker's own threads apart from the JIT's
        Matcher own = Pattern.compile("add 1, the worker's own threads per add \\(the JIT's compilers apart; the restores'"
                + " processes not counted\\), ms on a core ([\\d.]+) / ([\\d.]+) / ([\\d.]+), ms waiting for one [\\d.]+ /"
                + " [\\d.]+ / [\\d.]+; the compilers on a core [\\d.]+ / [\\d.]+ / [\\d.]+").matcher(out);
        assertTrue(own.find(), out);
        // an add calculates on the main thread: its CPU is more than nothing
        assertTrue(Double.parseDouble(own.group(1)) > 0, own.group());
    }

    /**
     * Program N and its floor are each the median of the runs, the same number of runs on both sides, printed with
     * their spread and each run's ratio over its own floor (until session 66 each was one measurement, and the floor
     * of 1,000 endpoints ranged 200-461 ms for identical content at load 4: a figure a fresh run could not reproduce).
     */
    @Test
    void theColdFiguresAreMediansOfTheRunsWithTheirSpread() {
        String out = benchOfThree();
        assertTrue(Pattern.compile("2 runs: program N [\\d.]+ ms \\[[\\d.]+-[\\d.]+]; floor [\\d.]+ ms \\[[\\d.]+-[\\d.]+],"
                + " its writers (at once|one after the other) \\(the other way [\\d.]+ ms \\[[\\d.]+-[\\d.]+]\\); ratio run"
                + " by run [\\d.]+x [\\d.]+x, median [\\d.]+x \\[[\\d.]+, [\\d.]+];"
                + " the fastest over the fastest [\\d.]+x").matcher(out).find(), out);
        assertTrue(Pattern.compile("the median run \\(#[12] of 2\\), in detail \\(its floor as one run alone would take it,"
                + " the faster way within it\\):\n +kernel floor").matcher(out).find(), out);
    }

    /**
     * `bench felix --endpoints 3 --runs 2`'s printout: one bench for the class's tests, which read different lines of it (each
     * test ran a bench of its own until session 55).
     */
    private static synchronized String benchOfThree() {
        if (printout == null) {
            StringWriter text = new StringWriter();
            new FelixBenchmark(new PrintWriter(text, true), DataplaneDriver.IPTABLES).run(List.of(3), 2);
            printout = text.toString();
        }
        return printout;
    }

    private static String line(String out, String marker) {
        return out.lines().filter(line -> line.contains(marker)).findFirst()
                .map(line -> line.substring(line.indexOf(marker))).orElse("(no line with '" + marker + "')");
    }
}
