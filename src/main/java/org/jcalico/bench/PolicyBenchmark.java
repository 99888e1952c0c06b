package org.jcalico.bench;

import java.io.IOException;
import java.io.PrintWriter;
import java.math.BigInteger;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.StringJoiner;
import org.jcalico.agent.AgentCache;
import org.jcalico.agent.JvmCommand;
import org.jcalico.felix.StartSequence;
import org.jcalico.felix.calc.HostStateCalculator;
import org.jcalico.felix.calc.Snapshot;
import org.jcalico.felix.dataplane.Dataplane;
import org.jcalico.felix.dataplane.DataplaneReport;
import org.jcalico.kernel.CommandRunner;
import org.jcalico.kernel.Namespaces;
import org.jcalico.model.Cidr;
import org.jcalico.model.EndpointPort;
import org.jcalico.model.FelixConfiguration;
import org.jcalico.model.LabelledNets;
import org.jcalico.model.Namespace;
import org.jcalico.model.Policy;
import org.jcalico.model.Resource;
import org.jcalico.model.ResourceCodec;
import org.jcalico.model.Tier;
import org.jcalico.model.WorkloadEndpoint;

/**
 * The policy model at scale on one host: 1,000 local endpoints, 500 policies in 3 tiers (platform and security tiers
 * of GlobalNetworkPolicies with Deny and Pass, the default tier of namespaced NetworkPolicies with selectors,
 * namespaceSelectors and named ports), and 100,000 remote endpoints whose labels the policies' selector sets match.
 * Measures the first programming of an empty kernel against the bare kernel path (`ipset restore` +
 * `iptables-restore` + `ip6tables-restore` of the very content it wrote into a fresh namespace) in paired rounds
 * ({@link FirstProgrammingRounds}), then how soon each
 * of three kinds of change is in the kernel (a policy changed, a remote endpoint's labels changed, a local endpoint
 * added), and the memory of the process doing it. Runs in namespaces of its own (prefix jcbp-), removed at the end;
 * the measured part runs in a JVM started as the agent's is, inside the host's namespace.
 */
public final class PolicyBenchmark {
    private final String prefix = BenchNamespaces.prefix("jcbp-");
    static final int LOCAL = 1_000;
    static final int REMOTE = 100_000;
    static final int POLICIES = 500;
    static final int CHANGES = 40;
    private static final int LARGE_SET_ROUNDS = 3;
    private static final String LARGE_SET_FLOOR = "jcbp-floor";
    /**
     * How long after its full collection the worker reads its RSS again: the agent's JVM hands glibc's free lists (the
     * compiler's arenas, mostly) back every 10 s ({@code -XX:TrimNativeHeapInterval}), so an agent settles there.
     */
    private static final int SETTLE_SECONDS = 11;
    private static final int APPS = 250;
    private static final int NAMESPACES = 20;
    private static final List<String> TIERS_OF_APPS = List.of("frontend", "backend", "db");
    private final PrintWriter out;
    /** How many paired rounds of the first programming against its floor. */
    private final int firstRounds;

    public PolicyBenchmark(PrintWriter out, int rounds) {
        this.out = out;
        this.firstRounds = rounds;
    }

    public int run() {
        Namespaces.deleteAll(prefix);
        String loadBefore = MachineLoad.averages();
        try {
            List<String> worker = new ArrayList<>(JvmCommand.jcalico());
            worker.addAll(List.of("internal", "bench-policy-worker"));
            List<Map<String, List<Long>>> firsts = new ArrayList<>();
            List<KernelFloor> floors = new ArrayList<>();
            for (int round = 0; round < firstRounds; round++) {
                CommandRunner host = freshHost();
                CommandRunner.Result first = host.withTimeout(900).run(concat(worker, "first"));
                if (!first.ok()) {
                    out.println("error: the benchmark's worker failed: " + first.stderr().strip());
                    return 1;
                }
                firsts.add(timings(first.stdout(), FIRST_KINDS));
                // of the content the first programming wrote, before anything changed it
                floors.add(KernelFloor.of(host, prefix + "host", prefix + "bare"));
            }
            // the first programming alone takes 10-20 s on a loaded machine, more than a kernel tool's default limit
            CommandRunner.Result result = freshHost().withTimeout(900).run(worker);
            if (!result.ok()) {
                out.println("error: the benchmark's worker failed: " + result.stderr().strip());
                return 1;
            }
            Map<String, List<Long>> timings = timings(result.stdout(), KINDS);
            String room = result.stdout().lines().filter(line -> line.startsWith("room ")).findFirst()
                    .map(line -> line.substring(5).replace('_', ' ')).orElse("not done");
            report(timings, room, firsts, floors, loadBefore, AgentCache.describe(worker));
            return 0;
        } finally {
            Namespaces.deleteAll(prefix);
        }
    }

