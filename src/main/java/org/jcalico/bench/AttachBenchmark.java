package org.jcalico.bench;

import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import org.jcalico.agent.AgentPaths;
import org.jcalico.agent.JvmCommand;
import org.jcalico.kernel.CommandRunner;
import org.jcalico.kernel.PidFile;
import org.jcalico.kernel.ToolShell;
import org.jcalico.lab.Lab;
import org.jcalico.datastore.Datastore;
import org.jcalico.datastore.OpenMode;
import org.jcalico.datastore.ResourceStore;
import org.jcalico.datastore.Versioned;
import org.jcalico.model.Cidr;
import org.jcalico.model.IpAddress;
import org.jcalico.model.IpamBlock;

/**
 * How soon a new container works: on a lab of two hosts, for sequential `container add` calls, the time from the
 * command's start to (a) its return, (b) the first answered ping from a workload on the same host, (c) from a
 * workload on the other host. Pingers (every millisecond) already run when the command starts, so what they see is
 * the first packet a user's could get through, and their own start is not on the timed path (FirstReply). The
 * command starts as a user's does: a shell already running in h1 (with the node's environment) forks and execs the
 * launcher, and the clock runs from the command line's write to the shell's answer that it ended.
 */
public final class AttachBenchmark {
    /** Starts of a command that does nothing each way, for the (f) line. */
    static final int WAY_IN_STARTS = 15;
    private final PrintWriter out;

    public AttachBenchmark(PrintWriter out) {
        this.out = out;
    }

    /** The pool the adds take their addresses from; the pingers' own addresses lie at its end. */
    private static final Cidr POOL = Cidr.parse("10.70.0.0/16");
    /** Addresses in a block of the pool (its default block size, /26). */
    private static final int BLOCK = 64;

