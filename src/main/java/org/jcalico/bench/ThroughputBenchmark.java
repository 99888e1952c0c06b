package org.jcalico.bench;

import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.OptionalInt;
import org.jcalico.kernel.CommandRunner;
import org.jcalico.lab.Lab;
import org.jcalico.model.IpAddress;

/**
 * What jcalico's rules cost per packet, on each dataplane: iperf3 TCP and ping between workloads on two hosts of a lab
 * (BGP, the real agents, a profile that allows the traffic; one host pair per dataplane, all made alike) against a
 * bare copy of the first pair on the same fabric (see {@link ThroughputFloor}), a second bare copy (what the method
 * reads where nothing differs: its resolution) and a copy with one conntrack rule, in one run, each path measured
 * together with bare (at once, on one CPU) so that the machine's load and the vCPU's speed fall on both alike; each
 * target is judged by its paired median's confidence interval.
 */
public final class ThroughputBenchmark {
    /** The most rounds an estimate names: more is hours of measuring, against the kernel lock's ten minutes. */
    static final int ROUNDS_WORTH_SAYING = 1000;
    /**
     * The dataplanes measured, each on a host pair of its own (FelixConfiguration node.NAME's dataplaneDriver); the
     * faster one is held to the targets.
     */
    private static final List<String> DATAPLANES = List.of("iptables", "nftables");
    private static final double THROUGHPUT_TARGET = 0.97;
    private static final double RTT_TARGET = 1.2;
    /**
     * A second bare copy, made exactly like the first: its ratio to bare is what the method reads when nothing
     * differs, so its interval is the bench's resolution (a path within it of 1.000 cannot be told from bare).
     */
    private static final String BARE_AGAIN = "bare (again)";
    /** A third bare copy with one rule that makes the kernel track connections: the floor of any stateful dataplane. */
    private static final String TRACKED = "bare + conntrack";
    /**
     * Back-to-back pings a path's CPU per round trip is taken over each round: enough that bash's millisecond CPU times
     * resolve it to about 1 % (some 150 ms of CPU a path), few enough to keep a round short.
     */
    private static final int BACK_TO_BACK = 20_000;
    /**
     * What a budget of minutes keeps for the report and taking the lab down (its iperf3 servers, agents, BIRDs and
     * namespaces: about 5 s at load 4 in session 69), so that the invocation ends within it.
     */
    static final long TEARDOWN = 20_000_000_000L;
    private final PrintWriter out;

    public ThroughputBenchmark(PrintWriter out) {
        this.out = out;
    }

    /**
     * One way between two workloads, and what was measured on it: its own runs, RTTs and CPU per round trip, and, for
     * a path other than bare, each window in which it ran together with bare: its iperf3 windows (one a round, and one
     * a rate round) and its pings' windows (one a round).
     */
    private record Path(String name, ThroughputProbe probe, List<ThroughputProbe.Run> runs, List<Double> rtts,
                        List<Double> cpus, List<RateWindow> rates, List<PingWindow> pings) {
        Path(String name, ThroughputProbe probe) {
            this(name, probe, new ArrayList<>(), new ArrayList<>(), new ArrayList<>(), new ArrayList<>(), new ArrayList<>());
        }

        /** This path's figure over bare's in the same window, for every iperf3 window. */
        PairedRatios pairedRate(java.util.function.Function<RateWindow, double[]> figure) {
            return paired(rates, figure);
        }

        /** This path's figure over bare's in the same window, for every pings' window. */
        PairedRatios pairedPings(java.util.function.Function<PingWindow, double[]> figure) {
            return paired(pings, figure);
        }

        private static <W> PairedRatios paired(List<W> windows, java.util.function.Function<W, double[]> figure) {
            return PairedRatios.of(windows.stream().map(window -> figure.apply(window)[0]).toList(),
                    windows.stream().map(window -> figure.apply(window)[1]).toList());
        }

        List<Double> bits() {
            return runs.stream().map(ThroughputProbe.Run::bitsPerSecond).toList();
        }

        double medianBits() {
            return PairedRatios.median(bits());
        }

        double medianBitsPerCpuSecond() {
            return PairedRatios.median(runs.stream().map(ThroughputProbe.Run::bitsPerCpuSecond).toList());
        }
    }

