package org.jcalico.cli;

import java.util.List;
import org.jcalico.bench.FelixBenchmark;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(name = "bench", mixinStandardHelpOptions = true, description = "Benchmarks that print figures (run as root; they use namespaces of their own).",
        subcommands = {BenchCommand.Felix.class, BenchCommand.Policy.class, BenchCommand.Attach.class, BenchCommand.Scale.class, BenchCommand.Generate.class,
                BenchCommand.Docker.class, BenchCommand.Cni.class, BenchCommand.Add.class, BenchCommand.Cli.class, BenchCommand.Idle.class,
                BenchCommand.Throughput.class})
final class BenchCommand {

    @Command(name = "attach", mixinStandardHelpOptions = true,
            description = "On a lab of two hosts: how soon after 'container add' starts the container answers pings from both hosts.")
    static final class Attach implements Runnable {
        @Spec CommandSpec spec;
        @Option(names = "--count", paramLabel = "N", defaultValue = "50", description = "containers to add (default: ${DEFAULT-VALUE})") int count;
        @Option(names = "--lab", paramLabel = "L", defaultValue = "jcba", description = "the lab's name, after JCALICO_BENCH_PREFIX (default: ${DEFAULT-VALUE})") String lab;
        @Option(names = "--no-block-reserve", description = "the agents claim no block ahead of the adds (FelixConfiguration"
                + " blockReserveEnabled, on by default since session 61), so that #1 claims its block; --new-blocks implies"
                + " it (docs/ipam.md, \"A block ready ahead of an add\")") boolean noBlockReserve;
        @Option(names = "--new-blocks", description = "odd adds each claim a new block, each paired with the next add in"
                + " that block: what a new block costs an add (docs/ipam.md, session 60)") boolean newBlocks;
        @Option(names = "--fill", paramLabel = "N", description = "first write N endpoints elsewhere (on fake nodes of 100,"
                + " without BGP addresses) and let their groups into the adds' profile, so that h1's agent holds them in calc"
                + " and sets; --fill 0: the same profile and groups, empty (docs/dataplane.md, session 68)") Integer fill;

        @Override
        public void run() {
            if (count < 1 || count > 60) {
                throw new CommandFailure("expected --count 1 to 60 (the adds' addresses lie in one block)");
            }
            if (newBlocks && count < 2) {
                throw new CommandFailure("expected --new-blocks with --count 2 or more (adds in pairs)");
            }
            if (fill != null && (fill < 0 || fill > 1_000_000)) {
                throw new CommandFailure("expected --fill 0 to 1000000");
            }
            // a block claimed ahead is not new: --new-blocks measures the claim, so the reserve is off there
            boolean blockReserve = !noBlockReserve && !newBlocks;
            new org.jcalico.bench.AttachBenchmark(spec.commandLine().getOut()).run(lab, count, blockReserve, newBlocks, fill);
        }
    }

    @Command(name = "add", mixinStandardHelpOptions = true,
            description = "'container add' and 'remove' (no agent) on an empty store and on one holding a simulated cluster,"
                    + " both in every round: p50 and p99 of each, their ratio with the interval the rounds allow, and the keys"
                    + " each reads. --datastore embedded (default) or etcd: the kind of the two stores the bench makes for itself.")
    static final class Add implements Runnable {
        @Spec CommandSpec spec;
        @Option(names = "--endpoints", paramLabel = "N", defaultValue = "100000", description = "endpoints in the filled store (default: ${DEFAULT-VALUE})") int endpoints;
        @Option(names = "--count", paramLabel = "N", defaultValue = "1000", description = "rounds: adds and removes on each"
                + " store (default: ${DEFAULT-VALUE}; a p99 is the slowest 1 %%: at 100 rounds the second slowest)") int count;
        @Option(names = "--rounds-file", paramLabel = "FILE", description = "also write every measured add and remove there,"
                + " one CSV line each in the order they ran (when it started, its time, the part in the datastore's calls)")
        java.nio.file.Path roundsFile;
        @Option(names = "--data-dir", paramLabel = "DIR", description = "where both stores keep their files (default: a"
                + " directory in the system's temporary one); /dev/shm keeps them in memory, so that no commit's fsync waits on"
                + " a disk the machine's other writers share: what the store's size costs, without the disk's stalls")
        java.nio.file.Path dataDir;