    /**
     * @param labName the lab's name after JCALICO_BENCH_PREFIX ({@link BenchNamespaces#lab}): its namespaces are
     *                LAB-*, removed before and after
     * @param blockReserve whether the agents claim a block ahead of the adds (FelixConfiguration blockReserveEnabled)
     * @param newBlocks whether the odd adds each claim a block of their own, each paired with the even add after it
     *                  in that block: what a new block costs an add, told apart from the machine's noise by pairs
     *                  in one lab, which one #1 a run cannot
     * @param fill null, or endpoints elsewhere written into the store before the adds ({@link AttachFill})
     */
    public void run(String labName, int count, boolean blockReserve, boolean newBlocks, Integer fill) {
        Lab lab = new Lab(BenchNamespaces.layout(labName, 2), true, line -> { });
        lab.down();
        ToolShell shell = lab.shell("h1");
        try {
            out.println("building a lab of 2 hosts...");
            out.flush();
            lab.up();
            // written either way, so that the bench says what it measured whatever the default: on (the default since
            // session 61), #1 meets the block h1's agent claimed ahead; off, #1 (or each odd add with --new-blocks) claims it
            apply(lab, "block-reserve", "kind: FelixConfiguration\nname: global\nblockReserveEnabled: " + blockReserve + "\n");
            java.time.Instant filling = java.time.Instant.now();
            if (fill != null) {
                AttachFill.write(lab, fill, "bench", out);
            }
            jc(lab, "h1", "pool", "add", POOL.toString());
            // near borrows from far's block: h1 holds no block of its own, so #1 claims one as a user's first add does,
            // or meets the one h1's agent claimed ahead
            String far = add(lab, "far", "h2", "10.70.255.65");
            String near = add(lab, "near", "h1", "10.70.255.66");
            long filled = fill == null ? 0 : AttachFill.awaitSets(lab, fill, out);
            if (fill != null && fill > 0) {
                AttachFill.awaitSettled(lab, filling, out);
            }
            awaitBgp(lab);
            IpAddress first = firstAddress(lab, blockReserve, count);
            // started before the clock, as a user's shell is before they type
            check(shell.run(List.of("true"), ""), List.of("true"));
            String page = metrics(lab);
            ScrapedHistogram before = ScrapedHistogram.read(page, LATENCY);
            ScrapedDriverTimes driversBefore = ScrapedDriverTimes.read(page);
            long h1 = agentPid(lab, "h1");
            long h2 = agentPid(lab, "h2");
            Optional<ProcessCpu> h1Before = ProcessCpu.of(h1);
            Optional<ProcessCpu> h2Before = ProcessCpu.of(h2);
            java.time.Instant addsBegan = java.time.Instant.now();
            List<Long> returned = new ArrayList<>();
            List<Long> sameHost = new ArrayList<>();
            List<Long> otherHost = new ArrayList<>();
            for (int i = 1; i <= count; i++) {
                String namespace = lab.workload("w" + i);
                IpAddress address = newBlocks ? pairedAddress(i) : first.plus(java.math.BigInteger.valueOf(i - 1));
                FirstReply nearProbe = FirstReply.start(near, address);
                FirstReply farProbe = FirstReply.start(far, address);
                long start = System.nanoTime();
                CompletableFuture<Long> fromNear = nearProbe.since(start);
                CompletableFuture<Long> fromFar = farProbe.since(start);
                // #1 automatic: the address IPAM gives the node's first add, foreseen above and checked below
                run(shell, addCommand(namespace, i == 1 && !newBlocks ? null : address));
                returned.add((System.nanoTime() - start) / 1_000_000);
                sameHost.add(fromNear.join());
                otherHost.add(fromFar.join());
            }
            if (newBlocks) {
                checkNewBlocks(lab, count);
            } else if (!allocated(lab, first)) {
                throw new IllegalStateException("add #1 did not get " + first + ", the address foreseen for it");
            }
            // after the CPU's second reading: these starts are not of the (e) line
            Optional<ProcessCpu> h1Spent = ProcessCpu.of(h1).flatMap(after -> h1Before.map(after::since));
            Optional<ProcessCpu> h2Spent = ProcessCpu.of(h2).flatMap(after -> h2Before.map(after::since));
            page = metrics(lab);
            ScrapedHistogram agent = ScrapedHistogram.read(page, LATENCY).since(before);
            ScrapedDriverTimes drivers = ScrapedDriverTimes.read(page).since(driversBefore);
            WayIn former = formerWayIn(lab, shell);
            out.printf("%d sequential 'container add' on h1 (milliseconds from the command's start)%s:%n", count,
                    fill == null ? "" : String.format(", %d endpoints elsewhere in the store, %d members in h1's sets", fill, filled));
            Latencies.table(out, "(a) the command returned", returned, sameHost, otherHost);
            // which adds make the tail: the first (a path run for the first time) or any, as the machine goes
            out.printf("  %-34s %s%n", "(b) slowest, by add (1 = first)", slowest(sameHost));
            // the first add meets the block h1's agent claimed ahead, or with --no-block-reserve claims h1's block of these
            // addresses (its extra work, a claim, the block's route and BGP, shown apart)
            out.printf("  %-34s %d / %d / %d ms%n", blockReserve ? "#1, in the block claimed ahead (a)/(b)/(c)"
                    : "#1, a new IPAM block's (a)/(b)/(c)", returned.getFirst(), sameHost.getFirst(), otherHost.getFirst());
            if (newBlocks) {
                // the block's route reaches the other host through BGP, and the report waits for BIRD's export
                NewBlockPairs.print(out, "(a)", returned);
                NewBlockPairs.print(out, "(b)", sameHost);
                NewBlockPairs.print(out, "(c)", otherHost);
            }
            out.printf("  %-34s %6s %6s %6s   (%d endpoints; bucket bounds)%n", "(d) h1's agent: commit to programmed",
                    agent.bound(50), agent.bound(90), agent.bound(99), agent.count());
            // what the load inflates less than wall time: the CPU each add costs the agents, the add's own threads apart
            // from the JIT compilers (at nice 19 once the agent is in sync, so they run when its own threads leave a core)
            out.printf("  %-34s %s; h2's %s%n", "(e) CPU per add, h1's agent", perAdd(h1Spent, count), perAdd(h2Spent, count));
            // which piece of the apply an add's first packet waits for: the rules' thread (ipsets, then iptables or
            // nftables) and the links' and routes' (interfaces, then routes, once the rules are in) run side by side
            out.printf("  %-34s %s ms (means of %d applies, resyncs among them)%n", "(g) h1's apply, by driver",
                    drivers.means(), drivers.applies());
            // what a settled agent's adds met every 45-55 adds: PromotedGarbage's full collection, 116-150 ms at 100,000
            out.printf("  %-34s %s%n", "(h) h1's full collections, first add on", AttachFill.collectionsSince(lab, addsBegan));
            // until session 52 each add started from this JVM through nsenter and env: processes a user's shell does not start
            out.printf("  %-34s %.1f ms from this JVM (its spawn helper, nsenter, env), %.1f from the shell (medians of %d):%n",
                    "(f) the way in, to /bin/true", former.old() / 1000.0, former.shell() / 1000.0, WAY_IN_STARTS);
            out.printf("      %.1f ms of each (a)/(b)/(c) before session 52 was the bench's own, not a user's%n",
                    (former.old() - former.shell()) / 1000.0);
            out.println("  targets: (b) p99 under 200 ms, (c) p99 under 1000 ms; each command is run as a user runs it: a shell in");
            out.println("  h1 (already running) starts the launcher, which hands it to h1's agent (JCALICO_NO_AGENT=1: the command");
            out.println("  starts its own JVM); timed from the command line's write to the shell until the shell says it ended;");
            out.println("  (d) is the agent's own jcalico_endpoint_programming_latency_seconds (SLO: p99 <= 250 ms, see README)");
        } finally {
            shell.end();
            lab.down();
            out.flush();
        }
    }