    /** A path's iperf3 run and bare's, at once on CPU 0: the rates and bits per CPU-second, each {this path's, bare's}. */
    private record RateWindow(double[] rate, double[] perCpu) {
    }

    /** A path's pings and bare's, at once on CPU 0: typical back-to-back RTTs and CPU per round trip, each {this path's, bare's}. */
    private record PingWindow(double[] rtt, double[] trip) {
    }

    /**
     * @param minutes when present, the invocation's length in all: after the rounds, rate rounds (see
     *                {@link #measureRate}) fill the time left but {@link #TEARDOWN}
     * @return 0 when the faster dataplane meets both targets, 1 otherwise
     */
    public int run(String labName, int rounds, int seconds, int pings, OptionalInt minutes) {
        long begun = System.nanoTime();
        String before = MachineLoad.averages();
        Lab lab = new Lab(BenchNamespaces.layout(labName, 2 * DATAPLANES.size()), true, line -> { });
        lab.down();
        List<Process> servers = new ArrayList<>();
        try {
            out.printf("building a lab of %d hosts and three bare copies of a host pair...%n", 2 * DATAPLANES.size());
            out.flush();
            // each host's agent starts on its dataplane: a host switched from iptables keeps iptables-nft's empty
            // built-in chains (a hook more per packet), which a host deployed on nftables never has
            lab.up(List.of(1));
            ThroughputFloor.unfilteredFabric(lab);
            AttachBenchmark.jc(lab, "h1", "pool", "add", "10.72.0.0/16");
            for (int pair = 0; pair < DATAPLANES.size(); pair++) {
                useDataplane(lab, pair, DATAPLANES.get(pair));
            }
            for (int host = 2; host <= 2 * DATAPLANES.size(); host++) {
                lab.join(host);
            }
            List<Path> paths = new ArrayList<>();
            List<ThroughputFloor.Side> firstPair = null;
            for (int pair = 0; pair < DATAPLANES.size(); pair++) {
                List<ThroughputFloor.Side> sides = workloads(lab, pair);
                firstPair = firstPair == null ? sides : firstPair;
                servers.add(ThroughputProbe.serveIn(sides.get(1).workload()));
                paths.add(new Path("jcalico " + DATAPLANES.get(pair), new ThroughputProbe(sides.get(0).workload(), sides.get(1).address())));
            }
            AttachBenchmark.awaitBgp(lab);
            for (int pair = 0; pair < DATAPLANES.size(); pair++) {
                awaitDataplane(lab, pair, DATAPLANES.get(pair));
            }
            List<ThroughputFloor.Side> bare = ThroughputFloor.build(lab, "bare", 0, firstPair.get(0), firstPair.get(1));
            List<ThroughputFloor.Side> tracked = ThroughputFloor.build(lab, "ct", 1, firstPair.get(0), firstPair.get(1));
            List<ThroughputFloor.Side> again = ThroughputFloor.build(lab, "again", 2, firstPair.get(0), firstPair.get(1));
            tracked.forEach(ThroughputFloor::trackConnections);
            List<ThroughputFloor.Equalized> equalized = new ArrayList<>();
            for (List<ThroughputFloor.Side> copy : List.of(bare, tracked, again)) {
                for (int i = 0; i < 2; i++) {
                    equalized.add(ThroughputFloor.equalize(firstPair.get(i), copy.get(i)));
                }
                servers.add(ThroughputProbe.serveIn(copy.get(1).workload()));
            }
            paths.add(0, new Path("bare", new ThroughputProbe(bare.get(0).workload(), bare.get(1).address())));
            paths.add(1, new Path(BARE_AGAIN, new ThroughputProbe(again.get(0).workload(), again.get(1).address())));
            paths.add(2, new Path(TRACKED, new ThroughputProbe(tracked.get(0).workload(), tracked.get(1).address())));
            for (Path path : paths) {
                awaitReachable(path);
                path.probe().run(1);
            }
            long start = System.nanoTime();
            measure(paths, rounds, seconds, pings);
            double secondsPerRound = (System.nanoTime() - start) / 1e9 / rounds;
            Path best = faster(paths);
            RateRounds rate = minutes.isPresent()
                    ? measureRate(paths, best, seconds, begun + minutes.getAsInt() * 60_000_000_000L - TEARDOWN)
                    : new RateRounds(0, 0);
            printFloor(lab, firstPair, bare, equalized);
            return report(paths, best, rounds, seconds, pings, before, secondsPerRound, rate, minutes, begun);
        } finally {
            servers.forEach(Process::destroy);
            lab.down();
            out.flush();
        }
    }

