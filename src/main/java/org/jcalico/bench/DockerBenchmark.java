package org.jcalico.bench;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import org.jcalico.agent.AgentPaths;
import org.jcalico.agent.JvmCommand;
import org.jcalico.kernel.CommandRunner;
import org.jcalico.kernel.PidFile;
import org.jcalico.lab.DockerDaemon;
import org.jcalico.lab.Lab;
import org.jcalico.lab.LabLayout;

/**
 * What `docker run --net NET` costs on a jcalico network against docker's own bridge driver, on the same lab host
 * and the same dockerd: the wall time of `docker run --net NET busybox ping -c1 PEER` (create, attach, start, one
 * answered ping, exit), PEER a container already running on NET. The runs of the two alternate, so that the
 * machine's noise falls on both alike. The lab's daemons run with `--bridge=none --iptables=false`, so docker's side
 * is a bridge network created for the benchmark: the same driver and data path as docker's default `bridge`, without
 * its NAT rules (which `docker run` does not touch).
 *
 * <p>The floor is the same command with no network at all ({@code --net none}, the ping answered by the container's
 * own loopback): what docker spends on creating, starting and removing a container whatever the network. Its runs
 * alternate with the two others, and each network's figure above it is what that network's driver adds.
 */
public final class DockerBenchmark {
    private static final String HOST = "h1";
    private static final String POOL = "10.71.0.0/16";
    private static final String JCALICO = "bench-jcalico";
    private static final String BRIDGE = "bench-bridge";
    private static final String BRIDGE_SUBNET = "10.72.0.0/24";
    /** docker's network mode without any interface but loopback: the floor. */
    private static final String NO_NETWORK = "none";
    /** Issue #11's goal: a `docker run` on a jcalico network takes at most the bridge's time. */
    private static final double GOAL = 1.0;
    private final PrintWriter out;
    private int runs;
    /** The agent's pid, once the lab runs; 0 when its pid file does not name a live agent. */
    private long agent;
    /** The agent's CPU during the measured runs of each network, their `docker rm` included. */
    private final Map<String, ProcessCpu> agentCpu = new TreeMap<>();
    /** The wall time of each measured run's `docker rm`, by network: the removal a user waits for after the run. */
    private final Map<String, List<Long>> removals = new TreeMap<>();
    private boolean measuring;

    public DockerBenchmark(PrintWriter out) {
        this.out = out;
    }

