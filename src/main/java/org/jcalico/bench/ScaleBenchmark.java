package org.jcalico.bench;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.jcalico.datastore.Datastore;
import org.jcalico.datastore.DatastoreUrl;
import org.jcalico.datastore.Keys;
import org.jcalico.datastore.ListingParts;
import org.jcalico.datastore.OpenMode;
import org.jcalico.datastore.ResourceStore;
import org.jcalico.datastore.Versioned;
import org.jcalico.agent.JvmCommand;
import org.jcalico.agent.AgentOptions;
import org.jcalico.agent.AgentPaths;
import org.jcalico.felix.AgentStatusFile;
import org.jcalico.felix.calc.DataplaneNames;
import org.jcalico.kernel.CommandRunner;
import org.jcalico.kernel.Namespaces;
import org.jcalico.lab.EtcdCommand;
import org.jcalico.model.WorkloadEndpoint;
import org.jcalico.util.Directories;

/**
 * One agent in a big simulated cluster: etcd holding N nodes and M endpoints (see ClusterGenerator), and the real
 * agent of one of those nodes, with that node's interfaces present, in a namespace of its own (jcs-host, after
 * JCALICO_BENCH_PREFIX when set, as every bench's: BenchNamespaces; removed at the end) where etcd runs too. Measures
 * the agent's start to "in sync", its heap and RSS, and how soon a single
 * endpoint change reaches its kernel.
 */
public final class ScaleBenchmark {
    /** Three members, as a production etcd runs, each on a loopback address of its own in the benchmark's namespace. */
    private static final List<String> MEMBERS = List.of("127.0.0.1", "127.0.0.2", "127.0.0.3");
    private static final DatastoreUrl URL = DatastoreUrl.parse("etcd://" + String.join(",",
            MEMBERS.stream().map(member -> member + ":2379").toList()));
    private static final int CHANGES = 50;
    /** #14 item 3's "agent RSS <= 150 MB", after the full GC, read both as MiB and as decimal MB (ProcessMemory.verdict). */
    private static final int RSS_TARGET = 150;
    /** Longer than the agent's -XX:TrimNativeHeapInterval (JvmCommand). */
    private static final long SETTLE_MILLIS = 12_000;
    /** How often a held agent's RSS is read: its default resync interval. */
    private static final int HOLD_STEP_SECONDS = 10;
    private final PrintWriter out;

    public ScaleBenchmark(PrintWriter out) {
        this.out = out;
    }