    /** Both hosts of the pair run the dataplane, set for each node as a user would: `jcalico apply -f` (on h1, the first up). */
    private static void useDataplane(Lab lab, int pair, String dataplane) {
        StringBuilder yaml = new StringBuilder();
        for (int host = 2 * pair + 1; host <= 2 * pair + 2; host++) {
            yaml.append("---\nkind: FelixConfiguration\nname: node.").append(lab.layout().nodeName(host))
                    .append("\ndataplaneDriver: ").append(dataplane).append('\n');
        }
        AttachBenchmark.apply(lab, "dataplane-" + pair, yaml.toString());
    }

    /** Measuring a host still on the other dataplane (or on both, while it switches) would measure the wrong thing. */
    private static void awaitDataplane(Lab lab, int pair, String dataplane) {
        long deadline = System.currentTimeMillis() + 30_000;
        for (int host = 2 * pair + 1; host <= 2 * pair + 2; host++) {
            CommandRunner runner = CommandRunner.inNamespace(lab.layout().host(host));
            while (true) {
                boolean nft = runner.run("nft", "list", "tables").stdout().contains("jcalico");
                boolean iptables = runner.run("iptables-save", "-t", "filter").stdout().contains(":jc-FORWARD");
                if (dataplane.equals("nftables") ? nft && !iptables : iptables && !nft) {
                    break;
                }
                if (System.currentTimeMillis() > deadline) {
                    throw new IllegalStateException(lab.layout().host(host) + " is not on " + dataplane + " alone after 30 s");
                }
                try {
                    Thread.sleep(200);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new IllegalStateException("interrupted", e);
                }
            }
        }
    }

    /** The pair's client workload on host 2k+1 and its server on host 2k+2, each in a /26 of its own. */
    private static List<ThroughputFloor.Side> workloads(Lab lab, int pair) {
        List<ThroughputFloor.Side> sides = new ArrayList<>();
        for (int i = 0; i < 2; i++) {
            int host = 2 * pair + 1 + i;
            String namespace = lab.workload("w" + host);
            IpAddress address = IpAddress.parse("10.72." + pair + "." + (1 + 64 * i));
            AttachBenchmark.jc(lab, "h" + host, "container", "add", "netns:" + namespace, address.toString(), "--profile", "bench");
            String route = CommandRunner.inNamespace(lab.layout().host(host)).run("ip", "-o", "route", "show", address.toString())
                    .check().stdout();
            String hostInterface = route.replaceFirst("(?s).*\\bdev (\\S+).*", "$1");
            sides.add(new ThroughputFloor.Side(lab.layout().host(host), namespace, address, hostInterface));
        }
        return sides;
    }

    /** BGP up is not yet the route learnt: wait for a first answer. */
    private static void awaitReachable(Path path) {
        long deadline = System.currentTimeMillis() + 30_000;
        while (true) {
            try {
                path.probe().roundTrips(1);
                return;
            } catch (IllegalStateException e) {
                if (System.currentTimeMillis() > deadline) {
                    throw new IllegalStateException(path.name() + ": no answer within 30 s: " + e.getMessage());
                }
            }
        }
    }