    /** The host's namespace, fresh, with the veths of every local endpoint and of the ones the changes add. */
    private CommandRunner freshHost() {
        CommandRunner host = Namespaces.create(prefix + "host");
        BenchInterfaces.create(host, LOCAL + CHANGES);
        return host;
    }

    private static List<String> concat(List<String> command, String argument) {
        List<String> whole = new ArrayList<>(command);
        whole.add(argument);
        return whole;
    }

    private void report(Map<String, List<Long>> timings, String room, List<Map<String, List<Long>>> firsts,
                        List<KernelFloor> floors, String loadBefore, String jvm) {
        KernelFloor floor = floors.getLast();
        String ipsets = floor.ipsets();
        String rules = floor.rules();
        FirstProgrammingRounds paired = new FirstProgrammingRounds(new ColdRuns(
                firsts.stream().map(first -> first.get("program").getFirst()).toList(),
                floors.stream().map(KernelFloor::concurrentMicros).toList(),
                floors.stream().map(KernelFloor::sequentialMicros).toList()),
                firsts.stream().map(first -> first.get("program-calc").getFirst()).toList());
        long program = timings.get("program").getFirst();
        out.printf("cluster: %,d local endpoints, %,d policies in 3 tiers, %,d remote endpoints with labels (%d apps in %d"
                + " namespaces)%n", LOCAL, POLICIES, REMOTE, APPS, NAMESPACES);
        out.printf("kernel content as the first programming wrote it: %,d rules (iptables + ip6tables), %,d ipsets with"
                + " %,d members%n", rules.lines().filter(line -> line.startsWith("-A")).count(),
                ipsets.lines().filter(line -> line.startsWith("create")).count(),
                ipsets.lines().filter(line -> line.startsWith("add")).count());
        out.println("before it, as the agent at its start, " + room
                + " (counted in no figure)");
        List<String> lines = paired.describe(1.5);
        out.println(lines.get(0));
        out.println(lines.get(1));
        out.println(perDriver(merged(firsts), "program").replace("median per driver", "median per driver over the rounds"));
        out.println("  the last round's " + floor.describe() + " (the same content put into fresh namespaces by the"
                + " kernel's own tools, one process each)");
        out.println(lines.get(2));
        List<Long> floorCpu = floors.stream().map(paired.runs().floorAtOnce() ? KernelFloor::concurrentCpuMillis
                : KernelFloor::sequentialCpuMillis).toList();
        double agentCpu = PairedRatios.median(firsts.stream().map(first -> (first.get("program-process-cpu").getFirst()
                + first.get("program-tools-cpu").getFirst()) / 1000.0).toList());
        double toolsCpu = PairedRatios.median(floorCpu.stream().map(Long::doubleValue).toList());
        out.printf("  CPU, medians of the rounds: the agent's %.0f ms (its JVM's threads %.0f, of which its compilers %.0f;"
                + " the tools it runs, iptables-restore and ip6tables-restore, %.0f) against the floor's tools %.0f ms (the"
                + " way chosen above; each round's %s ms), %.2fx: a figure the machine's load stretches less than wall"
                + " time%n", agentCpu, median(firsts, "program-process-cpu"), median(firsts, "program-compiler-cpu"),
                median(firsts, "program-tools-cpu"), toolsCpu, floorCpu, agentCpu / toolsCpu);
        out.printf("the changes' worker's own first programming (in no ratio: its floor would be of the content after the"
                + " changes): %.0f ms, of which calc %.0f ms%n", program / 1000.0,
                timings.get("program-calc").getFirst() / 1000.0);
        out.println(perDriver(timings, "program"));
        out.println("    the worker's JVM meanwhile: " + JvmWork.describe(program,
                timings.get("program-process-cpu").getFirst(), timings.get("program-compiler-cpu").getFirst(),
                timings.get("program-compile").getFirst(), timings.get("program-collections").getFirst(),
                timings.get("program-pauses").getFirst()));
        out.printf("then, as the agent: its incremental path rehearsed in memory, %d rounds in %.0f ms, and the start's"
                + " peak given back (a full collection), neither counted in any figure; then its %d JIT compiler threads"
                + " at nice 19 for the changes, as once in sync%n",
                timings.get("rehearsal-rounds").getFirst(), timings.get("rehearsal").getFirst() / 1000.0,
                timings.get("compilers-yielded").getFirst());
        out.println("time to kernel (calc + apply, " + CHANGES + " changes of each kind in a row):");
        for (String kind : List.of("policy", "label", "add")) {
            List<Long> sorted = Latencies.sorted(timings.get(kind));
            List<Long> calcs = Latencies.sorted(timings.get(kind + "-calc"));
            out.printf("  %-48s p50 %6.1f ms  p99 %6.1f ms  max %6.1f ms  (calc p50 %5.1f ms; target p99 <= 50 ms)%n",
                    describe(kind), Percentiles.of(sorted, 50) / 1000.0, Percentiles.of(sorted, 99) / 1000.0,
                    sorted.getLast() / 1000.0, Percentiles.of(calcs, 50) / 1000.0);
            out.println(perDriver(timings, kind));
            int slowest = slowest(timings.get(kind), 0);
            int slowestLater = slowest(timings.get(kind), 1);
            out.printf("    the slowest: #%d of %d, %s; after the first: #%d, %s; collections in all %d: %d, %.0f ms"
                    + " paused%n", slowest + 1, CHANGES, change(timings, kind, slowest), slowestLater + 1,
                    change(timings, kind, slowestLater), CHANGES, sum(timings.get(kind + "-collections")),
                    sum(timings.get(kind + "-pauses")) / 1000.0);
        }
        List<Long> large = Latencies.sorted(timings.get("large"));
        List<Long> largeFloor = Latencies.sorted(timings.get("large-floor"));
        out.printf("a policy starting to reference a set of %,d members (every endpoint), %d rounds: median %.0f ms, max %.0f"
                + " ms; bare `ipset restore` of the same set in the same namespace, alternating: median %.0f ms; ratio of"
                + " medians %.2fx (target <= 1.5x)%n", timings.get("large-members").getFirst(), large.size(),
                Percentiles.of(large, 50) / 1000.0, large.getLast() / 1000.0, Percentiles.of(largeFloor, 50) / 1000.0,
                (double) Percentiles.of(large, 50) / Percentiles.of(largeFloor, 50));
        out.printf("  of which calc: median %.0f ms%n", Percentiles.of(Latencies.sorted(timings.get("large-calc")), 50) / 1000.0);
        out.println(perDriver(timings, "large"));
        out.printf("the policy removed again (its sets destroyed), %d rounds: median %.0f ms, max %.0f ms%n",
                timings.get("large-gone").size(), Percentiles.of(Latencies.sorted(timings.get("large-gone")), 50) / 1000.0,
                Latencies.sorted(timings.get("large-gone")).getLast() / 1000.0);
        out.println(perDriver(timings, "large-gone"));
        out.println("  each round in order, ms (the agent's: all / calc / ipsets; the floor's): " + rounds(timings));
        out.printf("memory of the process doing it: RSS %d MB right after a full GC, %d MB %d s later as an agent settles"
                + " (its JVM trims the native heap every 10 s); heap after the full GC %d MB live of %d MB committed"
                + " (target RSS <= 250 MB; the agent's JVM flags; no datastore client or cache)%n",
                timings.get("rss").getFirst(), timings.get("rss-settled").getFirst(), SETTLE_SECONDS,
                timings.get("heap").getFirst(), timings.get("heap-committed").getFirst());
        out.println(jvm);
        out.println(MachineLoad.describe(loadBefore));
        out.flush();
    }

