package org.jcalico.bench;

import java.io.PrintWriter;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.jcalico.agent.AgentCache;
import org.jcalico.agent.JvmCommand;
import org.jcalico.felix.StartSequence;
import org.jcalico.felix.calc.HostStateCalculator;
import org.jcalico.felix.calc.Snapshot;
import org.jcalico.felix.dataplane.Change;
import org.jcalico.felix.dataplane.Dataplane;
import org.jcalico.felix.dataplane.DataplaneReport;
import org.jcalico.felix.hoststate.HostState;
import org.jcalico.kernel.CommandRunner;
import org.jcalico.kernel.CompilerThreads;
import org.jcalico.kernel.Namespaces;
import org.jcalico.kernel.Nft;
import org.jcalico.model.DataplaneDriver;
import org.jcalico.model.Cidr;
import org.jcalico.model.EntityMatch;
import org.jcalico.model.FelixConfiguration;
import org.jcalico.model.Ports;
import org.jcalico.model.Profile;
import org.jcalico.model.Protocol;
import org.jcalico.model.Rule;
import org.jcalico.model.WorkloadEndpoint;

/**
 * How long the agent takes to program N endpoints into an empty kernel and to add one more, against the bare
 * kernel path: `ipset restore` + `iptables-restore` (on nftables: one `nft -f`) of the very rules program N wrote in a
 * fresh namespace. Everything
 * runs in namespaces of its own (prefix jcb-), removed at the end; the agent's part runs in a JVM of its own inside
 * the host's namespace, as the agent does.
 */
public final class FelixBenchmark {
    private final String prefix = BenchNamespaces.prefix("jcb-");
    private static final int REMOTE = 10_000;
    private static final int ADDS = 40;
    /** #14's target for one endpoint added to 1,000: its p99 of agent work. */
    private static final int ADD_PERCENT = 99;
    private static final long ADD_TARGET_MICROS = 20_000;
    /** Adds whose address another node's block lent (docs/ipam.md): a few, timed apart from the usual ones. */
    private static final int LENT = 8;
    private final PrintWriter out;
    private final DataplaneDriver driver;

    public FelixBenchmark(PrintWriter out, DataplaneDriver driver) {
        this.out = out;
        this.driver = driver;
    }

    /** Each of SIZES measured RUNS times (fresh namespaces, a fresh worker JVM and a fresh floor each run). */
    public void run(List<Integer> sizes, int runs) {
        Namespaces.deleteAll(prefix);
        String loadBefore = MachineLoad.averages();
        out.printf("%-6s %12s %26s %10s %14s %8s %14s%n", "N", "program N", "add 1: median/p99/max", "(calc)",
                "kernel floor", "ratio", "rules/members");
        try {
            for (int size : sizes) {
                measure(size, runs);
            }
        } finally {
            Namespaces.deleteAll(prefix);
        }
        out.println("program N: calc + apply from an empty kernel (interfaces, " + (driver == DataplaneDriver.NFTABLES
                ? "nftables (libnftables " + (Nft.inProcess() ? "in-process" : "not loaded: nft forked") + ")"
                : "ipsets, iptables, ip6tables") + ", routes), the median of " + runs + " run(s), each a fresh worker JVM"
                + " on a fresh namespace;");
        out.println("add 1: calc + apply of one new endpoint with N programmed, " + ADDS + " in a row in each run, pooled over"
                + " the runs (calc: its median share; p99: by nearest rank, with a distribution-free 95 % interval from the"
                + " order of the adds, which assumes them independent; target p99 <= 20 ms);");
        out.println("kernel floor: what program N wrote, the adds removed again (sets, rules of both families, the");
        out.println("interface settings a fresh interface lacks, written to their /proc/sys files by one sh: cheaper than over");
        out.println("rtnetlink, docs/dataplane.md; links up, routes) put into a fresh namespace by the kernel's own tools");
        out.println("(" + (driver == DataplaneDriver.NFTABLES ? "one nft -f" : "ipset, iptables-restore, ip6tables-restore")
                + "), one process each, one after the other and the independent ones at once, both timed after each run:");
        out.println("its way is the one faster by its median over the runs (so that the floor has as many tries as program"
                + " N), its median printed;");
        out.println("ratio = the median of the runs' program N / floor, each run's over its own floor (target <= 1.5x).");
        out.println(MachineLoad.describe(loadBefore));
        out.flush();
    }