    /**
     * @param warmup unmeasured runs of each of the three first, alternating as the measured ones: the agent is a
     *               long-lived JVM whose JIT compiler spends 70-90 ms of CPU per `docker run` over its first 20 runs and
     *               20-30 ms after 30 (docs/docker.md), on the 2 cores that dockerd and runc share with it, while the
     *               bridge's driver is dockerd's own compiled code
     */
    public void run(String labName, int count, int warmup) {
        String before = MachineLoad.averages();
        Lab lab = new Lab(BenchNamespaces.layout(labName, 1), true, true, line -> { });
        lab.down();
        try {
            out.println("building a lab of 1 host with a docker daemon of its own...");
            out.flush();
            lab.up();
            jcalico(lab, "pool", "add", POOL);
            docker(lab, "network", "create", "--driver", "jcalico", "--ipam-driver", "jcalico-ipam", JCALICO);
            docker(lab, "network", "create", "--driver", "bridge", "--subnet", BRIDGE_SUBNET, BRIDGE);
            agent = PidFile.liveProcess(AgentPaths.of(HOST, lab.layout().runDir(), lab.layout().logDir()).pidFile(), args -> true)
                    .map(ProcessHandle::pid).orElse(0L);
            String jcalicoPeer = peer(lab, JCALICO);
            String bridgePeer = peer(lab, BRIDGE);
            // the first runs on each network pay for what later ones find loaded, cached and compiled
            out.printf("%d unmeasured runs of each first%n", warmup);
            out.flush();
            for (int i = 0; i < warmup; i++) {
                time(lab, JCALICO, jcalicoPeer);
                time(lab, BRIDGE, bridgePeer);
                time(lab, NO_NETWORK, "127.0.0.1");
            }
            List<Long> onJcalico = new ArrayList<>();
            List<Long> onBridge = new ArrayList<>();
            List<Long> floor = new ArrayList<>();
            Instant measured = Instant.now();
            long measuredFrom = System.nanoTime();
            measuring = true;
            for (int i = 0; i < count; i++) {
                onJcalico.add(time(lab, JCALICO, jcalicoPeer));
                onBridge.add(time(lab, BRIDGE, bridgePeer));
                floor.add(time(lab, NO_NETWORK, "127.0.0.1"));
            }
            double secondsPerRound = (System.nanoTime() - measuredFrom) / 1e9 / count;
            List<String> goal = goalLines(onJcalico, onBridge, secondsPerRound);
            Collections.sort(onJcalico);
            Collections.sort(onBridge);
            Collections.sort(floor);
            out.printf("%d runs each of 'docker run --net NET busybox ping -c1 PEER' on one lab host, the three alternating%n", count);
            out.println("(milliseconds of wall time of the docker command; PEER a container already on NET):");
            out.printf("  %-36s %7s %7s %7s%n", "", "median", "p99", "max");
            print("jcalico network (jcalico driver+IPAM)", onJcalico);
            print("docker's bridge driver", onBridge);
            print("floor: --net none, ping 127.0.0.1", floor);
            ratio("ratio jcalico / bridge", onJcalico, onBridge);
            goal.forEach(out::println);
            out.printf("  %-36s %7d %7d   (each network's median above the floor's)%n", "network's own ms: jcalico, bridge",
                    Percentiles.of(onJcalico, 50) - Percentiles.of(floor, 50), Percentiles.of(onBridge, 50) - Percentiles.of(floor, 50));
            printRemovals();
            printAgentCpu(count);
            printPluginCalls(lab, measured);
            out.println("  " + MachineLoad.describe(before));
        } finally {
            lab.down();
            out.flush();
        }
    }

    /**
     * Whether this run tells the goal (jcalico at or under the bridge) met, from the rounds as they ran: round i's
     * jcalico run and bridge run are back to back, so a stretch of load falls on both, and the median of their ratios
     * comes with a distribution-free 95 % interval ({@link PairedRatios}); the p99's ratio with a paired bootstrap's
     * ({@link TailRatio}), told from 100 rounds on. The ratio of the two medians above says nothing of how far it can be trusted: sessions 31-55
     * read 0.94-1.05x for the same code from one run to the next.
     */
    static List<String> goalLines(List<Long> jcalico, List<Long> bridge, double secondsPerRound) {
        PairedRatios paired = PairedRatios.of(jcalico.stream().map(Long::doubleValue).toList(),
                bridge.stream().map(Long::doubleValue).toList());
        double[] median = paired.medianInterval();
        String medianVerdict = paired.verdict(GOAL, false);
        TailRatio tail = new TailRatio(jcalico, bridge);
        double[] p99 = tail.interval(99);
        // below 100 rounds the p99 is the slowest run, and resampling an extreme cannot bound it: no verdict on one
        boolean slowest = Percentiles.index(jcalico.size(), 99) == jcalico.size() - 1;
        String tailVerdict = slowest ? "no verdict: with " + jcalico.size() + " rounds the p99 is the slowest run (--count 100 or more)"
                : tail.verdict(99, GOAL);
        List<String> lines = new ArrayList<>();
        lines.add(String.format("  %-36s %6.3fx [%.3f, %.3f]   goal <= %.1fx: %s", "median of the rounds' ratios (95 %)",
                paired.median(), median[0], median[1], GOAL, medianVerdict));
        lines.add(String.format("  %-36s %6.3fx [%.3f, %.3f]   goal <= %.1fx: %s", "p99 ratio (95 %, paired bootstrap)",
                tail.ratio(99), p99[0], p99[1], GOAL, tailVerdict));
        if (medianVerdict.startsWith("cannot tell")) {
            lines.add(ThroughputBenchmark.roundsToDecideLine("median", paired.roundsToDecide(GOAL), "round", secondsPerRound));
        }
        if (tailVerdict.startsWith("cannot tell")) {
            lines.add(ThroughputBenchmark.roundsToDecideLine("p99", tail.roundsToDecide(99, GOAL), "round", secondsPerRound));
        }
        return lines;
    }