    /** The median over the rounds of one figure in microseconds, in milliseconds. */
    private static double median(List<Map<String, List<Long>>> rounds, String kind) {
        return PairedRatios.median(rounds.stream().map(round -> round.get(kind).getFirst() / 1000.0).toList());
    }

    /** The rounds' timings as one: each kind's values of every round in a list, for their medians. */
    private static Map<String, List<Long>> merged(List<Map<String, List<Long>>> rounds) {
        Map<String, List<Long>> merged = new HashMap<>();
        rounds.forEach(round -> round.forEach((kind, values) ->
                merged.computeIfAbsent(kind, k -> new ArrayList<>()).addAll(values)));
        return merged;
    }

    /**
     * The large set's rounds in the order they ran: the first is what an agent meets once; the later ones read how far
     * the compilers got.
     */
    private static String rounds(Map<String, List<Long>> timings) {
        StringJoiner rounds = new StringJoiner("; ");
        List<Long> ipsets = timings.getOrDefault("large-driver-ipsets", List.of());
        for (int i = 0; i < timings.get("large").size(); i++) {
            rounds.add(String.format("%.0f / %.0f / %s; %.0f", timings.get("large").get(i) / 1000.0,
                    timings.get("large-calc").get(i) / 1000.0,
                    i < ipsets.size() ? String.format("%.0f", ipsets.get(i) / 1000.0) : "-",
                    timings.get("large-floor").get(i) / 1000.0));
        }
        return rounds.toString();
    }