    /**
     * Each round measures every path together with bare, in windows in an order that turns: iperf3 runs at once, then
     * back-to-back pings at once whose RTTs are read, then back-to-back pings at once whose CPU is read (quiet: printing
     * each answer would add to it). Both paths of a window share CPU 0 and the same moments of the vCPU's speed, so
     * their ratio is the paths' own; each path's figures are also kept whole for the table (bare's from every window).
     */
    private void measure(List<Path> paths, int rounds, int seconds, int pings) {
        Path bare = paths.get(0);
        List<Path> partners = paths.subList(1, paths.size());
        StringBuilder loads = new StringBuilder();
        for (int round = 0; round < rounds; round++) {
            loads.append(round == 0 ? "" : ", ").append(MachineLoad.averages().split(" ")[0]);
            for (int i = 0; i < partners.size(); i++) {
                Path path = partners.get((i + round) % partners.size());
                // which of the two starts first turns too: an iperf3 that starts alone has the CPU for a moment
                boolean bareFirst = round % 2 == 0;
                List<Path> order = bareFirst ? List.of(bare, path) : List.of(path, bare);
                rateWindow(bare, path, bareFirst, seconds);
                List<Double> rtts = inOrder(bareFirst, ThroughputProbe.together(order.get(0).probe(),
                        order.get(1).probe(), 0, probe -> ThroughputProbe.typicalRoundTrip(probe.roundTrips(pings))));
                List<Double> trips = inOrder(bareFirst, ThroughputProbe.together(order.get(0).probe(),
                        order.get(1).probe(), 0, probe -> probe.cpuPerRoundTrip(BACK_TO_BACK)));
                path.pings().add(new PingWindow(new double[] {rtts.get(1), rtts.get(0)}, new double[] {trips.get(1), trips.get(0)}));
                for (int side = 0; side < 2; side++) {
                    Path measured = side == 0 ? bare : path;
                    measured.rtts().add(rtts.get(side));
                    measured.cpus().add(trips.get(side));
                }
            }
        }
        out.println("load average (1 min) at the start of each round: " + loads);
    }

    /** One iperf3 window: the path's run and bare's at once, kept as the path's window and as each one's run. */
    private static void rateWindow(Path bare, Path path, boolean bareFirst, int seconds) {
        List<ThroughputProbe.Run> runs = inOrder(bareFirst, ThroughputProbe.together(bareFirst ? bare.probe() : path.probe(),
                bareFirst ? path.probe() : bare.probe(), 0, probe -> probe.run(seconds)));
        path.rates().add(new RateWindow(new double[] {runs.get(1).bitsPerSecond(), runs.get(0).bitsPerSecond()},
                new double[] {runs.get(1).bitsPerCpuSecond(), runs.get(0).bitsPerCpuSecond()}));
        bare.runs().add(runs.get(0));
        path.runs().add(runs.get(1));
    }