    /** A container that stays on the network; returns its IPv4 address, the ping's target. */
    private static String peer(Lab lab, String network) {
        docker(lab, "run", "-d", "--net", network, "--name", "peer-" + network, LabLayout.DOCKER_IMAGE, "sleep", "3600");
        String address = docker(lab, "inspect", "-f", "{{range .NetworkSettings.Networks}}{{.IPAddress}}{{end}}", "peer-" + network).strip();
        if (address.isEmpty()) {
            throw new IllegalStateException("the peer on " + network + " got no IPv4 address");
        }
        return address;
    }

    /**
     * One measured `docker run`; the container is removed afterwards, outside the run's figure, its `docker rm` timed
     * on its own (the plugin's Leave, DeleteEndpoint and ReleaseAddress come when the container exits, within the run).
     */
    private long time(Lab lab, String network, String peer) {
        String name = "run-" + ++runs;
        List<String> run = List.of("run", "--net", network, "--name", name, LabLayout.DOCKER_IMAGE, "ping", "-c1", "-W", "2", peer);
        Optional<ProcessCpu> cpuBefore = ProcessCpu.of(agent);
        Instant started = Instant.now();
        long start = System.nanoTime();
        CommandRunner.Result result = lab.exec(HOST, dockerCommand(run));
        long millis = (System.nanoTime() - start) / 1_000_000;
        if (!result.ok()) {
            throw new IllegalStateException("docker " + String.join(" ", run) + ": " + (result.stderr() + result.stdout()).strip()
                    + "\n" + recorded(lab, name, String.join(" ", run), started, result));
        }
        long removing = System.nanoTime();
        docker(lab, "rm", name);
        if (measuring) {
            removals.computeIfAbsent(network, key -> new ArrayList<>()).add((System.nanoTime() - removing) / 1_000_000);
        }
        Optional<ProcessCpu> cpuAfter = ProcessCpu.of(agent);
        if (measuring && cpuBefore.isPresent() && cpuAfter.isPresent()) {
            agentCpu.merge(network, cpuAfter.get().since(cpuBefore.get()), ProcessCpu::plus);
        }
        return millis;
    }

    /** Keeps what tells why run NAME failed ({@link FailedRunRecord}); says where. */
    private static String recorded(Lab lab, String name, String run, Instant started, CommandRunner.Result result) {
        java.nio.file.Path dir = lab.layout().logDir().resolve("failed-" + name);
        try {
            List<String> unread = FailedRunRecord.save(dir, "docker " + run, started, Instant.now(), result,
                    CommandRunner.inNamespace(lab.layout().host(1)), lab.layout().logDir().resolve(HOST).resolve("felix.log"));
            return "what the lab host held just after it (rules' counters, neighbours, connections, routes, links, the agent's"
                    + " log lines): " + dir + (unread.isEmpty() ? "" : "; not read: " + String.join("; ", unread));
        } catch (IOException e) {
            return "(the lab host's state could not be kept in " + dir + ": " + e.getMessage() + ")";
        }
    }

    private static String docker(Lab lab, String... args) {
        return check(lab.exec(HOST, dockerCommand(List.of(args))), "docker", args);
    }