        @Override
        public void run() {
            String backend = ((JcalicoCommand) spec.root().userObject()).datastore();
            if (backend != null && !backend.equals("embedded") && !backend.equals("etcd")) {
                throw new CommandFailure("--datastore: '" + backend + "' is not embedded or etcd (bench add makes stores of its own)");
            }
            if (endpoints < 2 || endpoints > 1_000_000 || count < 2 || count > 10_000) {
                throw new CommandFailure("expected --endpoints 2 to 1000000 and --count 2 to 10000");
            }
            java.nio.file.Path parent = roundsFile == null ? null : roundsFile.toAbsolutePath().getParent();
            if (parent != null && !java.nio.file.Files.isDirectory(parent)) {
                // refused before the minutes of filling a store, not after them
                throw new CommandFailure("--rounds-file: " + org.jcalico.util.Shown.value(parent) + " is not a directory");
            }
            if (dataDir != null && !java.nio.file.Files.isDirectory(dataDir)) {
                throw new CommandFailure("--data-dir: " + org.jcalico.util.Shown.value(dataDir) + " is not a directory");
            }
            new org.jcalico.bench.AddBenchmark(spec.commandLine().getOut())
                    .run("etcd".equals(backend), endpoints, count, roundsFile, dataDir);
        }
    }

    @Command(name = "docker", mixinStandardHelpOptions = true,
            description = "On a lab host with a docker daemon of its own: 'docker run --net NET busybox ping -c1 PEER' on a jcalico"
                    + " network against docker's bridge driver, median and p99, and their ratio.")
    static final class Docker implements Runnable {
        @Spec CommandSpec spec;
        @Option(names = "--count", paramLabel = "N", defaultValue = "30", description = "runs on each network (default: ${DEFAULT-VALUE})") int count;
        @Option(names = "--lab", paramLabel = "L", defaultValue = "jcbd", description = "the lab's name, after JCALICO_BENCH_PREFIX (default: ${DEFAULT-VALUE})") String lab;
        @Option(names = "--warmup", paramLabel = "N", defaultValue = "10", description = "unmeasured runs on each network first,"
                + " alternating, so that the agent's JIT compiler has done most of its work (default: ${DEFAULT-VALUE})") int warmup;

        @Override
        public void run() {
            if (count < 1 || count > 1000) {
                throw new CommandFailure("--count: '" + count + "' is not in 1-1000");
            }
            if (warmup < 1 || warmup > 1000) {
                throw new CommandFailure("--warmup: '" + warmup + "' is not in 1-1000");
            }
            new org.jcalico.bench.DockerBenchmark(spec.commandLine().getOut()).run(lab, count, warmup);
        }
    }

    @Command(name = "cni", mixinStandardHelpOptions = true,
            description = "On a lab of two hosts with podman: CNI ADD of jcalico-cni to first packet, and 'podman run --network"
                    + " jcalico ... ping -c1 PEER' against podman's default network on the same host.")
    static final class Cni implements Runnable {
        @Spec CommandSpec spec;
        @Option(names = "--adds", paramLabel = "N", defaultValue = "50", description = "CNI ADDs to time (default: ${DEFAULT-VALUE})") int adds;
        @Option(names = "--runs", paramLabel = "N", defaultValue = "20", description = "podman runs on each network (default: ${DEFAULT-VALUE})") int runs;
        @Option(names = "--lab", paramLabel = "L", defaultValue = "jcbn", description = "the lab's name, after JCALICO_BENCH_PREFIX (default: ${DEFAULT-VALUE})") String lab;

        @Override
        public void run() {
            if (adds < 1 || runs < 1) {
                throw new CommandFailure("--adds and --runs: expected at least 1");
            }
            if (!org.jcalico.lab.PodmanHost.available()) {
                throw new CommandFailure("podman is not installed (apt-get install podman containernetworking-plugins)");
            }
            new org.jcalico.bench.CniBenchmark(spec.commandLine().getOut()).run(lab, adds, runs);
        }
    }