    /**
     * Rate rounds until the budget's end: each two iperf3 windows of the faster dataplane and one of bare (again), each
     * together with bare, no pings (the RTT needs none: the rounds decide it). The rate's interval narrows as the
     * square root of its windows, and a window of the rate alone takes about a sixth of a full round of four paths. How many
     * is set by the clock alone, never by what the windows read: stopping once the interval clears the target would
     * make a 95 % interval clear it by chance far more often than one time in twenty.
     *
     * @return the rate rounds run and the seconds they took
     */
    private RateRounds measureRate(List<Path> paths, Path best, int seconds, long deadline) {
        Path bare = paths.get(0);
        // the verdict is the faster path's: two of its windows to one of the resolution's
        Path again = paths.stream().filter(path -> path.name().equals(BARE_AGAIN)).findFirst().orElseThrow();
        List<Path> partners = List.of(best, again, best);
        // before the first, a guess on the safe side: each window iperf3's run and its start and report
        long longest = partners.size() * (seconds + 2) * 1_000_000_000L;
        int rounds = 0;
        long first = System.nanoTime();
        StringBuilder loads = new StringBuilder();
        while (anotherRoundFits(System.nanoTime(), deadline, longest)) {
            long start = System.nanoTime();
            if (rounds % 20 == 0) {
                loads.append(rounds == 0 ? "" : ", ").append(MachineLoad.averages().split(" ")[0]);
            }
            for (int i = 0; i < partners.size(); i++) {
                rateWindow(bare, partners.get((i + rounds) % partners.size()), rounds % 2 == 0, seconds);
            }
            longest = rounds == 0 ? System.nanoTime() - start : Math.max(longest, System.nanoTime() - start);
            rounds++;
        }
        if (rounds > 0) {
            out.println("load average (1 min) at the start of every 20th rate round: " + loads);
        }
        return new RateRounds(rounds, (System.nanoTime() - first) / 1e9);
    }

    /** What {@link #measureRate} ran: how many rate rounds, in how many seconds. */
    private record RateRounds(int count, double seconds) {
        double secondsPerRound() {
            return seconds / count;
        }
    }

    /** Whether a round as long as the longest so far ends by the deadline (all in {@link System#nanoTime()}'s terms). */
    static boolean anotherRoundFits(long now, long deadline, long longestRound) {
        return deadline - now >= longestRound;
    }

    /** The jcalico path with the greater paired rate: the targets are the faster dataplane's. */
    private static Path faster(List<Path> paths) {
        return paths.stream().filter(path -> path.name().startsWith("jcalico"))
                .max(java.util.Comparator.comparingDouble(path -> path.pairedRate(RateWindow::rate).median())).orElseThrow();
    }

    /** Results of a window as {bare's, the path's}, whichever started first. */
    private static <T> List<T> inOrder(boolean bareFirst, List<T> results) {
        return bareFirst ? results : List.of(results.get(1), results.get(0));
    }

    private void printFloor(Lab lab, List<ThroughputFloor.Side> jcalico, List<ThroughputFloor.Side> bare,
                            List<ThroughputFloor.Equalized> equalized) {
        out.println("the floor (bare): hosts " + bare.get(0).host() + " and " + bare.get(1).host() + " on the same fabric bridge as the lab's"
                + " hosts, made by the lab's host builder; workloads attached by the same veth attacher, host sides named as");
        out.println("  jcalico's (" + jcalico.get(0).hostInterface() + ", " + jcalico.get(1).hostInterface() + ") with the agent's"
                + " sysctls; routes by hand: each workload's /32 on its veth, the other host's /26 via its fabric address");
        out.println("  (what the agent and BIRD install; a static and a BGP route are the same lookup). No rule, no agent, no BIRD.");
        out.println("  Then every net.* sysctl and link setting (mtu, queues, GSO/GRO/TSO sizes, XDP) of the bare hosts was compared"
                + " with the jcalico hosts' and made equal; sysctls copied: " + equalized.stream()
                .mapToInt(each -> each.copied().size()).sum() + " " + equalized.stream().flatMap(each -> each.copied().stream())
                .distinct().limit(8).toList());
        List<String> differ = equalized.stream().flatMap(each -> each.remaining().stream()).toList();
        out.println("  The fabric bridge passes frames without netfilter (bridge-nf-call-iptables 0 in its namespace, as a switch"
                + " would): its cost was the same on every path and only diluted the differences.");
        out.println("  Each host's agent started on its dataplane (FelixConfiguration written before it joined): no host carries"
                + " the other driver's leftovers.");
        out.println("  '" + BARE_AGAIN + "' is a second copy made the same way: what the method reads between two paths that do"
                + " not differ.");
        out.println("  'bare + conntrack' is a third such copy with one rule in each host's FORWARD (-m conntrack --ctstate INVALID"
                + " -j DROP), which makes the kernel track connections: the floor of any stateful dataplane.");
        out.println("  what differs: jcalico's rules (and, because they match conntrack state, connection tracking in both"
                + " hosts), the idle agent and BIRD" + (differ.isEmpty() ? "; no other setting" : "; and still:"));
        differ.forEach(line -> out.println("    " + line));
        long rules = CommandRunner.inNamespace(lab.layout().host(2)).run("iptables-save", "-t", "filter").stdout().lines()
                .filter(line -> line.startsWith("-A")).count();
        out.println("  (h2's filter table holds " + rules + " rules)");
    }