    /** Debian's client, which `lab exec` points at the host's daemon. */
    private static List<String> dockerCommand(List<String> args) {
        List<String> command = new ArrayList<>(List.of(DockerDaemon.DOCKER));
        command.addAll(args);
        return command;
    }

    private static void jcalico(Lab lab, String... args) {
        List<String> command = new ArrayList<>(JvmCommand.jcalico());
        command.addAll(List.of(args));
        check(lab.exec(HOST, command), "jcalico", args);
    }

    private static String check(CommandRunner.Result result, String tool, String... args) {
        if (!result.ok()) {
            throw new IllegalStateException(tool + " " + String.join(" ", args) + ": " + result.stderr().strip());
        }
        return result.stdout();
    }

    /**
     * The agent's CPU per run of each network (/proc, its threads and JIT compilers): on 2 cores what it spends is
     * dockerd's and runc's time too, whichever call it lands in (docs/docker.md, "Where the agent's CPU goes").
     */
    private void printAgentCpu(int count) {
        if (agentCpu.size() < 3) {
            out.println("  (the agent's CPU was not read: its pid file names no live agent)");
            return;
        }
        out.println("the agent's CPU per measured run, its docker rm included (ms; all its threads, of it the JIT compilers):");
        for (String network : List.of(JCALICO, BRIDGE, NO_NETWORK)) {
            ProcessCpu cpu = agentCpu.get(network);
            out.printf("  %-36s %7d %7d%n", "during runs on " + network, cpu.totalMillis() / count, cpu.jitMillis() / count);
        }
    }

    /**
     * Where a jcalico run's extra time goes on the agent's side: each plugin call dockerd made during the measured runs
     * (the plugin logs its answer time), the agent's apply of the endpoint, which Join waits for, and dockerd's time
     * from each answer to its next call.
     */
    private void printPluginCalls(Lab lab, Instant since) {
        java.nio.file.Path log = lab.layout().logDir().resolve(HOST).resolve("felix.log");
        PluginCallLog calls;
        try {
            calls = new PluginCallLog(Files.readAllLines(log), since);
        } catch (IOException e) {
            out.println("  (no agent log at " + log + ": " + e.getMessage() + ")");
            return;
        }
        out.println("where the jcalico runs' time goes on the agent's side (its log; median and p99 ms): every plugin call below is"
                + " on docker run's path (it returns after ReleaseAddress), the removal's apply is not");
        new TreeMap<>(calls.calls()).forEach(this::printCalls);
        out.println("dockerd's time from one answer to its next call (the agent's log, ms resolution; median and p99 ms):");
        calls.gaps().forEach(this::printCalls);
    }

    private void printCalls(String call, List<Long> millis) {
        Collections.sort(millis);
        out.printf("  %-66s %7d %7d   (%d calls)%n", call, Percentiles.of(millis, 50), Percentiles.of(millis, 99), millis.size());
    }

    /** Each network's `docker rm` of its exited containers, and jcalico's against the bridge's. */
    private void printRemovals() {
        out.println("'docker rm' of each measured run's exited container (ms):");
        removals.values().forEach(Collections::sort);
        print("jcalico network", removals.get(JCALICO));
        print("docker's bridge driver", removals.get(BRIDGE));
        print("floor: --net none", removals.get(NO_NETWORK));
        ratio("ratio jcalico / bridge", removals.get(JCALICO), removals.get(BRIDGE));
    }

    private void ratio(String label, List<Long> sorted, List<Long> against) {
        out.printf("  %-36s %6.2fx %6.2fx   (goal: <= 1.0x)%n", label,
                (double) Percentiles.of(sorted, 50) / Percentiles.of(against, 50),
                (double) Percentiles.of(sorted, 99) / Percentiles.of(against, 99));
    }

    private void print(String label, List<Long> sorted) {
        out.printf("  %-36s %7d %7d %7d%n", label, Percentiles.of(sorted, 50), Percentiles.of(sorted, 99), sorted.getLast());
    }
}