    /**
     * What the former way in cost: a command line that does nothing ({@code /bin/true}: dash's {@code true} is a builtin,
     * which no process would start) started as each add was until
     * session 52 (from this JVM: its spawn helper, nsenter, env) and from the shell, alternating, {@link #WAY_IN_STARTS}
     * of each; the medians of both, in microseconds. Not adds: an add's own time varies by more than the difference
     * under load (7 adds each way gave -25 to +18 ms at load 8-15).
     */
    private static WayIn formerWayIn(Lab lab, ToolShell shell) {
        List<String> nothing = List.of("/bin/true");
        List<Long> old = new ArrayList<>();
        List<Long> fromShell = new ArrayList<>();
        for (int i = 0; i < WAY_IN_STARTS; i++) {
            long start = System.nanoTime();
            check(lab.exec("h1", nothing), nothing);
            old.add((System.nanoTime() - start) / 1000);
            start = System.nanoTime();
            check(shell.run(nothing, ""), nothing);
            fromShell.add((System.nanoTime() - start) / 1000);
        }
        return new WayIn(Percentiles.of(Latencies.sorted(old), 50), Percentiles.of(Latencies.sorted(fromShell), 50));
    }

    /** The agent's pid on a host of the lab, 0 when its pid file names no live agent. */
    private static long agentPid(Lab lab, String host) {
        return PidFile.liveProcess(AgentPaths.of(host, lab.layout().runDir(), lab.layout().logDir()).pidFile(), args -> true)
                .map(ProcessHandle::pid).orElse(0L);
    }

    private static String perAdd(Optional<ProcessCpu> spent, int count) {
        return spent.map(cpu -> String.format("%.1f ms (its JIT compilers %.1f)", (double) cpu.totalMillis() / count,
                (double) cpu.jitMillis() / count)).orElse("not read (its pid file names no live agent)");
    }

    /** The three largest of the times, each with its 1-based place in the sequence. */
    private static String slowest(List<Long> times) {
        List<Integer> order = new ArrayList<>();
        for (int i = 0; i < times.size(); i++) {
            order.add(i);
        }
        order.sort((a, b) -> Long.compare(times.get(b), times.get(a)));
        return String.join(", ", order.subList(0, Math.min(3, order.size())).stream()
                .map(i -> "#" + (i + 1) + " " + times.get(i) + " ms").toList());
    }

    private static final String LATENCY = "jcalico_endpoint_programming_latency_seconds";

    /** h1's agent's /metrics page, on the host's loopback (the default address). */
    static String metrics(Lab lab) {
        var page = lab.exec("h1", List.of("curl", "-sf", "-m", "5", "http://127.0.0.1:9091/metrics"));
        if (!page.ok()) {
            throw new IllegalStateException("h1's agent serves no metrics: " + page.stderr().strip());
        }
        return page.stdout();
    }