    /**
     * For a target this run could not decide, how long one would have to run at this run's noise: "cannot tell" says
     * nothing of whether five more minutes or five hours would tell.
     */
    private void printRoundsToDecide(String target, PairedRatios ratios, double bound, String verdict, String unit,
                                     double secondsPerUnit) {
        if (!verdict.startsWith("cannot tell")) {
            return;
        }
        out.println(roundsToDecideLine(target, ratios.roundsToDecide(bound), unit, secondsPerUnit));
    }

    /**
     * The estimate's line, in {@code unit}s (rounds, or the windows of a path that has several a rate round); beyond
     * {@value #ROUNDS_WORTH_SAYING} only that: "33123 rounds" reads as a precise figure when it only says the median
     * sits very near the target.
     */
    static String roundsToDecideLine(String target, OptionalInt needed, String unit, double secondsPerUnit) {
        if (needed.isEmpty()) {
            return "  " + target + ": the median sits on the target; no number of " + unit + "s tells it at this noise";
        }
        if (needed.getAsInt() > ROUNDS_WORTH_SAYING) {
            double seconds = ROUNDS_WORTH_SAYING * secondsPerUnit;
            // a thousand windows of a second and a half are 25 min, which "over 0 h" would hide
            String length = seconds < 5400 ? String.format("%.0f min", seconds / 60) : String.format("%.0f h", seconds / 3600);
            return String.format("  %s: the median sits too near the target: at this run's noise more than %,d %ss would"
                    + " be needed (over %s of measuring at %.1f s a %s)", target, ROUNDS_WORTH_SAYING, unit, length,
                    secondsPerUnit, unit);
        }
        return String.format("  %s: at this run's noise about %d %ss would tell (%.0f min of measuring at %.1f s a %s)",
                target, needed.getAsInt(), unit, needed.getAsInt() * secondsPerUnit / 60, secondsPerUnit, unit);
    }

    /**
     * When connection tracking alone, with no rule of jcalico's, already misses a target (its whole interval on the
     * wrong side), the line that says so: a NOT met is then the floor's of any stateful dataplane on this machine,
     * not what jcalico's rules add, and a reader should not look for it in the rules.
     */
    static java.util.Optional<String> floorMissesLine(String target, PairedRatios tracked, double bound, boolean atLeast) {
        if (!tracked.verdict(bound, atLeast).equals("NOT met")) {
            return java.util.Optional.empty();
        }
        double[] interval = tracked.medianInterval();
        return java.util.Optional.of(String.format("  %s: %s alone, one conntrack rule and no other, reads %.3f [%.3f, %.3f]:"
                + " the target is out of reach of any stateful dataplane here, whatever its rules", target, TRACKED,
                tracked.median(), interval[0], interval[1]));
    }