    /** The median time of each driver in the changes of one kind. */
    private static String perDriver(Map<String, List<Long>> timings, String kind) {
        StringBuilder drivers = new StringBuilder("    median per driver (two run at once):");
        timings.keySet().stream().filter(key -> key.startsWith(kind + "-driver-")).sorted().forEach(key ->
                drivers.append(String.format(" %s %.1f ms", key.substring((kind + "-driver-").length()),
                        Percentiles.of(Latencies.sorted(timings.get(key)), 50) / 1000.0)));
        return drivers.toString();
    }

    private static long sum(List<Long> values) {
        return values.stream().mapToLong(Long::longValue).sum();
    }

    /** The place of the longest of TIMES (in their order) from the FROMth on. */
    private static int slowest(List<Long> times, int from) {
        int slowest = from;
        for (int i = from + 1; i < times.size(); i++) {
            if (times.get(i) > times.get(slowest)) {
                slowest = i;
            }
        }
        return slowest;
    }

    /**
     * The INDEXth change of a kind: its time, calc, each driver and what the JVM did meanwhile, so that a p99 (of 40,
     * the slowest) says whether it was a collection, the JIT or the change's own work.
     */
    private static String change(Map<String, List<Long>> timings, String kind, int index) {
        StringBuilder text = new StringBuilder(String.format("%.1f ms (calc %.1f ms;", timings.get(kind).get(index) / 1000.0,
                timings.get(kind + "-calc").get(index) / 1000.0));
        timings.keySet().stream().filter(key -> key.startsWith(kind + "-driver-")).sorted()
                .filter(key -> timings.get(key).size() == CHANGES).forEach(key -> text.append(String.format(" %s %.1f ms",
                        key.substring((kind + "-driver-").length()), timings.get(key).get(index) / 1000.0)));
        return text.append(String.format("; %d collection(s), %.0f ms paused; JIT %.0f ms compiling)",
                timings.get(kind + "-collections").get(index), timings.get(kind + "-pauses").get(index) / 1000.0,
                timings.get(kind + "-compile").get(index) / 1000.0)).toString();
    }

    private static String describe(String kind) {
        return switch (kind) {
            case "policy" -> "one policy changed (a rule's port):";
            case "label" -> "one remote endpoint's labels changed (its app):";
            default -> "one local endpoint added:";
        };
    }

    /** One paired round's agent side, inside the host's namespace: the first programming alone ({@link #programFirst}). */
    public static void measureFirst(PrintWriter out) {
        programFirst(out);
    }