    /** Measuring before the hosts peer would time BGP's connect retry, not jcalico. */
    static void awaitBgp(Lab lab) {
        long deadline = System.currentTimeMillis() + 60_000;
        String runDir = lab.layout().runDir().toString();
        while (!(status(lab, "h1", runDir) && status(lab, "h2", runDir))) {
            if (System.currentTimeMillis() > deadline) {
                throw new IllegalStateException("BGP sessions did not come up within 60 s");
            }
            try {
                Thread.sleep(200);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }

    private static boolean status(Lab lab, String host, String runDir) {
        List<String> command = new ArrayList<>(JvmCommand.jcalico());
        command.addAll(List.of("node", "status", "--run-dir", runDir));
        return lab.exec(host, command).ok();
    }

    private String add(Lab lab, String name, String host, String address) {
        String namespace = lab.workload(name);
        jc(lab, host, "container", "add", "netns:" + namespace, address, "--profile", "bench");
        return namespace;
    }

    /** Medians of a start of {@code /bin/true}, in microseconds: the former way in, and from the shell. */
    private record WayIn(long old, long shell) {
    }

    /** ADDRESS null: an automatic one. */
    private static List<String> addCommand(String namespace, IpAddress address) {
        return address == null ? command("container", "add", "netns:" + namespace, "--profile", "bench")
                : command("container", "add", "netns:" + namespace, address.toString(), "--profile", "bench");
    }

    /**
     * The address h1's first automatic add gets, and the start of the adds' run of addresses in its block: with the
     * reserve, the first free one of the block h1's agent claimed ahead (waited for, and a second for its route and
     * BGP, as the session 57 emulation did); without, the first of the pool's first block, which the add claims.
     */
    private static IpAddress firstAddress(Lab lab, boolean blockReserve, int count) {
        long deadline = System.currentTimeMillis() + 30_000;
        while (true) {
            Optional<IpamBlock> own;
            try (Datastore datastore = lab.layout().datastoreUrl().open(OpenMode.READ)) {
                own = new ResourceStore(datastore).list(IpamBlock.class).stream().map(Versioned::resource)
                        .filter(block -> "h1".equals(block.affinity()) && POOL.contains(block.cidr())).findFirst();
            }
            if (blockReserve && own.isEmpty() && System.currentTimeMillis() < deadline) {
                sleep(200);
                continue;
            }
            if (blockReserve == own.isEmpty()) {
                throw new IllegalStateException(blockReserve ? "h1's agent claimed no block ahead within 30 s"
                        : "h1 holds a block before its first add: " + own.get().cidr());
            }
            if (own.isEmpty()) {
                return POOL.network();
            }
            IpamBlock block = own.get();
            if (block.firstFreeOffset() + count > block.capacity()) {
                throw new IllegalStateException("block " + block.cidr() + " has no room for " + count + " adds in a row");
            }
            sleep(1000);
            return block.cidr().addressAt(java.math.BigInteger.valueOf(block.firstFreeOffset()));
        }
    }

    /**
     * With --new-blocks, add I's address: the odd adds the first address of a block of their own (the pool's blocks in
     * order, one a pair), the even adds the second address of the block the add before them claimed.
     */
    static IpAddress pairedAddress(int i) {
        int pair = (i - 1) / 2;
        return POOL.addressAt(java.math.BigInteger.valueOf((long) pair * BLOCK + 1 + (i - 1) % 2));
    }

    /** With --new-blocks: each odd add claimed its block for h1, so that each pair is a new block's add and an add in it. */
    private static void checkNewBlocks(Lab lab, int count) {
        try (Datastore datastore = lab.layout().datastoreUrl().open(OpenMode.READ)) {
            List<IpamBlock> blocks = new ResourceStore(datastore).list(IpamBlock.class).stream().map(Versioned::resource).toList();
            for (int i = 1; i <= count; i += 2) {
                IpAddress address = pairedAddress(i);
                if (blocks.stream().noneMatch(block -> "h1".equals(block.affinity()) && block.cidr().contains(address)
                        && block.cidr().prefixLength() == 26)) {
                    throw new IllegalStateException("add #" + i + "'s address " + address + " is in no /26 block of h1's");
                }
            }
        }
    }

    /** Whether a block of the lab's store holds the address. */
    private static boolean allocated(Lab lab, IpAddress address) {
        try (Datastore datastore = lab.layout().datastoreUrl().open(OpenMode.READ)) {
            return new ResourceStore(datastore).list(IpamBlock.class).stream().map(Versioned::resource)
                    .anyMatch(block -> block.cidr().contains(address) && block.holderOf(address) != null);
        }
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** `jcalico apply -f` on h1, as a user would, of the YAML written to the lab's state directory as NAME.yaml. */
    static void apply(Lab lab, String name, String yaml) {
        java.nio.file.Path file = lab.layout().stateDir().resolve(name + ".yaml");
        try {
            java.nio.file.Files.writeString(file, yaml);
        } catch (java.io.IOException e) {
            throw new IllegalStateException("cannot write " + file + ": " + e.getMessage(), e);
        }
        jc(lab, "h1", "apply", "-f", file.toString());
    }

    /** The command as a user runs it: through the launcher (with its start-up cache) when there is one. */
    private static List<String> command(String... args) {
        List<String> command = new ArrayList<>(JvmCommand.asUserRuns());
        command.addAll(List.of(args));
        return command;
    }

    /** Runs the command on the host from this JVM (through nsenter and env): set-up steps, and the other benches. */
    static void jc(Lab lab, String host, String... args) {
        List<String> command = command(args);
        check(lab.exec(host, command), command);
    }

    /** Runs the command from the shell, until the shell says it ended (its output is not kept). */
    private static void run(ToolShell shell, List<String> command) {
        check(shell.run(command, ""), command);
    }

    private static void check(CommandRunner.Result result, List<String> command) {
        if (!result.ok()) {
            throw new IllegalStateException(String.join(" ", command) + ": " + result.stderr().strip());
        }
    }
}
