package org.jcalico.bench;

import java.io.IOException;
import java.io.PrintWriter;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import org.jcalico.datastore.Datastore;
import org.jcalico.datastore.DatastoreUrl;
import org.jcalico.datastore.Keys;
import org.jcalico.datastore.OpenMode;
import org.jcalico.datastore.ResourceStore;
import org.jcalico.datastore.embedded.EmbeddedDatastore;
import org.jcalico.datastore.etcd.EtcdDatastore;
import org.jcalico.ipam.Pools;
import org.jcalico.kernel.CommandRunner;
import org.jcalico.kernel.Namespaces;
import org.jcalico.model.IpPool;
import org.jcalico.model.Node;
import org.jcalico.model.Profile;
import org.jcalico.util.Directories;
import org.jcalico.workload.ContainerResolver;
import org.jcalico.workload.ContainerService;
import org.jcalico.workload.DockerClient;
import org.jcalico.workload.EndpointMetadata;

/**
 * Whether a container's add and remove cost the same in a big cluster as in an empty one (issue #14, item 1): two
 * stores of one backend, open side by side in this one process, one holding only the benchmark's node and one also
 * holding a simulated cluster, and the same container added to and removed from each in every round, which store goes
 * first alternating by round, so that whatever the shared machine does during a stretch of the run falls on both.
 * Each add is the command's own work without an agent (`container add --no-wait`): the intent, IPAM, the veth pair,
 * the endpoint record; each remove the reverse. Prints p50 and p99 of both on both stores, their ratio with how far
 * the run's rounds can tell it ({@link TailRatio}), how much of the slowest rounds was spent in the datastore's calls,
 * and the keys each read; then each store's calls, paired call by call, and on etcd the members' own stamps of them
 * ({@link EtcdStamps}): where a tail lies.
 */
public final class AddBenchmark {
    private static final String NODE = "bench-add";
    private static final String PROFILE = ClusterGenerator.profileName(0);
    private static final int PROFILES = 50;
    private static final int WARMUP = 5;
    private static final double TARGET = 1.2;
    private static final String PROBE = Keys.ROOT + "bench/probe";
    private final PrintWriter out;
    private final String prefix = BenchNamespaces.prefix("jcb7-add-");
    private final String container = prefix + "ctr";

    public AddBenchmark(PrintWriter out) {
        this.out = out;
    }

    /** One store under test, with what was measured on it: its cycles in the order of the rounds. */
    private record Store(String name, String label, String url, CountingDatastore datastore, ContainerService containers,
                         List<Cycle> cycles, List<Long> gets, List<Long> commits) {
        Store(String name, String label, String url, CountingDatastore datastore, ContainerService containers) {
            this(name, label, url, datastore, containers, new ArrayList<>(), new ArrayList<>(), new ArrayList<>());
        }

        List<Long> figures(Figure figure) {
            return cycles.stream().map(figure::of).toList();
        }
    }

    /**
     * One add and remove on one store: when it started (nanoseconds after the first measured round's start), each one's
     * time, the part of it spent in the datastore's calls and the slowest of those calls, and the keys each read.
     */
    private record Cycle(long started, long add, long addInStore, long addSlowestCall, long remove, long removeInStore,
                         long removeSlowestCall, long addKeys, long removeKeys) {
        long time(boolean add) {
            return add ? this.add : remove;
        }

        long inStore(boolean add) {
            return add ? addInStore : removeInStore;
        }

        long slowestCall(boolean add) {
            return add ? addSlowestCall : removeSlowestCall;
        }
    }