    private void measure(int size, int runs) {
        List<Run> done = new ArrayList<>();
        for (int i = 0; i < runs; i++) {
            done.add(once(size));
        }
        ColdRuns cold = new ColdRuns(done.stream().map(run -> run.timings().program()).toList(),
                done.stream().map(run -> run.floor().concurrentMicros()).toList(),
                done.stream().map(run -> run.floor().sequentialMicros()).toList());
        List<Long> adds = done.stream().flatMap(run -> run.timings().adds().stream()).sorted().toList();
        List<Long> calcs = done.stream().flatMap(run -> run.timings().calcs().stream()).sorted().toList();
        PairedRatios ratios = cold.ratios();
        Run median = done.get(cold.medianRun());
        TailTarget tail = new TailTarget(adds, ADD_PERCENT, ADD_TARGET_MICROS);
        out.printf("%-6d %9.1f ms %6.1f / %5.1f / %5.1f ms %7.1f ms %11.1f ms %7.2fx %7d/%d%n", size,
                ColdRuns.median(cold.programs()) / 1000, adds.get(adds.size() / 2) / 1000.0, tail.value() / 1000.0,
                adds.getLast() / 1000.0,
                calcs.get(calcs.size() / 2) / 1000.0, ColdRuns.median(cold.floors()) / 1000, ratios.median(),
                median.floor().ruleCount(), median.floor().memberCount());
        out.println("       add 1: " + tail.describe("adds") + (adds.size() < Percentiles.fewestWithUpperEnd(ADD_PERCENT)
                ? String.format(" (%d adds a run: --runs %d)", ADDS, Math.ceilDiv(Percentiles.fewestWithUpperEnd(ADD_PERCENT),
                        ADDS)) : ""));
        out.println("       add 1, at or above the p" + ADD_PERCENT + ": " + atOrAbove(done, tail));
        out.println("       add 1, the worker's own threads per add (the JIT's compilers apart; the restores' processes not"
                + " counted), ms on a core " + spread(done, Add::ownRan) + ", ms waiting for one " + spread(done, Add::ownWaited)
                + "; the compilers on a core " + spread(done, Add::compilersRan));
        if (runs > 1) {
            double[] interval = ratios.medianInterval();
            StringBuilder each = new StringBuilder();
            ratios.ratios().forEach(ratio -> each.append(String.format(" %.2fx", ratio)));
            out.printf("       %d runs: program N %s; floor %s, its writers %s (the other way %s); ratio run by run%s,"
                            + " median %.2fx [%.2f, %.2f]; the fastest over the fastest %.2fx%n", runs,
                    ColdRuns.spread(cold.programs()), ColdRuns.spread(cold.floors()),
                    cold.floorAtOnce() ? "at once" : "one after the other",
                    ColdRuns.spread(cold.floorAtOnce() ? cold.oneAfterTheOther() : cold.atOnce()), each, ratios.median(),
                    interval[0], interval[1], cold.fastestRatio());
            out.printf("       the median run (#%d of %d), in detail (its floor as one run alone would take it, the faster"
                    + " way within it):%n", cold.medianRun() + 1, runs);
        }
        describe(median);
        out.flush();
    }

    /**
     * The adds at or above the percentile, slowest first, each with its run and place in it and where its time went:
     * what the tail is made of (the first adds after programming, the JIT's, or later ones).
     */
    private static String atOrAbove(List<Run> runs, TailTarget tail) {
        record Placed(int run, int place, Add add) {
        }
        List<Placed> all = new ArrayList<>();
        for (int r = 0; r < runs.size(); r++) {
            List<Add> inOrder = runs.get(r).timings().inOrder();
            for (int i = 0; i < inOrder.size(); i++) {
                all.add(new Placed(r, i, inOrder.get(i)));
            }
        }
        all.sort(java.util.Comparator.comparingLong((Placed placed) -> placed.add().total()).reversed());
        List<Placed> slowest = all.subList(0, all.size() - tail.place());
        StringBuilder text = new StringBuilder(String.format("%d of %d, %d of them the first add of its run", slowest.size(),
                all.size(), slowest.stream().filter(placed -> placed.place() == 0).count()));
        slowest.forEach(placed -> text.append(String.format("%n         run %d add #%d: %s", placed.run() + 1,
                placed.place() + 1, placed.add().describe())));
        return text.toString();
    }