    @Command(name = "throughput", mixinStandardHelpOptions = true,
            description = "On a lab of two hosts: iperf3 TCP and ping between a workload on each, against a bare copy of the same"
                    + " hosts and workloads with plain routes and no rules, each path measured at once with the bare one, in one run.")
    static final class Throughput implements java.util.concurrent.Callable<Integer> {
        @Spec CommandSpec spec;
        @Option(names = "--rounds", paramLabel = "N", defaultValue = "24", description = "runs of each path (default: ${DEFAULT-VALUE})") int rounds;
        @Option(names = "--seconds", paramLabel = "S", defaultValue = "1", description = "length of each iperf3 run (default: ${DEFAULT-VALUE})") int seconds;
        @Option(names = "--pings", paramLabel = "N", defaultValue = "5000", description = "back-to-back pings per round and path whose RTTs are read (default: ${DEFAULT-VALUE})") int pings;
        @Option(names = "--lab", paramLabel = "L", defaultValue = "jcbt", description = "the lab's name, after JCALICO_BENCH_PREFIX (default: ${DEFAULT-VALUE})") String lab;
        @Option(names = "--minutes", paramLabel = "M", description = "the run's length in all, the lab's build included: after the"
                + " rounds, the time left goes to rate rounds (the faster dataplane and a bare copy, iperf3 alone, each with bare),"
                + " so that one run can decide the rate (docs/dataplane.md, session 69 (p-thru4))") Integer minutes;

        @Override
        public Integer call() {
            if (rounds < 1 || rounds > 100 || seconds < 1 || seconds > 60 || pings < 1 || pings > 100_000) {
                throw new CommandFailure("expected 1-100 --rounds, 1-60 --seconds and 1-100000 --pings");
            }
            if (minutes != null && (minutes < 1 || minutes > 60)) {
                throw new CommandFailure("expected --minutes 1 to 60");
            }
            return new org.jcalico.bench.ThroughputBenchmark(spec.commandLine().getOut()).run(lab, rounds, seconds, pings,
                    minutes == null ? java.util.OptionalInt.empty() : java.util.OptionalInt.of(minutes));
        }
    }

    @Command(name = "cli", mixinStandardHelpOptions = true,
            description = "On a lab of one host: 'pool list' and 'container list' through the launcher, served by the host's agent and"
                    + " without one, median and p99 against a trivial JVM start with the launcher's flags, in one run.")
    static final class Cli implements Runnable {
        @Spec CommandSpec spec;
        @Option(names = "--runs", paramLabel = "N", defaultValue = "30", description = "runs of each (default: ${DEFAULT-VALUE})") int runs;
        @Option(names = "--lab", paramLabel = "L", defaultValue = "jcbl", description = "the lab's name, after JCALICO_BENCH_PREFIX (default: ${DEFAULT-VALUE})") String lab;

        @Override
        public void run() {
            if (runs < 1 || runs > 1000) {
                throw new CommandFailure("--runs: '" + runs + "' is not in 1-1000");
            }
            new org.jcalico.bench.CliBenchmark(spec.commandLine().getOut()).run(lab, runs);
        }
    }

    @Command(name = "idle", mixinStandardHelpOptions = true,
            description = "On a new lab of one host without BGP, each run: its idle agent's VmRSS 10, 20 and 30 s after the lab is up,"
                    + " and at 30 s its parts by mapping (Java heap, AOT cache, libjvm, other files, other anonymous) and threads.")
    static final class Idle implements Runnable {
        @Spec CommandSpec spec;
        @Option(names = "--runs", paramLabel = "N", defaultValue = "1", description = "labs, one after the other (default: ${DEFAULT-VALUE})") int runs;
        @Option(names = "--lab", paramLabel = "L", defaultValue = "jcbi", description = "the lab's name, after JCALICO_BENCH_PREFIX (default: ${DEFAULT-VALUE})") String lab;

        @Override
        public void run() {
            if (runs < 1 || runs > 20) {
                throw new CommandFailure("--runs: '" + runs + "' is not in 1-20");
            }
            new org.jcalico.bench.IdleBenchmark(spec.commandLine().getOut()).run(lab, runs);
        }
    }

    @Command(name = "felix", mixinStandardHelpOptions = true,
            description = "Program N endpoints on one host, then one more, against the bare kernel restore of the same rules.")
    static final class Felix implements Runnable {
        @Spec CommandSpec spec;
        @Option(names = "--endpoints", split = ",", paramLabel = "N,N", defaultValue = "100,1000",
                description = "sizes to measure (default: ${DEFAULT-VALUE})") List<Integer> sizes;
        @Option(names = "--dataplane", paramLabel = "D", defaultValue = "iptables",
                description = "iptables or nftables: the driver measured, and the floor's tools (default: ${DEFAULT-VALUE})")
        String dataplane;
        @Option(names = "--runs", paramLabel = "N", defaultValue = "5", description = "runs of each size, each a fresh worker"
                + " and namespace with its own floor; the medians are printed, with the spread (default: ${DEFAULT-VALUE})")
        int runs;