    /**
     * Runs the bench; with roundsFile, each measured cycle is also written there (CSV) for a look of one's own; with
     * dataDir, both stores keep their files in a directory made there rather than in the system's temporary one.
     */
    public void run(boolean etcd, int endpoints, int rounds, Path roundsFile, Path dataDir) {
        Namespaces.deleteAll(prefix);
        List<Process> members = new ArrayList<>();
        Path dir = null;
        try {
            // what a run of this prefix that was killed left (both stores: in memory, in /dev/shm), as its namespaces
            Path parent = dataDir == null ? Path.of(System.getProperty("java.io.tmpdir")) : dataDir;
            Directories.deleteOwn(parent, prefix);
            dir = Files.createTempDirectory(parent, prefix);
            CommandRunner host = Namespaces.create(prefix + "host");
            Namespaces.create(container);
            String loadBefore = MachineLoad.averages();
            String emptyUrl = etcd ? startEtcd(dir, "empty", members, AddBenchmark::freePort) : "embedded:" + dir.resolve("empty.db");
            String fullUrl = etcd ? startEtcd(dir, "full", members, AddBenchmark::freePort) : "embedded:" + dir.resolve("full.db");
            try (CountingDatastore emptyStore = open(emptyUrl); CountingDatastore fullStore = open(fullUrl)) {
                Store empty = prepare("empty store", "empty", emptyUrl, emptyStore, host, 0);
                Store full = prepare(String.format("%,d endpoints", endpoints), "full", fullUrl, fullStore, host, endpoints);
                print("first add and remove on each (the filled store's first add also indexes the blocks `bench generate`"
                        + " wrote without IPAM's index, once; each store's first add claims the node's block):");
                long warmup = System.nanoTime();
                for (Store store : List.of(empty, full)) {
                    long start = System.nanoTime();
                    cycle(store, warmup);
                    print(String.format("  %s: %.2f s", store.name(), seconds(start)));
                }
                forgetHistory(emptyUrl);
                forgetHistory(fullUrl);
                for (int i = 1; i < WARMUP; i++) {
                    cycle(empty, warmup);
                    cycle(full, warmup);
                }
                List.of(empty, full).forEach(store -> store.cycles().clear());
                // what filling left on the heap is not the adds' to collect
                System.gc();
                List<Store> stores = List.of(empty, full);
                List<List<Integer>> callsBefore = stores.stream().map(store -> callsMade(store.datastore())).toList();
                List<EtcdStamps> etcdBefore = etcd ? stores.stream().map(store -> etcdStamps(store.url())).toList() : List.of();
                long measuring = System.nanoTime();
                for (int i = 0; i < rounds; i++) {
                    for (Store store : i % 2 == 0 ? List.of(empty, full) : List.of(full, empty)) {
                        cycle(store, measuring);
                        probe(store);
                    }
                }
                double secondsPerRound = seconds(measuring) / rounds;
                List<EtcdStamps> etcdDuring = etcd ? java.util.stream.IntStream.range(0, 2)
                        .mapToObj(i -> etcdStamps(stores.get(i).url()).since(etcdBefore.get(i))).toList() : List.of();
                report(etcd, endpoints, rounds, empty, full, loadBefore, secondsPerRound);
                print("both stores' files in " + dir.getParent() + (dataDir == null ? "" : " (--data-dir)"));
                reportCalls(stores, callsBefore, etcdDuring);
                if (roundsFile != null) {
                    writeRounds(roundsFile, empty, full);
                }
            }
        } catch (IOException e) {
            throw new IllegalStateException("add benchmark: " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            for (Process member : members) {
                member.destroy();
                try {
                    member.waitFor();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
            Namespaces.deleteAll(prefix);
            Directories.delete(dir);
        }
    }

    private Store prepare(String name, String label, String url, CountingDatastore datastore, CommandRunner host, int endpoints) {
        ResourceStore store = new ResourceStore(datastore);
        if (endpoints > 0) {
            int nodes = Math.max(2, Math.min(9999, endpoints / 100));
            long start = System.nanoTime();
            int written = new ClusterGenerator(store, line -> { }).write(nodes, endpoints, PROFILES);
            print(String.format("filled the second store with `bench generate`'s cluster: %,d nodes, %,d endpoints, %d profiles"
                    + " (%,d resources) in %.1f s", nodes, endpoints, PROFILES, written, seconds(start)));
        } else {
            new Pools(store).add(new IpPool(ClusterGenerator.POOL, false, 26, false));
            store.create(Profile.securityGroup(PROFILE));
        }
        store.create(new Node(NODE, null, null, null));
        return new Store(name, label, url, datastore, new ContainerService(store, host, new ContainerResolver(DockerClient.fromDockerHost(null))));
    }

    /** One add and one remove of the container, timed and counted; started is stamped after origin. */
    private void cycle(Store store, long origin) {
        CountingDatastore datastore = store.datastore();
        long keys = datastore.keysRead();
        long inStore = datastore.nanosInCalls();
        List<Integer> calls = callsMade(datastore);
        long start = System.nanoTime();
        store.containers().add(NODE, "netns:" + container, List.of(), List.of(PROFILE), EndpointMetadata.NONE, "eth0", Duration.ZERO);
        long added = System.nanoTime();
        long addKeys = datastore.keysRead();
        long addInStore = datastore.nanosInCalls();
        List<Integer> addCalls = callsMade(datastore);
        store.containers().remove(NODE, "netns:" + container, Duration.ZERO);
        long removed = System.nanoTime();
        store.cycles().add(new Cycle(start - origin, added - start, addInStore - inStore, slowestCall(datastore, calls),
                removed - added, datastore.nanosInCalls() - addInStore, slowestCall(datastore, addCalls), addKeys - keys,
                datastore.keysRead() - addKeys));
    }

    /** How many calls of each kind the store has made, in the order of {@link CountingDatastore.Call}'s values. */
    private static List<Integer> callsMade(CountingDatastore datastore) {
        return java.util.Arrays.stream(CountingDatastore.Call.values()).map(datastore::calls).toList();
    }

    /** The longest call the store made since it had made these. */
    private static long slowestCall(CountingDatastore datastore, List<Integer> since) {
        return java.util.Arrays.stream(CountingDatastore.Call.values())
                .flatMap(call -> datastore.times(call, since.get(call.ordinal())).stream())
                .mapToLong(Long::longValue).max().orElse(0);
    }

    /** The store's own cost at its size: one get of a key, one commit writing one (a scratch key, deleted again). */
    private static void probe(Store store) {
        long start = System.nanoTime();
        store.datastore().get(Keys.keyOf(Node.class, NODE));
        long got = System.nanoTime();
        long revision = store.datastore().put(PROBE, "x");
        store.gets().add(got - start);
        store.commits().add(System.nanoTime() - got);
        store.datastore().delete(PROBE, revision);
    }

    private void report(boolean etcd, int endpoints, int rounds, Store empty, Store full, String loadBefore,
                        double secondsPerRound) {
        print(String.format("bench add: %s, %,d rounds (%.0f ms each): in each the same container added to and removed from"
                + " both stores, open side by side in this process, the first of them alternating by round; after %d to warm up",
                etcd ? "etcd (a single member on loopback per store)" : "embedded (SQLite, a file per store)", rounds,
                secondsPerRound * 1000, WARMUP));
        print(String.format("  %-24s %-18s %9s %9s %11s", "", "store", "p50", "p99", "keys read"));
        List<String> spreads = new ArrayList<>();
        List<String> wholeVerdicts = new ArrayList<>();
        List<String> storeVerdicts = new ArrayList<>();
        for (Figure figure : Figure.values()) {
            for (Store store : List.of(empty, full)) {
                List<Long> times = sorted(store.figures(figure));
                List<Long> keys = sorted(store.cycles().stream().map(cycle -> figure.add ? cycle.addKeys() : cycle.removeKeys()).toList());
                print(String.format("  %-24s %-18s %6.2f ms %6.2f ms %11s", figure.label, store.name(),
                        millis(Percentiles.of(times, 50)), millis(Percentiles.of(times, 99)),
                        keys.getFirst().equals(keys.getLast()) ? keys.getFirst() : keys.getFirst() + "-" + keys.getLast()));
            }
            TailRatio ratio = new TailRatio(full.figures(figure), empty.figures(figure));
            print(String.format("  %-24s %-18s %7.2fx %8.2fx", figure.label, "ratio", ratio.ratio(50), ratio.ratio(99)));
            for (int percent : List.of(50, 99)) {
                spreads.add(spread(figure.label, percent, ratio, rounds, secondsPerRound));
                (figure.whole ? wholeVerdicts : storeVerdicts).add(ratio.verdict(percent, TARGET));
            }
        }
        print(String.format("how far %,d rounds tell each ratio (paired bootstrap: the rounds drawn again with replacement %,d"
                + " times, a round's two stores together; the interval holds the middle 95 %% of the ratios drawn; a verdict"
                + " only when it lies wholly on one side of %.1fx):", rounds, TailRatio.RESAMPLES, TARGET));
        spreads.forEach(this::print);
        print(String.format("  target <= %.1fx at p50 and p99 of the add and the remove: %s", TARGET, verdict(wholeVerdicts)));
        print(String.format("  the same of their datastore calls alone (the only part that reads the store; the rest is the"
                + " kernel's and this process's work, the same on both): %s", verdict(storeVerdicts)));
        print("the slowest 1 % of each store's rounds: their median time, of it in the datastore's calls (the rest is"
                + " the kernel's and the process's), and the median of their slowest call (one call stalled, or all slow):");
        for (boolean add : List.of(true, false)) {
            for (Store store : List.of(empty, full)) {
                List<Cycle> slowest = store.cycles().stream()
                        .sorted(java.util.Comparator.comparingLong((Cycle cycle) -> cycle.time(add)).reversed())
                        .limit(Math.max(1, rounds / 100)).toList();
                print(String.format("  %-10s %-18s %6.1f ms, %6.1f ms in the datastore, its slowest call %6.1f ms (%d rounds)",
                        add ? "add" : "remove", store.name(),
                        millis(Percentiles.of(sorted(slowest.stream().map(cycle -> cycle.time(add)).toList()), 50)),
                        millis(Percentiles.of(sorted(slowest.stream().map(cycle -> cycle.inStore(add)).toList()), 50)),
                        millis(Percentiles.of(sorted(slowest.stream().map(cycle -> cycle.slowestCall(add)).toList()), 50)),
                        slowest.size()));
            }
        }
        for (String what : List.of("get", "commit")) {
            List<Long> base = sorted(what.equals("get") ? empty.gets() : empty.commits());
            List<Long> big = sorted(what.equals("get") ? full.gets() : full.commits());
            print(String.format("  %-10s %-18s %6.2f ms %6.2f ms   vs empty: %.2fx / %.2fx", "one " + what, full.name(),
                    millis(Percentiles.of(big, 50)), millis(Percentiles.of(big, 99)),
                    (double) Percentiles.of(big, 50) / Percentiles.of(base, 50), (double) Percentiles.of(big, 99) / Percentiles.of(base, 99)));
        }
        print("  (one get / one commit of one key: what the backend itself costs at each size, timed after each add and remove)");
        print(String.format("floor: the same add and remove on the empty store of the same backend, in the same rounds as the"
                + " %,d-endpoint store's; each add is `container add --no-wait`'s own work in this JVM (intent, IPAM,"
                + " veth pair and its container side over rtnetlink, endpoint record), no agent", endpoints));
        print(MachineLoad.describe(loadBefore));
    }

    /**
     * Where the datastore's time goes, from each store's calls in the measured rounds (the adds', the removes' and the
     * probes'): the client's time of its reads and commits against etcd's own stamps of the same requests
     * ({@link EtcdStamps}), so that a slow round's call can be put on the disk, on etcd or on the way to it, and on the
     * store's size or not.
     */
    private void reportCalls(List<Store> stores, List<List<Integer>> callsBefore, List<EtcdStamps> etcd) {
        print("each store's calls in the measured rounds (the adds', the removes', the probes'), count: p50 / p99 / max in ms;"
                + (etcd.isEmpty() ? "" : " beside them etcd's own stamps from its /metrics (--metrics extensive), count:"
                + " the bounds of the buckets holding p50 / p99 / max: its gRPC server's handling of a Txn (a commit, or a read of"
                + " several keys: the raft round or read index, the fsync, the apply) and of a Range (a get, a listing),"
                + " its write-ahead log's fsyncs, bbolt's commits; and the member's CPU and its Go runtime's collections"));
        List<String> heads = new ArrayList<>(List.of("client's reads", "client's commits"));
        if (!etcd.isEmpty()) {
            heads.addAll(EtcdStamps.NAMES);
        }
        print(String.format("  %-18s", "store") + heads.stream().map(head -> String.format(" %-26s", head))
                .collect(java.util.stream.Collectors.joining()).stripTrailing());
        for (int i = 0; i < stores.size(); i++) {
            Store store = stores.get(i);
            List<String> cells = new ArrayList<>();
            for (CountingDatastore.Call call : CountingDatastore.Call.values()) {
                List<Long> times = sorted(store.datastore().times(call, callsBefore.get(i).get(call.ordinal())));
                cells.add(String.format("%,d: %.2f / %.2f / %.1f", times.size(), millis(Percentiles.of(times, 50)),
                        millis(Percentiles.of(times, 99)), millis(times.getLast())));
            }
            if (!etcd.isEmpty()) {
                cells.addAll(etcd.get(i).cells());
            }
            print(String.format("  %-18s", store.name()) + cells.stream().map(cell -> String.format(" %-26s", cell))
                    .collect(java.util.stream.Collectors.joining()).stripTrailing());
        }
        print("the same calls paired: both stores make the same calls in every round (the same keys, the same commits), so"
                + " the n-th call of the filled store's round is the n-th of the empty store's; its ratio over thousands of"
                + " calls, where the add's p99 is ten rounds (paired bootstrap as above):");
        for (CountingDatastore.Call call : CountingDatastore.Call.values()) {
            List<Long> full = stores.get(1).datastore().times(call, callsBefore.get(1).get(call.ordinal()));
            List<Long> empty = stores.get(0).datastore().times(call, callsBefore.get(0).get(call.ordinal()));
            String what = call == CountingDatastore.Call.READ ? "reads" : "commits";
            if (full.size() != empty.size() || full.isEmpty()) {
                print(String.format("  %-8s not paired: %,d calls against %,d", what, full.size(), empty.size()));
                continue;
            }
            TailRatio ratio = new TailRatio(full, empty);
            for (int percent : List.of(50, 99)) {
                double[] interval = ratio.interval(percent);
                print(String.format("  %-8s p%d %.2fx, 95 %% interval %.2f-%.2fx: %s", what, percent, ratio.ratio(percent),
                        interval[0], interval[1], ratio.verdict(percent, TARGET)));
            }
        }
    }

    /** The figures of a cycle the bench compares between the stores. */
    private enum Figure {
        ADD("add", true, true), REMOVE("remove", false, true), ADD_STORE("add's datastore calls", true, false),
        REMOVE_STORE("remove's datastore calls", false, false);

        final String label;
        final boolean add;
        final boolean whole;

        Figure(String label, boolean add, boolean whole) {
            this.label = label;
            this.add = add;
            this.whole = whole;
        }

        long of(Cycle cycle) {
            return whole ? cycle.time(add) : cycle.inStore(add);
        }
    }

    /** One ratio's line: the ratio, its interval, the two halves of the run, the verdict and, when it cannot tell, what would. */
    private static String spread(String what, int percent, TailRatio ratio, int rounds, double secondsPerRound) {
        double[] interval = ratio.interval(percent);
        String verdict = ratio.verdict(percent, TARGET);
        int half = rounds / 2;
        String line = String.format("  %-24s p%d %.2fx, 95 %% interval %.2f-%.2fx; first half of the rounds %.2fx, second"
                + " half %.2fx: %s", what, percent, ratio.ratio(percent), interval[0], interval[1],
                ratio.rounds(0, half).ratio(percent), ratio.rounds(half, rounds).ratio(percent), verdict);
        if (!verdict.startsWith("cannot tell")) {
            return line;
        }
        java.util.OptionalInt needed = ratio.roundsToDecide(percent, TARGET);
        return line + (needed.isEmpty() ? " (the ratio sits on the target)" : String.format(" (about %,d rounds would tell at this"
                + " noise: %.0f min)", needed.getAsInt(), needed.getAsInt() * secondsPerRound / 60));
    }

    /** Met when every ratio is, NOT met when any is not, otherwise undecided. */
    private static String verdict(List<String> verdicts) {
        return verdicts.stream().allMatch("met"::equals) ? "met" : verdicts.contains("NOT met") ? "NOT met"
                : "cannot tell at this noise (more rounds, or a quieter machine)";
    }

    /** Every measured cycle, one line each, in the order they ran. */
    private static void writeRounds(Path file, Store empty, Store full) throws IOException {
        record Row(int round, String store, Cycle cycle) {
        }
        List<Row> rows = new ArrayList<>();
        for (int round = 0; round < empty.cycles().size(); round++) {
            for (Store store : List.of(empty, full)) {
                rows.add(new Row(round, store.label(), store.cycles().get(round)));
            }
        }
        rows.sort(java.util.Comparator.comparingLong(row -> row.cycle().started()));
        List<String> lines = new ArrayList<>();
        lines.add("round,store,started_ms,add_ms,add_in_datastore_ms,remove_ms,remove_in_datastore_ms");
        for (Row row : rows) {
            Cycle cycle = row.cycle();
            lines.add(String.format(java.util.Locale.ROOT, "%d,%s,%.3f,%.3f,%.3f,%.3f,%.3f", row.round(), row.store(),
                    millis(cycle.started()), millis(cycle.add()), millis(cycle.addInStore()), millis(cycle.remove()),
                    millis(cycle.removeInStore())));
        }
        Files.write(file, lines);
    }

    /**
     * Compacts a store's history to its latest revision, so that both stores enter the measured rounds with the same
     * history: none. Otherwise the filled store's history holds `bench generate`'s thousand commits of 100 endpoints
     * each, and the embedded store, which keeps its last 10,000 revisions, deletes one of them in every commit from
     * about the 870th round on (100 rows each time, a checkpoint every 6 rounds instead of every 28): a cost of how the
     * bench filled the store in bulk, not of the store's size, which a cluster whose endpoints came one commit each
     * does not pay.
     */
    private static void forgetHistory(String url) {
        try (Datastore backend = DatastoreUrl.parse(url).open(OpenMode.WRITE)) {
            long revision = backend.put(PROBE, "x");
            backend.delete(PROBE, revision);
            switch (backend) {
                case EmbeddedDatastore embedded -> embedded.compact(revision);
                case EtcdDatastore etcd -> etcd.compact(revision);
                default -> throw new IllegalStateException("bench add makes only embedded and etcd stores, not " + url);
            }
        }
    }

    /** A bench etcd member's own stamps so far, from its metrics page (etcd://HOST:PORT serves it on http://HOST:PORT). */
    private static EtcdStamps etcdStamps(String url) {
        var page = CommandRunner.local().run("curl", "-sf", "-m", "5", "http://" + url.substring("etcd://".length()) + "/metrics");
        if (!page.ok()) {
            throw new IllegalStateException("etcd " + url + " serves no metrics: " + page.stderr().strip());
        }
        return EtcdStamps.read(page.stdout());
    }

    private static CountingDatastore open(String url) {
        return new CountingDatastore(DatastoreUrl.parse(url).open(OpenMode.WRITE));
    }

    /**
     * A single-member etcd on loopback ports that PORTS chooses (free ones), its data in the benchmark's directory. A
     * port is chosen free and bound by etcd a moment later, so another process may take it between: the member then
     * cannot bind and exits, and is started again on other ports (up to {@link #PORT_ATTEMPTS} times). The member is
     * healthy only once /health answers and the member itself is what listens on its client port: another process
     * answering there (another etcd) is never taken for it, nor filled with the benchmark's records.
     */
    static String startEtcd(Path dir, String name, List<Process> members, Ports ports) throws IOException, InterruptedException {
        for (int attempt = 1; ; attempt++) {
            int client = ports.next();
            int peer = ports.next();
            String clientUrl = "http://127.0.0.1:" + client;
            String peerUrl = "http://127.0.0.1:" + peer;
            Path log = dir.resolve(name + "-etcd.log");
            Path data = dir.resolve(name + "-etcd");
            Directories.delete(data);
            // killed with the bench (SIGKILL when the thread that started it, the bench's, ends): a bench killed (kill -9,
            // the OOM killer, a job's timeout) left both members running for good, holding their ports and files
            Process member = new ProcessBuilder("setpriv", "--pdeathsig", "KILL", "etcd", "--name", name, "--data-dir", data.toString(),
                    "--listen-client-urls", clientUrl, "--advertise-client-urls", clientUrl, "--listen-peer-urls", peerUrl,
                    "--initial-advertise-peer-urls", peerUrl, "--initial-cluster", name + "=" + peerUrl, "--log-level", "error",
                    "--metrics", "extensive")
                    .redirectErrorStream(true).redirectOutput(log.toFile()).start();
            members.add(member);
            long deadline = System.currentTimeMillis() + 30_000;
            while (!(CommandRunner.local().run("curl", "-sf", clientUrl + "/health").ok() && listens(member, client))) {
                if (!member.isAlive() && attempt < PORT_ATTEMPTS && Files.readString(log).contains("address already in use")) {
                    break;
                }
                if (System.currentTimeMillis() > deadline || !member.isAlive()) {
                    member.destroyForcibly();
                    throw new IllegalStateException("etcd did not start: " + Files.readString(log));
                }
                Thread.sleep(100);
            }
            if (member.isAlive()) {
                return "etcd://127.0.0.1:" + client;
            }
        }
    }

    /** Whether MEMBER itself listens on the loopback PORT (ss names the process of each listening socket). */
    private static boolean listens(Process member, int port) {
        return member.isAlive() && CommandRunner.local().run("ss", "-Hltnp", "sport = :" + port).stdout()
                .contains("pid=" + member.pid() + ",");
    }

    /** How many times a member is started on new ports when another process took one of its ports first. */
    private static final int PORT_ATTEMPTS = 5;

    /** Where a member's ports come from: free ones, or a test's. */
    interface Ports {
        int next() throws IOException;
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }

    private static List<Long> sorted(List<Long> values) {
        List<Long> copy = new ArrayList<>(values);
        Collections.sort(copy);
        return copy;
    }

    private static double millis(long nanos) {
        return nanos / 1e6;
    }

    private static double seconds(long start) {
        return (System.nanoTime() - start) / 1e9;
    }

    private void print(String line) {
        out.println(line);
        out.flush();
    }
}