    /** "median / p99 / max" in ms of FIGURE over every add of the runs. */
    private static String spread(List<Run> runs, java.util.function.ToLongFunction<Add> figure) {
        List<Long> sorted = runs.stream().flatMap(run -> run.timings().inOrder().stream()).map(figure::applyAsLong).sorted()
                .toList();
        return String.format("%.1f / %.1f / %.1f", Percentiles.of(sorted, 50) / 1000.0,
                Percentiles.of(sorted, ADD_PERCENT) / 1000.0, sorted.getLast() / 1000.0);
    }

    /** One run: the worker's timings and the floor timed right after it. */
    private record Run(Timings timings, KernelFloor floor, List<String> worker) {
    }

    private Run once(int size) {
        CommandRunner host = Namespaces.create(prefix + "host");
        BenchInterfaces.create(host, node(size).interfaces());
        List<String> worker = new ArrayList<>(JvmCommand.jcalico());
        worker.addAll(List.of("internal", "bench-felix-worker", String.valueOf(size), driver.toString()));
        CommandRunner.Result result = host.run(worker);
        if (!result.ok()) {
            throw new IllegalStateException("benchmark programming failed: " + result.stderr().strip());
        }
        Timings timings = Timings.parse(result.stdout());
        BenchInterfaces.delete(host, size, ADDS + LENT);
        return new Run(timings, KernelFloor.of(host, prefix + "host", prefix + "bare", driver), worker);
    }

    /** One run's details: the floor's parts, where program N went, the adds. */
    private void describe(Run run) {
        Timings timings = run.timings();
        out.println("       " + run.floor().describe());
        StringBuilder first = new StringBuilder(String.format("       program N: calc %.1f ms; per driver (two run at once):",
                timings.programCalc() / 1000.0));
        timings.programDrivers().forEach((driver, micros) -> first.append(String.format(" %s %.1f ms", driver,
                micros / 1000.0)));
        out.println(first);
        long[] jvm = timings.programJvm();
        out.println("       program N: before it, as the agent at its start, " + timings.room()
                + " (counted in no figure)");
        out.println("       program N: the worker's JVM meanwhile: " + JvmWork.describe(timings.program(), jvm[0], jvm[1], jvm[2],
                jvm[3], jvm[4]) + " (of " + Runtime.getRuntime().availableProcessors() + " cores, which the floor's tools"
                + " have to themselves)");
        out.println("       program N: the worker's threads, ms on a core (ms waiting for one): "
                + ThreadCpu.describe(timings.programThreads(), 5_000));
        StringBuilder drivers = new StringBuilder("       add 1, median per driver (two run at once):");
        timings.drivers().forEach((driver, micros) -> drivers.append(String.format(" %s %.1f ms", driver,
                micros.get(micros.size() / 2) / 1000.0)));
        out.println(drivers);
        // the first add after the programming runs the incremental path for the first time (the JIT's): apart, so
        // that the max says whether it or a later add is the slowest, with its drivers, since it is the slowest of most
        // runs and where its time goes differs from the others' (docs/dataplane.md, session 37)
        out.printf("       add 1, the first after programming N: %s; before it, as the agent after its"
                        + " first pass, the incremental path rehearsed in memory: %d rounds, %.1f ms, then the start's peak"
                        + " given back, heap %s (counted in neither)%n",
                timings.firstAdd().describe(), timings.rehearsalRounds(), timings.rehearsal() / 1000.0, timings.peak());
        int slowest = timings.slowest(0);
        int slowestLater = timings.slowest(1);
        long collections = timings.inOrder().stream().mapToLong(Add::collections).sum();
        java.util.LongSummaryStatistics added = timings.inOrder().stream().mapToLong(Add::members).summaryStatistics();
        out.printf("       add 1, the slowest: #%d of %d, %s; after the first: #%d, %s; collections in all %d adds: %d;"
                        + " set members each add added: %d to %d%n",
                slowest + 1, ADDS, timings.inOrder().get(slowest).describe(), slowestLater + 1,
                timings.inOrder().get(slowestLater).describe(), ADDS, collections, added.getMin(), added.getMax());
        out.println("       " + describeLent(timings.lent()));
        out.println("       add 1: the JIT's compiler threads at nice " + timings.compilers() + " through the adds (read back"
                + " after them), as an agent's once in sync");
        out.println("       " + AgentCache.describe(run.worker()));
    }