    /**
     * Sets up etcd in the benchmark's namespace and runs {@link #measure} there, in a JVM started as the agent's is;
     * returns that JVM's exit status (it has said what failed).
     */
    public int run(int nodes, int endpoints, int profiles, int holdSeconds) {
        // the worker starts the agent as its supervisor does, with the cache for agents on etcd, never waiting for one
        JvmCommand.recordAgentCache(URL);
        String prefix = BenchNamespaces.prefix("jcs-");
        String namespace = prefix + "host";
        Namespaces.deleteAll(prefix);
        CommandRunner host = Namespaces.create(namespace);
        Path dir = null;
        List<Process> etcd = new ArrayList<>();
        try {
            dir = Files.createTempDirectory(namespace + "-");
            String cluster = String.join(",", MEMBERS.stream().map(member -> "scale" + member.substring(member.lastIndexOf('.') + 1)
                    + "=http://" + member + ":2380").toList());
            for (String member : MEMBERS) {
                String name = "scale" + member.substring(member.lastIndexOf('.') + 1);
                etcd.add(new ProcessBuilder(host.command(EtcdCommand.of(name, member, dir.resolve(name), cluster)))
                        .redirectErrorStream(true).redirectOutput(dir.resolve(name + ".log").toFile()).start());
            }
            long deadline = System.currentTimeMillis() + 30_000;
            for (String member : MEMBERS) {
                while (!host.run("curl", "-sf", "http://" + member + ":2379/health").ok()) {
                    if (System.currentTimeMillis() > deadline || etcd.stream().anyMatch(process -> !process.isAlive())) {
                        throw new IllegalStateException("etcd did not start: " + Files.readString(dir.resolve("scale1.log")));
                    }
                    Thread.sleep(100);
                }
            }
            List<String> worker = new ArrayList<>(JvmCommand.jcalico());
            worker.addAll(List.of("internal", "bench-scale-worker", String.valueOf(nodes), String.valueOf(endpoints),
                    String.valueOf(profiles), dir.toString(), String.valueOf(holdSeconds)));
            out.flush();
            return new ProcessBuilder(host.command(worker)).inheritIO().start().waitFor();
        } catch (IOException e) {
            throw new IllegalStateException("scale benchmark: " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return 130;
        } finally {
            for (Process member : etcd) {
                member.destroy();
                try {
                    member.waitFor();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
            Namespaces.delete(namespace);
            Directories.delete(dir);
        }
    }

    /**
     * The measured part, inside the namespace: generate, start the agent of the first node, time, change, time; then,
     * with HOLD_SECONDS, the idle agent's RSS and CPU read every 10 s for that long.
     */
    public static void measure(int nodes, int endpoints, int profiles, int holdSeconds, Path dir, PrintWriter out)
            throws Exception {
        try (Datastore datastore = URL.open(OpenMode.WRITE)) {
            ResourceStore store = new ResourceStore(datastore);
            long start = System.nanoTime();
            int written = new ClusterGenerator(store, line -> print(out, line)).write(nodes, endpoints, profiles);
            print(out, String.format("simulated cluster: %d nodes, %d endpoints, %d profiles: %d resources written in %.1f s"
                    + " (100 per etcd transaction)", nodes, endpoints, profiles, written, seconds(start)));

            int local = ClusterGenerator.endpointsPerNode(nodes, endpoints);
            String node = ClusterGenerator.nodeName(1);
            StringBuilder links = new StringBuilder();
            for (int i = 0; i < local; i++) {
                links.append("link add ").append(ClusterGenerator.endpoint(1, i, local, profiles).interfaceName())
                        // the workload ends must not look like endpoints (the agent refuses a prefix that captures them)
                        .append(" type veth peer name wl").append(i).append('\n');
            }
            CommandRunner.local().run(List.of("ip", "-batch", "-"), links.toString()).check();

            // the floor of start to in sync: etcd handing out the same keys, read and dropped, the faster of one page
            // after another over the JSON gateway and the agent's parts at once over gRPC, as the agent reads them (the
            // nodes' keys for the splits read as the agent reads them, their time included)
            long bare = System.nanoTime();
            java.util.concurrent.atomic.AtomicInteger keys = new java.util.concurrent.atomic.AtomicInteger();
            datastore.list(Keys.ROOT, page -> keys.addAndGet(page.size()));
            double sequential = seconds(bare);
            bare = System.nanoTime();
            datastore.list(Keys.ROOT, ListingParts.byNodes(ListingParts.AGENT),
                    Collections.nCopies(ListingParts.AGENT, page -> keys.addAndGet(page.size())));
            double inParts = seconds(bare);
            double floor = Math.min(sequential, inParts);

            AgentPaths paths = AgentPaths.of(node, dir.resolve("run"), dir.resolve("log"));
            List<String> command = new AgentOptions(node, URL, null, null, null, false, dir.resolve("run"),
                    dir.resolve("log"), null).command(AgentOptions.Role.AGENT);
            Files.createDirectories(paths.logDir());
            String loadBefore = MachineLoad.averages();
            start = System.nanoTime();
            java.time.Instant started = java.time.Instant.now();
            Process agent = new ProcessBuilder(command).redirectErrorStream(true)
                    .redirectOutput(paths.logDir().resolve("agent.out").toFile()).start();
            try {
                AgentStatusFile statusFile = new AgentStatusFile(paths.statusFile(), node);
                long deadline = System.currentTimeMillis() + 600_000;
                AgentStatusFile.Status status = statusFile.read();
                while (status == null || status.state() != AgentStatusFile.State.in_sync || status.programmed() < local) {
                    if (!agent.isAlive() || System.currentTimeMillis() > deadline) {
                        throw new IllegalStateException("the agent did not get in sync; see " + paths.log());
                    }
                    Thread.sleep(10);
                    status = statusFile.read();
                }
                double inSync = seconds(start);
                // read at once, as the RSS below: the CPU the start took, which the machine's load does not stretch as
                // it stretches the phases' times
                String cpu = ProcessCpu.of(agent.pid()).map(spent -> String.format("the agent's CPU to in sync %.2f s, of it"
                        + " its JIT compilers %.2f s and its collector %.2f s; its minor faults %d, of them its compilers' %d",
                        spent.totalMillis() / 1000.0, spent.jitMillis() / 1000.0, spent.collectorMillis() / 1000.0,
                        spent.faults(), spent.jitFaults())).orElse("")
                        // which threads the start's CPU went to (the listing's parts, the main thread's set-up, the
                        // compilers); a thread that ended before in sync is not read (session 56)
                        + ThreadCpu.of(agent.pid()).map(threads -> "; its threads that ran 100 ms or more, ms on a core"
                                + " (ms waiting for one): " + ThreadCpu.describe(threads.since(new ThreadCpu(Map.of())),
                                100_000)).orElse("");
                print(out, String.format("agent of %s (%d local endpoints): start to in sync %.1f s (target <= 3 s); the floor,"
                        + " etcd handing out the same %d keys in the agent's pages to readers that drop them, the faster of"
                        + " one page after another over etcd's JSON gateway (%.2f s) and the agent's %d parts at once over"
                        + " gRPC (%.2f s): %.1f s (%.1fx)",
                        node, local, inSync, keys.get() / 2, sequential, ListingParts.AGENT, inParts, floor, inSync / floor));
                long rssInSync = ProcessMemory.rssKilobytes(agent.pid());
                // read at once: the agent runs its full collection as soon as it has said in sync
                List<String> mappingsInSync = ProcessMemory.mappings(agent.pid());
                print(out, "  " + AgentPhases.describe(paths.log(), started, inSync) + "; " + cpu);
                print(out, "  RSS when in sync " + ProcessMemory.inBothUnits(rssInSync) + " (by part, MiB: " + ProcessMemory.residentParts(agent.pid(), mappingsInSync) + ")");
                // the readings and changes below meet the settled agent, not its start's last work (session 64's p-sync)
                awaitSettled(agent, paths.log());
                print(out, String.format("  settled %.1f s after in sync (the incremental path rehearsed, the start's peak"
                        + " given back, the served paths warmed up); what follows comes after", seconds(start) - inSync));
                long heap = heapMegabytes(agent.pid());
                long rssSettled = ProcessMemory.rssKilobytes(agent.pid());
                print(out, "  after a full GC: live heap " + heap + " MiB, RSS " + ProcessMemory.inBothUnits(rssSettled)
                        + " (by part, MiB: " + ProcessMemory.residentParts(agent.pid(), ProcessMemory.mappings(agent.pid()))
                        + "; " + ProcessMemory.verdict(rssSettled, RSS_TARGET) + "; the agent's JVM flags: "
                        + String.join(" ", command.stream().filter(arg -> arg.startsWith("-X")).toList()) + ")");
                List<TimedChange> timed = changes(store, nodes, local, profiles);
                List<Long> inOrder = timed.stream().map(TimedChange::millis).toList();
                List<Long> latencies = new ArrayList<>(inOrder);
                Collections.sort(latencies);
                print(out, String.format("  a single endpoint change, from its commit to the agent's kernel: p50 %d ms, p99 %d ms,"
                        + " max %d ms", Percentiles.of(latencies, 50), Percentiles.of(latencies, 99),
                        latencies.getLast()));
                print(out, "  (" + CHANGES + " changes in a row: an endpoint of another node gains a profile; timed until its"
                        + " address is in that tag's ipset on " + node + ", looked up every 0.2 ms; target p99 <= 50 ms)");
                // of 50, the p99 is the slowest one: whether it is the first (code still cold) or one anywhere (a
                // collection, the machine's load) is read here
                print(out, "  in order, ms: " + String.join(" ", inOrder.stream().map(String::valueOf).toList()));
                print(out, "  " + slowest(timed, Files.readAllLines(paths.log())));
                print(out, "  RSS after the changes " + ProcessMemory.inBothUnits(ProcessMemory.rssKilobytes(agent.pid())) + " (by part, MiB: " + ProcessMemory.residentParts(agent.pid(), ProcessMemory.mappings(agent.pid())) + "); etcd: " + MEMBERS.size()
                        + " members on this machine");
                // what the host keeps paying: past the JVM's next periodic trim of the native heap (every 10 s), which
                // gives back what the compilers freed after the readings above (docs/agent.md, "Memory", session 52)
                java.util.Optional<ProcessCpu> beforeSettling = ProcessCpu.of(agent.pid());
                java.util.Optional<ThreadCpu> threadsBefore = ThreadCpu.of(agent.pid());
                Thread.sleep(SETTLE_MILLIS);
                // meanwhile the agent's periodic resync (every 10 s by default) read its kernel back; which threads spent
                // the window's CPU is printed, as it is seconds in some runs and a fraction in others (session 55)
                String idleCpu = beforeSettling.flatMap(before -> ProcessCpu.of(agent.pid()).map(after -> after.since(before)))
                        .map(spent -> String.format("; the agent's CPU meanwhile %.2f s, its JIT compilers' %.2f s, its"
                                + " collector's %.2f s", spent.totalMillis() / 1000.0, spent.jitMillis() / 1000.0,
                                spent.collectorMillis() / 1000.0)).orElse("")
                        + threadsBefore.flatMap(before -> ThreadCpu.of(agent.pid()).map(after ->
                                "; its threads that ran 50 ms or more, ms on a core (ms waiting for one): "
                                        + ThreadCpu.describe(after.since(before), 50_000))).orElse("");
                print(out, "  RSS " + SETTLE_MILLIS / 1000 + " s later, no change meanwhile, " + ProcessMemory.inBothUnits(ProcessMemory.rssKilobytes(agent.pid()))
                        + " (by part, MiB: " + ProcessMemory.residentParts(agent.pid(), ProcessMemory.mappings(agent.pid())) + ")" + idleCpu);
                if (holdSeconds > 0) {
                    hold(agent.pid(), holdSeconds, out);
                }
                print(out, MachineLoad.describe(loadBefore));
            } finally {
                agent.destroy();
                agent.waitFor();
            }
        }
    }

    /**
     * The idle agent for SECONDS more, its RSS read every {@value #HOLD_STEP_SECONDS} s (the default resync interval: a
     * resync apiece, each reading its kernel's sets back), then the CPU the window took and by which threads: what a
     * long-running agent keeps paying, and whether its memory grows (session 59's growth showed only this way).
     */
    private static void hold(long pid, int seconds, PrintWriter out) throws IOException, InterruptedException {
        java.util.Optional<ProcessCpu> before = ProcessCpu.of(pid);
        java.util.Optional<ThreadCpu> threadsBefore = ThreadCpu.of(pid);
        List<String> readings = new ArrayList<>();
        for (int held = HOLD_STEP_SECONDS; held <= seconds; held += HOLD_STEP_SECONDS) {
            Thread.sleep(HOLD_STEP_SECONDS * 1000L);
            readings.add(String.valueOf(Math.round(ProcessMemory.rssKilobytes(pid) / 1024.0)));
        }
        String cpu = before.flatMap(start -> ProcessCpu.of(pid).map(after -> after.since(start)))
                .map(spent -> String.format("; the agent's CPU meanwhile %.2f s (%.3f s per %d s), its JIT compilers'"
                        + " %.2f s, its collector's %.2f s", spent.totalMillis() / 1000.0,
                        spent.totalMillis() / 1000.0 / Math.max(1, readings.size()), HOLD_STEP_SECONDS,
                        spent.jitMillis() / 1000.0, spent.collectorMillis() / 1000.0)).orElse("")
                + threadsBefore.flatMap(start -> ThreadCpu.of(pid).map(after ->
                        "; its threads that ran 100 ms or more, ms on a core (ms waiting for one): "
                                + ThreadCpu.describe(after.since(start), 100_000))).orElse("");
        print(out, "  held idle " + readings.size() * HOLD_STEP_SECONDS + " s more, RSS every " + HOLD_STEP_SECONDS
                + " s, MiB: " + String.join(" ", readings) + "; at the end " + ProcessMemory.inBothUnits(ProcessMemory.rssKilobytes(pid))
                + " (by part, MiB: " + ProcessMemory.residentParts(pid, ProcessMemory.mappings(pid)) + ")" + cpu);
    }

    /**
     * Until the agent's log says it has settled ({@link AgentLogLines#settled}), for a minute at most (an agent whose
     * warm-up failed says so in its log, and the readings then come as they used to).
     */
    private static void awaitSettled(Process agent, Path log) throws IOException, InterruptedException {
        long deadline = System.currentTimeMillis() + 60_000;
        while (agent.isAlive() && System.currentTimeMillis() < deadline && !AgentLogLines.settled(Files.readAllLines(log))) {
            Thread.sleep(10);
        }
    }

    /**
     * One of the changes: when its commit was sent, how many milliseconds later etcd acknowledged it (three members'
     * agreement, on this machine's cores) and how many its kernel had it.
     */
    record TimedChange(java.time.Instant committed, long commitMillis, long millis) {
    }

    /**
     * The slowest change and what the agent logged from its commit until its kernel had it (its own pass's line says
     * whether the calculation or a driver took the time; a full collection, a resync or the warm-up would be there too):
     * a p99 of 50 changes is that one change (session 64's final run: 69 ms, the next slowest 30).
     */
    static String slowest(List<TimedChange> changes, List<String> log) {
        TimedChange slowest = changes.stream().max(java.util.Comparator.comparingLong(TimedChange::millis)).orElseThrow();
        // the agent stamps its pass's line after its kernel has the change, which the probe may see first: a margin (the
        // next change's line may fall in it; each line says when it was written)
        List<String> logged = AgentLogLines.between(log, slowest.committed(),
                slowest.committed().plusMillis(slowest.millis() + 20));
        return "the slowest change (" + (changes.indexOf(slowest) + 1) + " of " + changes.size() + ", " + slowest.millis()
                + " ms, etcd's acknowledgement of its commit " + slowest.commitMillis() + " ms) met, in the agent's log: "
                + (logged.isEmpty() ? "nothing" : String.join(" | ", logged));
    }

    private static List<TimedChange> changes(ResourceStore store, int nodes, int local, int profiles) throws IOException,
            InterruptedException {
        List<TimedChange> latencies = new ArrayList<>();
        try (SetProbe probe = new SetProbe()) {
            for (int i = 0; i < CHANGES; i++) {
                WorkloadEndpoint template = ClusterGenerator.endpoint(2 + i % (nodes - 1), i / (nodes - 1), local, profiles);
                Versioned<WorkloadEndpoint> current = store.get(WorkloadEndpoint.class, template.node(), template.endpointId())
                        .orElseThrow();
                // a profile of one of the agent's own endpoints: its tag set is in the agent's kernel whatever the
                // cluster's size (a profile no local endpoint uses has no set there, and the change would never show)
                String extra = ClusterGenerator.endpoint(1, (local / 2 + i) % local, local, profiles).profileIds().get(0);
                List<String> profileIds = new ArrayList<>(current.resource().profileIds());
                if (profileIds.contains(extra)) {
                    continue;
                }
                profileIds.add(extra);
                WorkloadEndpoint was = current.resource();
                WorkloadEndpoint changed = new WorkloadEndpoint(was.node(), was.orchestrator(), was.containerId(), was.endpointId(),
                        was.interfaceName(), was.mac(), was.ipv4Nets(), was.ipv6Nets(), profileIds, was.state(), was.namespace(), was.labels(), was.ports());
                String set = DataplaneNames.tagSet(extra, 4);
                String member = changed.ipv4Nets().get(0).network().toString();
                java.time.Instant committed = java.time.Instant.now();
                long start = System.nanoTime();
                store.update(changed, current.revision());
                long acknowledged = System.nanoTime();
                while (!probe.contains(set, member)) {
                    if (System.nanoTime() - start > 30_000_000_000L) {
                        throw new IllegalStateException("the change did not reach the kernel within 30 s");
                    }
                    Thread.sleep(0, 200_000);
                }
                latencies.add(new TimedChange(committed, (acknowledged - start) / 1_000_000, (System.nanoTime() - start) / 1_000_000));
            }
        }
        return latencies;
    }

    /**
     * Asks the kernel whether a set holds a member, through one `ipset -` kept running: starting `ipset test` for
     * every look would cost milliseconds each and take the CPU the agent is being timed on.
     */
    private static final class SetProbe implements AutoCloseable {
        private final Process ipset;
        private final java.io.Writer commands;
        private final java.io.BufferedReader answers;

        SetProbe() throws IOException {
            ipset = new ProcessBuilder("ipset", "-").redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
            commands = new java.io.OutputStreamWriter(ipset.getOutputStream(), java.nio.charset.StandardCharsets.US_ASCII);
            answers = new java.io.BufferedReader(new java.io.InputStreamReader(ipset.getErrorStream(),
                    java.nio.charset.StandardCharsets.US_ASCII));
        }

        /** ipset answers "... is in set S." or "... is NOT in set S." on its error output, one line per test. */
        boolean contains(String set, String member) throws IOException {
            commands.write("test " + set + " " + member + "\n");
            commands.flush();
            String answer = answers.readLine();
            if (answer == null) {
                throw new IOException("ipset - stopped answering");
            }
            return answer.contains(" is in set ");
        }

        @Override
        public void close() {
            ipset.destroy();
        }
    }

    private static long heapMegabytes(long pid) throws IOException, InterruptedException {
        String jcmd = Path.of(System.getProperty("java.home"), "bin", "jcmd").toString();
        CommandRunner.local().run(jcmd, String.valueOf(pid), "GC.run").check();
        long kilobytes = 0;
        // the serial collector's young and old generations (DefNew, Tenured: unindented); not Metaspace, no heap
        for (String line : CommandRunner.local().run(jcmd, String.valueOf(pid), "GC.heap_info").check().stdout().lines().toList()) {
            Matcher used = ProcessMemory.HEAP_USED.matcher(line);
            if (!line.startsWith(" ") && used.find()) {
                kilobytes += Long.parseLong(used.group(1));
            }
        }
        return kilobytes / 1024;
    }

    private static void print(PrintWriter out, String line) {
        out.println(line);
        out.flush();
    }

    private static double seconds(long start) {
        return (System.nanoTime() - start) / 1e9;
    }
}