    private int report(List<Path> paths, Path best, int rounds, int seconds, int pings, String before, double secondsPerRound,
                       RateRounds rate, OptionalInt minutes, long begun) {
        Path bare = paths.get(0);
        out.printf("%d rounds, each path in turn together with bare (at once, sharing the CPU): iperf3 TCP client -> server"
                + " for %d s, then %,d pings back to back whose RTTs are read, then %,d back to back whose CPU is read; client and"
                + " server (iperf3, ping) and so the forwarding on CPU %d, on every path%n", rounds, seconds, pings, BACK_TO_BACK,
                ThroughputProbe.CPU);
        if (minutes.isPresent() && rate.count() == 0) {
            out.printf("no rate round fitted in the %d min budget's time left: the figures are the rounds' alone%n", minutes.getAsInt());
        }
        if (rate.count() > 0) {
            out.printf("then %d rate rounds in the budget's time left (%.0f s, %.1f s a round): %s twice and %s once, each an iperf3"
                    + " run of %d s together with bare, no pings; so the rate and Gbit/CPU-s are over %d windows for the first, %d for"
                    + " the second, %d for the other paths; every RTT and CPU/trip over %d%n", rate.count(), rate.seconds(),
                    rate.secondsPerRound(), best.name(), BARE_AGAIN, seconds, best.rates().size(), rounds + rate.count(), rounds, rounds);
        }
        out.printf("  %-18s %8s %15s %7s %14s %7s %9s %7s %9s %7s%n", "path", "Gbit/s", "(min - max)", "ratio",
                "Gbit/CPU-s", "ratio", "RTT", "ratio", "CPU/trip", "ratio");
        for (Path path : paths) {
            List<Double> bits = path.bits();
            double cpu = PairedRatios.median(path.cpus());
            double rtt = PairedRatios.median(path.rtts());
            out.printf("  %-18s %8.2f %6.2f - %6.2f %7.3f %14.2f %7.3f %6.2f us %7.3f %6.2f us %7.3f%n", path.name(),
                    path.medianBits() / 1e9, Collections.min(bits) / 1e9, Collections.max(bits) / 1e9,
                    path.medianBits() / bare.medianBits(), path.medianBitsPerCpuSecond() / 1e9,
                    path.medianBitsPerCpuSecond() / bare.medianBitsPerCpuSecond(), rtt, rtt / PairedRatios.median(bare.rtts()),
                    cpu, cpu / PairedRatios.median(bare.cpus()));
        }
        out.printf("  (Gbit/s: the receiver's rate while sharing CPU %d with bare's run, about half what the path carries"
                + " alone, median of the runs; Gbit/CPU-s: bits per CPU-second of iperf3's two ends, which run the forwarding too;"
                + " RTT: a back-to-back ping's round trip, the mean of each burst's RTTs up to twice its median (a ping the"
                + " scheduler cut is left out), median of the rounds; CPU/trip: the CPU a back-to-back ping's round trip costs,"
                + " the forwarding in both hosts included, median of the rounds; ratios to bare, of the medians)%n", ThroughputProbe.CPU);
        out.printf("paired by window (each path's figure over bare's measured at the same time): median, its %s confidence interval"
                + " (order statistics of the rounds), middle half%n", rounds >= 6 ? ">= 95 %" : "(below 95 %: fewer than 6 rounds)");
        out.printf("  %-18s %38s %38s %38s %38s%n", "path", "rate ratio", "RTT ratio", "Gbit/CPU-s ratio",
                "CPU/trip ratio");
        for (Path path : paths.subList(1, paths.size())) {
            PairedRatios rates = path.pairedRate(RateWindow::rate);
            PairedRatios rtt = path.pairedPings(PingWindow::rtt);
            double[] rateInterval = rates.medianInterval();
            double[] rttInterval = rtt.medianInterval();
            PairedRatios perCpu = path.pairedRate(RateWindow::perCpu);
            double[] perCpuInterval = perCpu.medianInterval();
            PairedRatios trip = path.pairedPings(PingWindow::trip);
            double[] tripInterval = trip.medianInterval();
            out.printf("  %-18s %7.3f [%.3f, %.3f] (%.3f - %.3f) %7.3f [%.3f, %.3f] (%.3f - %.3f) %7.3f [%.3f, %.3f] (%.3f - %.3f)"
                    + " %7.3f [%.3f, %.3f] (%.3f - %.3f)%n",
                    path.name(), rates.median(), rateInterval[0], rateInterval[1], rates.quartile(1), rates.quartile(3), rtt.median(),
                    rttInterval[0], rttInterval[1], rtt.quartile(1), rtt.quartile(3), perCpu.median(), perCpuInterval[0],
                    perCpuInterval[1], perCpu.quartile(1), perCpu.quartile(3), trip.median(), tripInterval[0], tripInterval[1],
                    trip.quartile(1), trip.quartile(3));
        }
        Path again = paths.stream().filter(path -> path.name().equals(BARE_AGAIN)).findFirst().orElseThrow();
        double[] resolution = again.pairedRate(RateWindow::rate).medianInterval();
        double[] tripResolution = again.pairedPings(PingWindow::trip).medianInterval();
        double[] rttResolution = again.pairedPings(PingWindow::rtt).medianInterval();
        out.printf("  resolution: a bare copy against bare reads %.3f - %.3f (RTT %.3f - %.3f, CPU/trip %.3f - %.3f); a ratio whose"
                + " interval holds the target cannot be told from it: more rounds (--rounds), or a quieter machine%n", resolution[0],
                resolution[1], rttResolution[0], rttResolution[1], tripResolution[0], tripResolution[1]);
        PairedRatios bestRate = best.pairedRate(RateWindow::rate);
        PairedRatios bestRtt = best.pairedPings(PingWindow::rtt);
        double ratio = bestRate.median();
        double rttRatio = bestRtt.median();
        String rateVerdict = bestRate.verdict(THROUGHPUT_TARGET, true);
        String rttVerdict = bestRtt.verdict(RTT_TARGET, false);
        boolean met = rateVerdict.equals("met") && rttVerdict.equals("met");
        PairedRatios bestPerCpu = best.pairedRate(RateWindow::perCpu);
        out.printf("  targets (paired medians and their intervals, the faster dataplane, %s): throughput >= %.2f of bare: %s (%.3f"
                + " [%.3f, %.3f] over %d windows; bits per CPU-second, the cost beneath it: %.3f [%.3f, %.3f]); ping RTT (back to"
                + " back) <= %.1fx bare: %s (%.3fx)%n", best.name(), THROUGHPUT_TARGET, rateVerdict, ratio, bestRate.medianInterval()[0],
                bestRate.medianInterval()[1], bestRate.ratios().size(), bestPerCpu.median(), bestPerCpu.medianInterval()[0],
                bestPerCpu.medianInterval()[1], RTT_TARGET, rttVerdict, rttRatio);
        if (rate.count() > 0) {
            // the faster path's windows so far, the rounds' included, counted as rate rounds' (two of them a round)
            printRoundsToDecide("throughput >= " + THROUGHPUT_TARGET + ", in " + best.name() + "'s windows", bestRate,
                    THROUGHPUT_TARGET, rateVerdict, "window", rate.secondsPerRound() / 2);
        } else {
            printRoundsToDecide("throughput >= " + THROUGHPUT_TARGET, bestRate, THROUGHPUT_TARGET, rateVerdict, "round", secondsPerRound);
        }
        printRoundsToDecide("RTT <= " + RTT_TARGET + "x", bestRtt, RTT_TARGET, rttVerdict, "round", secondsPerRound);
        Path tracked = paths.stream().filter(path -> path.name().equals(TRACKED)).findFirst().orElseThrow();
        floorMissesLine("RTT", tracked.pairedPings(PingWindow::rtt), RTT_TARGET, false).ifPresent(out::println);
        floorMissesLine("throughput", tracked.pairedRate(RateWindow::rate), THROUGHPUT_TARGET, true).ifPresent(out::println);
        out.println("  " + MachineLoad.describe(before));
        double elapsed = (System.nanoTime() - begun) / 1e9;
        out.printf("  this invocation: %d min %02d s to this line%s, then the lab is taken down%n", (int) elapsed / 60,
                (int) elapsed % 60, minutes.isPresent() ? " (budget " + minutes.getAsInt() + " min)" : "");
        return met ? 0 : 1;
    }
}