    /**
     * The measured part, in a JVM started as the agent's is, inside the host's namespace (so that, as for the agent,
     * the kernel tools run there directly): program N endpoints, then add one at a time. Prints the timings for
     * {@link Timings#parse}.
     */
    public static void programAndAdd(int size, DataplaneDriver driver, PrintWriter out) {
        // as the agent at its start and before its listing (StartSequence), in neither figure
        out.println("room " + StartSequence.asABenchWorker().replace(' ', '_'));
        FelixConfiguration config = FelixConfiguration.DEFAULTS.withDataplaneDriver(driver);
        FelixBenchNode node = node(size);
        List<WorkloadEndpoint> endpoints = new ArrayList<>(node.programmed());
        Dataplane dataplane = new Dataplane(CommandRunner.local());
        HostStateCalculator calculator = new HostStateCalculator();
        dataplane.start();
        JvmWork jvm = new JvmWork();
        JvmWork.Mark programBefore = jvm.mark();
        ThreadCpu threadsBefore = ThreadCpu.now();
        long start = System.nanoTime();
        // as the agent's first pass (Agent.program): a resync, with the guard written meanwhile
        Snapshot cold = node.snapshot(config, endpoints);
        long[] programCalcs = new long[1];
        long programStart = start;
        DataplaneReport first = check(StartSequence.firstPass(dataplane, cold, () -> {
            HostState programmed = calculator.calculate(cold);
            programCalcs[0] = (System.nanoTime() - programStart) / 1000;
            return programmed;
        }));
        long programCalc = programCalcs[0];
        out.println("program " + programCalc + " " + (System.nanoTime() - start) / 1000);
        JvmWork.Mark programAfter = jvm.mark();
        out.print(ThreadCpu.lines("program-thread", ThreadCpu.now().since(threadsBefore)));
        out.println("program-jvm " + programAfter.processCpuMicros(programBefore) + " "
                + programAfter.compilerCpuMicros(programBefore) + " " + programAfter.compileMicros(programBefore) + " "
                + programAfter.collections(programBefore) + " " + programAfter.pauseMicros(programBefore));
        first.drivers().forEach((name, spent) -> out.println("program-driver " + name + " " + spent.toNanos() / 1000));
        // as the agent does after its first pass (StartSequence): the incremental path run in memory, nothing written,
        // then the start's peak given back, a full collection which also sizes the young generation for the heap kept
        StartSequence.Settled settled = StartSequence.afterFirstPass(cold, calculator::calculate, dataplane, () -> false);
        if (settled.failure() != null) {
            throw settled.failure();
        }
        out.println("rehearsal " + settled.rounds() + " " + settled.rehearsalNanos() / 1000);
        out.println("peak " + settled.heap().replace(' ', '_'));
        // as the agent once in sync: the compilers yield to the changes
        StartSequence.compilersYield();
        for (int i = 0; i < ADDS; i++) {
            add("add", node.local(size + i), node, config, endpoints, calculator, dataplane, jvm, out);
        }
        // read back after the adds, so that a compiler thread HotSpot started during them counts too
        out.println("compilers " + CompilerThreads.niceValues().toString().replace(' ', '_'));
        // after the adds in the node's blocks, so that those stay comparable with the runs before session 64's lent ones
        for (int i = 0; i < LENT; i++) {
            add("lent", node.lentAdd(i), node, config, endpoints, calculator, dataplane, jvm, out);
        }
        // the added endpoints removed again, so that the kernel holds what program N wrote for the floor to restore
        // (until session 49 the floor restored the adds' endpoints too: more content than program N is compared with)
        endpoints.subList(size + REMOTE, endpoints.size()).clear();
        check(dataplane.apply(calculator.calculate(node.snapshot(config, endpoints))));
        out.flush();
    }