        @Override
        public void run() {
            if (runs < 1 || runs > 20) {
                throw new CommandFailure("--runs: '" + runs + "' is not in 1-20");
            }
            org.jcalico.model.DataplaneDriver driver;
            try {
                driver = org.jcalico.model.DataplaneDriver.parse(dataplane);
            } catch (org.jcalico.model.ValidationException e) {
                throw new CommandFailure("--dataplane: '" + dataplane + "' is not iptables or nftables");
            }
            new FelixBenchmark(spec.commandLine().getOut(), driver).run(sizes, runs);
        }
    }

    @Command(name = "policy", mixinStandardHelpOptions = true,
            description = "1,000 local endpoints, 500 policies in 3 tiers, 100,000 remote endpoints with labels: first programming"
                    + " against the bare kernel restore of the same content (paired rounds), time to kernel of a policy change, a remote label"
                    + " change and an endpoint added, memory.")
    static final class Policy implements java.util.concurrent.Callable<Integer> {
        @Spec CommandSpec spec;
        @Option(names = "--rounds", paramLabel = "N", defaultValue = "5", description = "paired rounds of the first"
                + " programming and its floor, each in fresh namespaces and a fresh worker JVM (default: ${DEFAULT-VALUE})")
        int rounds;

        @Override
        public Integer call() {
            if (rounds < 1 || rounds > 50) {
                throw new CommandFailure("--rounds: '" + rounds + "' is not in 1-50");
            }
            return new org.jcalico.bench.PolicyBenchmark(spec.commandLine().getOut(), rounds).run();
        }
    }

    @Command(name = "scale", mixinStandardHelpOptions = true,
            description = "One node's agent in a simulated cluster in etcd: start to in sync, heap and RSS, and how soon an endpoint change reaches its kernel.")
    static final class Scale implements java.util.concurrent.Callable<Integer> {
        @Spec CommandSpec spec;
        @Mixin ClusterSize size;
        @Option(names = "--hold", paramLabel = "SECONDS", defaultValue = "0",
                description = "after the readings, keep the agent idle this long (0 to 3600) and read its RSS and CPU"
                        + " every 10 s, one periodic resync apiece: whether it grows (default: ${DEFAULT-VALUE})")
        int hold;

        @Override
        public Integer call() {
            size.check();
            if (hold < 0 || hold > 3600) {
                throw new CommandFailure("--hold: expected 0 to 3600 seconds, not " + hold);
            }
            return new org.jcalico.bench.ScaleBenchmark(spec.commandLine().getOut())
                    .run(size.nodes, size.endpoints, size.profiles, hold);
        }
    }

    @Command(name = "generate", mixinStandardHelpOptions = true,
            description = "Write a simulated cluster (nodes, a pool, profiles, blocks, endpoints) into the datastore, for benchmarks.")
    static final class Generate implements Runnable {
        @Spec CommandSpec spec;
        @Mixin ClusterSize size;

        @Override
        public void run() {
            size.check();
            try (Session session = new Session(spec)) {
                var out = spec.commandLine().getOut();
                int written = new org.jcalico.bench.ClusterGenerator(session.store(), line -> {
                    out.println(line);
                    out.flush();
                }).write(size.nodes, size.endpoints, size.profiles);
                out.println("wrote " + written + " resources: " + size.nodes + " nodes, " + size.endpoints + " endpoints, "
                        + size.profiles + " profiles");
            }
        }
    }

    /** The size of a simulated cluster, for `bench generate` and `bench scale`. */
    static final class ClusterSize {
        @Option(names = "--nodes", paramLabel = "N", defaultValue = "1000", description = "default: ${DEFAULT-VALUE}") int nodes;
        @Option(names = "--endpoints", paramLabel = "N", defaultValue = "100000", description = "default: ${DEFAULT-VALUE}") int endpoints;
        @Option(names = "--profiles", paramLabel = "N", defaultValue = "50", description = "default: ${DEFAULT-VALUE}") int profiles;

        void check() {
            if (nodes < 2 || nodes > 9999 || endpoints < nodes || profiles < 2 || profiles > 99) {
                throw new CommandFailure("expected 2 to 9999 nodes, at least one endpoint per node and 2 to 99 profiles");
            }
        }
    }
}