    /**
     * The measured part, inside the host's namespace: program the cluster's policy into an empty kernel, then change
     * it one step at a time. Prints "KIND MICROSECONDS" lines for {@link #timings}.
     */
    public static void measure(PrintWriter out) {
        Programmed first = programFirst(out);
        Cluster cluster = first.cluster();
        Dataplane dataplane = first.dataplane();
        HostStateCalculator calculator = first.calculator();
        var snapshot = first.snapshot();
        JvmWork jvm = new JvmWork();
        // as the agent does after its first pass (StartSequence), in neither figure: the incremental path run in
        // memory, nothing written, then the start's peak given back (a full collection), so that the changes meet the
        // JVM and the heap an agent's changes meet (docs/dataplane.md, session 33)
        StartSequence.Settled settled = StartSequence.afterFirstPass(snapshot, calculator::calculate, dataplane, () -> false);
        if (settled.failure() != null) {
            throw settled.failure();
        }
        out.println("rehearsal-rounds " + settled.rounds());
        out.println("rehearsal " + settled.rehearsalNanos() / 1000);
        // as the agent once in sync: the compilers yield to the changes
        out.println("compilers-yielded " + StartSequence.compilersYield());
        for (int i = 0; i < CHANGES; i++) {
            cluster.changePolicy(i);
            timeToKernel("policy", calculator, dataplane, cluster, jvm, out);
            cluster.relabelRemote(i);
            timeToKernel("label", calculator, dataplane, cluster, jvm, out);
            cluster.addLocal(i);
            timeToKernel("add", calculator, dataplane, cluster, jvm, out);
        }
        largeSet(calculator, dataplane, cluster, out);
        System.gc();
        Runtime runtime = Runtime.getRuntime();
        out.println("heap " + (runtime.totalMemory() - runtime.freeMemory()) / (1024 * 1024));
        out.println("heap-committed " + runtime.totalMemory() / (1024 * 1024));
        out.println("rss " + rssMegabytes());
        try {
            Thread.sleep(SETTLE_SECONDS * 1000L);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        out.println("rss-settled " + rssMegabytes());
        out.flush();
    }

    /** What a worker's first programming leaves for the changes after it. */
    private record Programmed(Cluster cluster, Dataplane dataplane, HostStateCalculator calculator, Snapshot snapshot) {
    }

    /**
     * The first programming of the cluster into the empty kernel of this namespace, timed as an agent's first pass
     * from its snapshot on; prints its "program..." lines. Alone (the worker's argument "first") it is one paired
     * round's side of the agent: its floor is then taken of the content it wrote, before anything changes it.
     */
    private static Programmed programFirst(PrintWriter out) {
        // as the agent at its start and before its listing (StartSequence), in no figure
        out.println("room " + StartSequence.asABenchWorker().replace(' ', '_'));
        Cluster cluster = new Cluster();
        Dataplane dataplane = new Dataplane(CommandRunner.local());
        HostStateCalculator calculator = new HostStateCalculator();
        check(dataplane.start());
        JvmWork jvm = new JvmWork();
        JvmWork.Mark before = jvm.mark();
        long toolsBefore = ProcessCpu.toolsMillis();
        long start = System.nanoTime();
        // as the agent's first pass (Agent.program): a resync, with the guard written while calc runs
        var snapshot = cluster.snapshot();
        long[] calc = new long[1];
        DataplaneReport report = check(StartSequence.firstPass(dataplane, snapshot, () -> {
            var desired = calculator.calculate(snapshot);
            calc[0] = System.nanoTime() - start;
            return desired;
        }));
        out.println("program " + (System.nanoTime() - start) / 1000);
        JvmWork.Mark after = jvm.mark();
        out.println("program-tools-cpu " + (ProcessCpu.toolsMillis() - toolsBefore) * 1000);
        out.println("program-calc " + calc[0] / 1000);
        out.println("program-collections " + after.collections(before));
        out.println("program-pauses " + after.pauseMicros(before));
        out.println("program-compile " + after.compileMicros(before));
        out.println("program-compiler-cpu " + after.compilerCpuMicros(before));
        out.println("program-process-cpu " + after.processCpuMicros(before));
        report.drivers().forEach((driver, spent) -> out.println("program-driver-" + driver + " " + spent.toNanos() / 1000));
        out.flush();
        return new Programmed(cluster, dataplane, calculator, snapshot);
    }

    /**
     * A policy that starts to reference a selector every endpoint matches (a set of over 100,000 members), against the
     * bare kernel doing the same: one {@code ipset restore} of that set's saved content under another name, in the
     * same namespace, alternating with the agent's; the policy is removed (its set destroyed) between rounds, timed
     * too.
     */
    private static void largeSet(HostStateCalculator calculator, Dataplane dataplane, Cluster cluster, PrintWriter out) {
        CommandRunner kernel = CommandRunner.local();
        for (int round = 0; round < LARGE_SET_ROUNDS; round++) {
            java.util.Set<String> before = java.util.Set.copyOf(kernel.run("ipset", "list", "-n").check().stdout().lines().toList());
            cluster.referenceEveryone(true);
            timeToKernel("large", calculator, dataplane, cluster, new JvmWork(), out);
            // the selector's set of each family: the IPv4 one holds every endpoint, the IPv6 one none
            String largest = kernel.run("ipset", "list", "-n").check().stdout().lines()
                    .filter(name -> !before.contains(name))
                    .map(name -> kernel.run("ipset", "save", name).check().stdout())
                    .max(java.util.Comparator.comparingLong(save -> save.lines().count()))
                    .orElseThrow(() -> new IllegalStateException("the policy made no set"));
            String name = largest.lines().findFirst().orElseThrow().split(" ")[1];
            String saved = largest.replace(" " + name + " ", " " + LARGE_SET_FLOOR + " ");
            out.println("large-members " + saved.lines().filter(line -> line.startsWith("add")).count());
            long start = System.nanoTime();
            kernel.run(List.of("ipset", "restore"), saved).check();
            out.println("large-floor " + (System.nanoTime() - start) / 1000);
            kernel.run("ipset", "destroy", LARGE_SET_FLOOR).check();
            cluster.referenceEveryone(false);
            timeToKernel("large-gone", calculator, dataplane, cluster, new JvmWork(), out);
        }
    }

    private static void timeToKernel(String kind, HostStateCalculator calculator, Dataplane dataplane, Cluster cluster,
                                     JvmWork jvm, PrintWriter out) {
        JvmWork.Mark before = jvm.mark();
        long start = System.nanoTime();
        var desired = calculator.calculate(cluster.snapshot());
        long calc = System.nanoTime() - start;
        DataplaneReport report = check(dataplane.apply(desired));
        out.println(kind + " " + (System.nanoTime() - start) / 1000);
        JvmWork.Mark after = jvm.mark();
        out.println(kind + "-calc " + calc / 1000);
        out.println(kind + "-collections " + after.collections(before));
        out.println(kind + "-pauses " + after.pauseMicros(before));
        out.println(kind + "-compile " + after.compileMicros(before));
        report.drivers().forEach((driver, spent) -> out.println(kind + "-driver-" + driver + " " + spent.toNanos() / 1000));
    }

    private static DataplaneReport check(DataplaneReport report) {
        if (!report.failures().isEmpty()) {
            throw new IllegalStateException("programming failed: " + report.failures());
        }
        return report;
    }

    private static final List<String> FIRST_KINDS = List.of("program", "program-calc", "program-collections",
            "program-pauses", "program-compile", "program-compiler-cpu", "program-process-cpu", "program-tools-cpu");
    private static final List<String> KINDS = java.util.stream.Stream.concat(FIRST_KINDS.stream(), java.util.stream.Stream.of(
            "rehearsal-rounds", "rehearsal", "compilers-yielded", "policy", "label", "add", "policy-calc", "label-calc",
            "add-calc", "large", "large-floor", "large-gone", "large-members", "heap", "heap-committed", "rss",
            "rss-settled")).toList();

    /** The worker's "KIND MICROSECONDS" lines, each kind's values in their order; every one of REQUIRED present. */
    private static Map<String, List<Long>> timings(String output, List<String> required) {
        Map<String, List<Long>> timings = new HashMap<>();
        for (String line : output.lines().toList()) {
            String[] words = line.split(" ");
            if (words.length == 2 && words[1].chars().allMatch(Character::isDigit)) {
                timings.computeIfAbsent(words[0], k -> new ArrayList<>()).add(Long.parseLong(words[1]));
            }
        }
        for (String kind : required) {
            if (!timings.containsKey(kind)) {
                throw new IllegalStateException("the benchmark's worker printed no " + kind + ": " + output.strip());
            }
        }
        return timings;
    }

    private static long rssMegabytes() {
        try {
            return Files.readAllLines(Path.of("/proc/self/status")).stream().filter(line -> line.startsWith("VmRSS:"))
                    .map(line -> Long.parseLong(line.replaceAll("\\D", "")) / 1024).findFirst().orElse(-1L);
        } catch (IOException e) {
            return -1;
        }
    }

    /**
     * The simulated cluster and its changes. Endpoints are labelled as deployments label their pods: an app (in one
     * namespace), its tier, a version and a pod-template hash shared by the replicas, so that labels repeat as they
     * do in a real cluster; every endpoint declares the named ports http and metrics.
     */
    static final class Cluster {
        private final List<WorkloadEndpoint> endpoints = new ArrayList<>();
        private final List<Policy> policies = new ArrayList<>();
        private final List<Tier> tiers = new ArrayList<>();
        private final Map<String, Namespace> namespaces = new HashMap<>();
        private final List<LabelledNets> networkSets = new ArrayList<>();
        private int next;

        Cluster() {
            for (int i = 0; i < NAMESPACES; i++) {
                String name = "ns-" + i;
                namespaces.put(name, new Namespace(name, Map.of("team", "t" + i % 5, "env", i % 2 == 0 ? "prod" : "dev")));
            }
            for (int i = 0; i < LOCAL; i++) {
                endpoints.add(endpoint("local", i, i));
            }
            for (int i = 0; i < REMOTE; i++) {
                endpoints.add(endpoint("remote-" + i % 999, LOCAL + CHANGES + i, i));
            }
            // JSON, as the agent reads resources from its datastore: the agent's AOT cache records what this loads
            // (AgentCacheTraining), and YAML's parser would be 70 classes more that every agent maps and never uses
            StringJoiner json = new StringJoiner(",", "[", "]");
            json.add(tier("platform", 100)).add(tier("security", 200));
            for (int k = 0; k < POLICIES; k++) {
                json.add(policy(k, 8080));
            }
            json.add("""
                    {"apiVersion": "projectcalico.org/v3", "kind": "GlobalNetworkSet",
                     "metadata": {"name": "partners", "labels": {"role": "partner"}},
                     "spec": {"nets": ["198.51.100.0/24", "203.0.113.0/24"]}}""");
            for (Resource resource : ResourceCodec.decodeAll(json.toString())) {
                switch (resource) {
                    case Tier tier -> tiers.add(tier);
                    case Policy policy -> policies.add(policy);
                    case LabelledNets set -> networkSets.add(set);
                    default -> throw new IllegalStateException("unexpected " + resource.kind());
                }
            }
            next = LOCAL;
        }

        Snapshot snapshot() {
            return Snapshot.of("local", FelixConfiguration.DEFAULTS, endpoints, Map.of())
                    .withPolicy(tiers, policies, networkSets, namespaces);
        }

        /** A default-tier policy's first ingress rule moves to another port. */
        void changePolicy(int step) {
            int k = 100 + step * 7 % (POLICIES - 100);
            int position = indexOf(k);
            policies.set(position, (Policy) ResourceCodec.decodeAll(policy(k, 10_000 + step)).getFirst());
        }

        /** A remote endpoint moves to another app (so to other sets, and maybe another tier's). */
        void relabelRemote(int step) {
            int position = LOCAL + step * 997 % REMOTE;
            WorkloadEndpoint was = endpoints.get(position);
            int app = (Integer.parseInt(was.labels().get("app").substring(4)) + 1 + step) % APPS;
            endpoints.set(position, was.withLabels(labels(app, step)));
        }

        /** A default-tier policy of 4 local endpoints allows every endpoint in (its selector's set holds all). */
        void referenceEveryone(boolean present) {
            policies.removeIf(policy -> policy.metadata().name().equals("everyone"));
            if (present) {
                policies.add((Policy) ResourceCodec.decodeAll("""
                        {"apiVersion": "projectcalico.org/v3", "kind": "GlobalNetworkPolicy", "metadata": {"name": "everyone"},
                         "spec": {"order": 5000, "selector": "app == 'app-7'",
                          "ingress": [{"action": "Allow", "protocol": "TCP", "source": {"selector": "has(tier)"}, "destination": {"ports": [7000]}}]}}
                        """).getFirst());
            }
        }

        void addLocal(int step) {
            endpoints.add(endpoint("local", next++, step * 31));
        }

        private int indexOf(int k) {
            for (int i = 0; i < policies.size(); i++) {
                if (policies.get(i).metadata().name().endsWith("p-" + k)) {
                    return i;
                }
            }
            throw new IllegalStateException("no policy p-" + k);
        }

        private static WorkloadEndpoint endpoint(String node, int index, int seed) {
            int app = seed % APPS;
            Cidr v4 = Cidr.host(Cidr.parse("10.96.0.0/12").addressAt(BigInteger.valueOf(index)));
            String id = "e" + index;
            return new WorkloadEndpoint(node, "k8s", "pod-" + index, id, node.equals("local") ? BenchInterfaces.name(index)
                    : "jcr" + Integer.toHexString(index), null, List.of(v4), List.of(), List.of(), null,
                    namespaceOf(app), labels(app, seed), List.of(new EndpointPort("http", org.jcalico.model.Protocol.parse("tcp"), 8080),
                    new EndpointPort("metrics", org.jcalico.model.Protocol.parse("tcp"), 9090)));
        }

        private static Map<String, String> labels(int app, int seed) {
            return Map.of("app", "app-" + app, "tier", TIERS_OF_APPS.get(app % 3), "version", "v" + seed % 2,
                    "pod-template-hash", "h" + app + "x" + seed % 2);
        }

        private static String namespaceOf(int app) {
            return "ns-" + app % NAMESPACES;
        }

        private static String tier(String name, int order) {
            return """
                    {"apiVersion": "projectcalico.org/v3", "kind": "Tier", "metadata": {"name": "%s"}, "spec": {"order": %d}}\
                    """.formatted(name, order);
        }

        /**
         * Policy K: 50 platform GlobalNetworkPolicies (deny a quarantined team's namespaces, pass the rest), 50 security
         * ones (deny a blocked address and app per tier of apps, pass the rest), 400 default-tier NetworkPolicies (one
         * app: from the next app on PORT, from the frontends of a team's namespaces on the named port http, to the
         * databases on 5432, to partners' networks on 443).
         */
        private static String policy(int k, int port) {
            if (k < 50) {
                return """
                        {"apiVersion": "projectcalico.org/v3", "kind": "GlobalNetworkPolicy", "metadata": {"name": "platform.p-%1$d"},
                         "spec": {"tier": "platform", "order": %1$d, "selector": "app == 'app-%2$d'",
                          "ingress": [{"action": "Deny", "source": {"namespaceSelector": "team == 'quarantine-%1$d'"}}, {"action": "Pass"}],
                          "egress": [{"action": "Pass"}]}}\
                        """.formatted(k, k * 5 % APPS);
            }
            if (k < 100) {
                return """
                        {"apiVersion": "projectcalico.org/v3", "kind": "GlobalNetworkPolicy", "metadata": {"name": "security.p-%1$d"},
                         "spec": {"tier": "security", "order": %1$d, "selector": "tier == '%2$s' && version == 'v%3$d'",
                          "ingress": [{"action": "Deny", "source": {"nets": ["192.0.2.%1$d/32"]}}, {"action": "Pass"}],
                          "egress": [{"action": "Deny", "destination": {"selector": "app == 'blocked-%1$d'"}}, {"action": "Pass"}]}}\
                        """.formatted(k, TIERS_OF_APPS.get(k % 3), k % 2);
            }
            int app = (k - 100) % APPS;
            return """
                    {"apiVersion": "projectcalico.org/v3", "kind": "NetworkPolicy", "metadata": {"name": "p-%1$d", "namespace": "%2$s"},
                     "spec": {"order": %1$d, "selector": "app == 'app-%3$d'",
                      "ingress": [
                       {"action": "Allow", "protocol": "TCP", "source": {"selector": "app == 'app-%4$d'"}, "destination": {"ports": [%5$d]}},
                       {"action": "Allow", "protocol": "TCP", "source": {"namespaceSelector": "team == 't%6$d'", "selector": "tier == 'frontend'"}, "destination": {"ports": ["http"]}}],
                      "egress": [
                       {"action": "Allow", "protocol": "TCP", "destination": {"selector": "tier == 'db'", "ports": [5432]}},
                       {"action": "Allow", "protocol": "TCP", "destination": {"namespaceSelector": "global()", "selector": "role == 'partner'", "ports": [443]}}]}}\
                    """.formatted(k, namespaceOf(app), app, (app + 1) % APPS, port, k % 5);
        }
    }
}