    /** The node of SIZE programmed endpoints, with room in its blocks for the adds. */
    static FelixBenchNode node(int size) {
        return new FelixBenchNode(size, ADDS, LENT, REMOTE);
    }

    /** One add of ENDPOINT, timed: calc of the whole snapshot and the apply, printed as a KIND line and its details. */
    private static void add(String kind, WorkloadEndpoint endpoint, FelixBenchNode node, FelixConfiguration config,
                            List<WorkloadEndpoint> endpoints, HostStateCalculator calculator, Dataplane dataplane,
                            JvmWork jvm, PrintWriter out) {
        endpoints.add(endpoint);
        JvmWork.Mark before = jvm.mark();
        ThreadCpu threads = ThreadCpu.now();
        long start = System.nanoTime();
        HostState desired = calculator.calculate(node.snapshot(config, endpoints));
        long calc = (System.nanoTime() - start) / 1000;
        DataplaneReport report = check(dataplane.apply(desired));
        long took = (System.nanoTime() - start) / 1000;
        Map<String, ThreadCpu.Spent> spent = ThreadCpu.now().since(threads);
        JvmWork.Mark after = jvm.mark();
        out.println(kind + " " + calc + " " + took + " " + after.collections(before) + " " + after.pauseMicros(before)
                + " " + report.count(Change.SET_MEMBERS_ADDED)
                + " " + after.compileMicros(before));
        report.drivers().forEach((name, time) -> out.println("driver " + name + " " + time.toNanos() / 1000));
        out.print(ThreadCpu.lines("add-thread", spent));
    }

    /**
     * The lent adds' line: their median and max, and the routes' median, where forgetting the address's connections
     * before and after the change runs (docs/dataplane.md, session 63, t-borrow).
     */
    private static String describeLent(List<Add> lent) {
        List<Long> totals = lent.stream().map(Add::total).sorted().toList();
        List<Long> routes = lent.stream().map(add -> add.drivers().getOrDefault("routes", 0L)).sorted().toList();
        return String.format("lent add (its address in another node's block, not this node's), median / max of %d: %.1f /"
                + " %.1f ms; routes (its connections forgotten before and after) median %.1f ms; the slowest: %s",
                lent.size(), totals.get(lent.size() / 2) / 1000.0, totals.getLast() / 1000.0,
                routes.get(lent.size() / 2) / 1000.0, lent.stream().max(java.util.Comparator.comparingLong(Add::total))
                        .orElseThrow().describe());
    }

    private static DataplaneReport check(DataplaneReport report) {
        if (!report.failures().isEmpty()) {
            throw new IllegalStateException("benchmark programming failed: " + report.failures());
        }
        return report;
    }

    /**
     * One add as the worker measured it, in microseconds: its calc, the whole, the JVM's own work meanwhile, the set
     * members it added, each driver.
     */
    private record Add(long calc, long total, long collections, long pause, long members, long compile,
                       Map<String, Long> drivers, Map<String, ThreadCpu.Spent> threads) {
        /** Microseconds the worker's threads but the JIT's compilers ran: the agent's own CPU in the add. */
        long ownRan() {
            return own(false).mapToLong(ThreadCpu.Spent::ran).sum();
        }

        /** Microseconds they waited for a core: the load's share of the add. */
        long ownWaited() {
            return own(false).mapToLong(ThreadCpu.Spent::waited).sum();
        }

        long compilersRan() {
            return own(true).mapToLong(ThreadCpu.Spent::ran).sum();
        }

        /** The compilers' threads (COMPILERS) or the others'. */
        private java.util.stream.Stream<ThreadCpu.Spent> own(boolean compilers) {
            return threads.entrySet().stream().filter(entry -> CompilerThreads.isCompiler(entry.getKey()) == compilers)
                    .map(Map.Entry::getValue);
        }

        String describe() {
            StringBuilder text = new StringBuilder(String.format("%.1f ms (calc %.1f ms;", total / 1000.0, calc / 1000.0));
            drivers.forEach((driver, micros) -> text.append(String.format(" %s %.1f ms", driver, micros / 1000.0)));
            return text.append(String.format("; %d collection(s), %.0f ms paused; JIT %.0f ms compiling; threads, ms on a"
                    + " core (ms waiting for one): %s)", collections, pause / 1000.0, compile / 1000.0,
                    ThreadCpu.describe(threads, 100))).toString();
        }
    }

    /** What the worker measured, in microseconds; adds in their order, and their totals and calculation shares sorted. */
    private record Timings(long program, long programCalc, long[] programJvm, Map<String, Long> programDrivers,
                           Map<String, ThreadCpu.Spent> programThreads, int rehearsalRounds,
                           long rehearsal, String room, String peak, String compilers, List<Add> inOrder, List<Long> calcs,
                           List<Long> adds, Map<String, List<Long>> drivers, List<Add> lent) {
        static Timings parse(String output) {
            long program = -1;
            long programCalc = -1;
            long[] programJvm = new long[5];
            int rehearsalRounds = 0;
            long rehearsal = 0;
            String peak = "not given back";
            String room = "not made";
            String compilers = "not read";
            Map<String, Long> programDrivers = new java.util.TreeMap<>();
            Map<String, ThreadCpu.Spent> programThreads = new java.util.TreeMap<>();
            List<Add> inOrder = new ArrayList<>();
            List<Add> lent = new ArrayList<>();
            Add last = null;
            for (String line : output.lines().toList()) {
                String[] words = line.split(" ");
                if (words[0].equals("program")) {
                    programCalc = Long.parseLong(words[1]);
                    program = Long.parseLong(words[2]);
                } else if (words[0].equals("program-jvm")) {
                    for (int i = 0; i < programJvm.length; i++) {
                        programJvm[i] = Long.parseLong(words[i + 1]);
                    }
                } else if (words[0].equals("rehearsal")) {
                    rehearsalRounds = Integer.parseInt(words[1]);
                    rehearsal = Long.parseLong(words[2]);
                } else if (words[0].equals("room")) {
                    room = words[1].replace('_', ' ');
                } else if (words[0].equals("peak")) {
                    peak = words[1].replace('_', ' ');
                } else if (words[0].equals("compilers")) {
                    compilers = words[1].replace('_', ' ');
                } else if (words[0].equals("program-thread")) {
                    ThreadCpu.parse(words, programThreads);
                } else if (words[0].equals("program-driver")) {
                    programDrivers.put(words[1], Long.parseLong(words[2]));
                } else if (words[0].equals("add") || words[0].equals("lent")) {
                    last = new Add(Long.parseLong(words[1]), Long.parseLong(words[2]), Long.parseLong(words[3]),
                            Long.parseLong(words[4]), Long.parseLong(words[5]), Long.parseLong(words[6]),
                            new java.util.TreeMap<>(), new java.util.TreeMap<>());
                    (words[0].equals("add") ? inOrder : lent).add(last);
                } else if (words[0].equals("driver") && last != null) {
                    last.drivers().put(words[1], Long.parseLong(words[2]));
                } else if (words[0].equals("add-thread") && last != null) {
                    ThreadCpu.parse(words, last.threads());
                }
            }
            if (program < 0 || inOrder.size() != ADDS || lent.size() != LENT) {
                throw new IllegalStateException("the benchmark worker printed no timings: " + output.strip());
            }
            List<Long> calcs = inOrder.stream().map(Add::calc).sorted().toList();
            List<Long> adds = inOrder.stream().map(Add::total).sorted().toList();
            Map<String, List<Long>> drivers = new java.util.TreeMap<>();
            inOrder.forEach(add -> add.drivers().forEach((driver, micros) ->
                    drivers.computeIfAbsent(driver, name -> new ArrayList<>()).add(micros)));
            drivers.values().forEach(java.util.Collections::sort);
            return new Timings(program, programCalc, programJvm, programDrivers, programThreads, rehearsalRounds, rehearsal, room, peak,
                    compilers, inOrder, calcs, adds, drivers, List.copyOf(lent));
        }

        Add firstAdd() {
            return inOrder.getFirst();
        }

        /** The slowest add from the FROMth on (0 = the first after the programming): its place in the series. */
        int slowest(int from) {
            int slowest = from;
            for (int i = from + 1; i < inOrder.size(); i++) {
                if (inOrder.get(i).total() > inOrder.get(slowest).total()) {
                    slowest = i;
                }
            }
            return slowest;
        }
    }
}
