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
import org.jcalico.datastore.DatastoreUrl;
import org.jcalico.datastore.Keys;
import org.jcalico.datastore.OpenMode;
import org.jcalico.datastore.ResourceStore;
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
 * stores of one backend, one holding only the benchmark's node and one also holding a simulated cluster, and the same
 * container added to and removed from each in turn, alternating, in this one process. Each add is the command's own
 * work without an agent (`container add --no-wait`): the intent, IPAM, the veth pair, the endpoint record; each
 * remove the reverse. Prints p50 and p99 of both on both stores, their ratio, and the keys each read.
 */
public final class AddBenchmark {
    private static final String NODE = "bench-add";
    private static final String PROFILE = ClusterGenerator.profileName(0);
    private static final int PROFILES = 50;
    private static final int WARMUP = 5;
    private final PrintWriter out;
    private final String prefix = BenchNamespaces.prefix("jcb7-add-");
    private final String container = prefix + "ctr";

    public AddBenchmark(PrintWriter out) {
        this.out = out;
    }

    /** One store under test, with what was measured on it. */
    private record Store(String name, CountingDatastore datastore, ContainerService containers, List<Long> adds,
                         List<Long> removes, List<Long> addKeys, List<Long> removeKeys, List<Long> gets, List<Long> commits) {
        Store(String name, CountingDatastore datastore, ContainerService containers) {
            this(name, datastore, containers, new ArrayList<>(), new ArrayList<>(), new ArrayList<>(), new ArrayList<>(),
                    new ArrayList<>(), new ArrayList<>());
        }
    }

    public void run(boolean etcd, int endpoints, int rounds) {
        Namespaces.deleteAll(prefix);
        List<Process> members = new ArrayList<>();
        Path dir = null;
        try {
            dir = Files.createTempDirectory("jcb7-add");
            CommandRunner host = Namespaces.create(prefix + "host");
            Namespaces.create(container);
            String loadBefore = MachineLoad.averages();
            String emptyUrl = etcd ? startEtcd(dir, "empty", members) : "embedded:" + dir.resolve("empty.db");
            String fullUrl = etcd ? startEtcd(dir, "full", members) : "embedded:" + dir.resolve("full.db");
            try (CountingDatastore emptyStore = open(emptyUrl); CountingDatastore fullStore = open(fullUrl)) {
                Store empty = prepare("empty store", emptyStore, host, 0);
                Store full = prepare(String.format("%,d endpoints", endpoints), fullStore, host, endpoints);
                print("first add and remove on each (the filled store's first add also indexes the blocks `bench generate`"
                        + " wrote without IPAM's index, once; each store's first add claims the node's block):");
                for (Store store : List.of(empty, full)) {
                    long start = System.nanoTime();
                    cycle(store);
                    print(String.format("  %s: %.2f s", store.name(), seconds(start)));
                }
                for (int i = 1; i < WARMUP; i++) {
                    cycle(empty);
                    cycle(full);
                }
                for (Store store : List.of(empty, full)) {
                    List.of(store.adds(), store.removes(), store.addKeys(), store.removeKeys()).forEach(List::clear);
                }
                // what filling left on the heap is not the adds' to collect
                System.gc();
                for (int i = 0; i < rounds; i++) {
                    for (Store store : i % 2 == 0 ? List.of(empty, full) : List.of(full, empty)) {
                        cycle(store);
                        probe(store);
                    }
                }
                report(etcd, endpoints, rounds, empty, full, loadBefore);
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

    private Store prepare(String name, CountingDatastore datastore, CommandRunner host, int endpoints) {
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
        return new Store(name, datastore, new ContainerService(store, host, new ContainerResolver(DockerClient.fromDockerHost(null))));
    }

    /** One add and one remove of the container, timed and counted. */
    private void cycle(Store store) {
        long keys = store.datastore().keysRead();
        long start = System.nanoTime();
        store.containers().add(NODE, "netns:" + container, List.of(), List.of(PROFILE), EndpointMetadata.NONE, "eth0", Duration.ZERO);
        long added = System.nanoTime();
        long addKeys = store.datastore().keysRead();
        store.containers().remove(NODE, "netns:" + container, Duration.ZERO);
        store.removes().add(System.nanoTime() - added);
        store.adds().add(added - start);
        store.addKeys().add(addKeys - keys);
        store.removeKeys().add(store.datastore().keysRead() - addKeys);
    }

    /** The store's own cost at its size: one get of a key, one commit writing one (a scratch key, deleted again). */
    private static void probe(Store store) {
        long start = System.nanoTime();
        store.datastore().get(Keys.keyOf(Node.class, NODE));
        long got = System.nanoTime();
        long revision = store.datastore().put(Keys.ROOT + "bench/probe", "x");
        store.gets().add(got - start);
        store.commits().add(System.nanoTime() - got);
        store.datastore().delete(Keys.ROOT + "bench/probe", revision);
    }

    private void report(boolean etcd, int endpoints, int rounds, Store empty, Store full, String loadBefore) {
        print(String.format("bench add: %s, %d adds and removes of one container on each store, alternating, after %d to warm up",
                etcd ? "etcd (a single member on loopback per store)" : "embedded (SQLite, a file per store)", rounds, WARMUP));
        print(String.format("  %-10s %-18s %9s %9s %11s", "", "store", "p50", "p99", "keys read"));
        for (String what : List.of("add", "remove")) {
            boolean add = what.equals("add");
            for (Store store : List.of(empty, full)) {
                List<Long> times = sorted(add ? store.adds() : store.removes());
                List<Long> keys = sorted(add ? store.addKeys() : store.removeKeys());
                print(String.format("  %-10s %-18s %6.1f ms %6.1f ms %11s", what, store.name(), millis(Percentiles.of(times, 50)),
                        millis(Percentiles.of(times, 99)), keys.getFirst().equals(keys.getLast()) ? keys.getFirst()
                                : keys.getFirst() + "-" + keys.getLast()));
            }
            List<Long> base = sorted(add ? empty.adds() : empty.removes());
            List<Long> big = sorted(add ? full.adds() : full.removes());
            double p50 = (double) Percentiles.of(big, 50) / Percentiles.of(base, 50);
            double p99 = (double) Percentiles.of(big, 99) / Percentiles.of(base, 99);
            print(String.format("  %-10s %-18s %7.2fx %8.2fx   target <= 1.2x: %s", what, "ratio", p50, p99,
                    p50 <= 1.2 && p99 <= 1.2 ? "met" : "NOT met"));
        }
        for (String what : List.of("get", "commit")) {
            List<Long> base = sorted(what.equals("get") ? empty.gets() : empty.commits());
            List<Long> big = sorted(what.equals("get") ? full.gets() : full.commits());
            print(String.format("  %-10s %-18s %6.2f ms %6.2f ms   vs empty: %.2fx / %.2fx", "one " + what, full.name(),
                    millis(Percentiles.of(big, 50)), millis(Percentiles.of(big, 99)),
                    (double) Percentiles.of(big, 50) / Percentiles.of(base, 50), (double) Percentiles.of(big, 99) / Percentiles.of(base, 99)));
        }
        print("  (one get / one commit of one key: what the backend itself costs at each size, timed after each add and remove)");
        print(String.format("floor: the same add and remove on the empty store of the same backend, in this run, alternating"
                + " with the %,d-endpoint store; each add is `container add --no-wait`'s own work in this JVM (intent, IPAM,"
                + " veth pair and its container side over rtnetlink, endpoint record), no agent", endpoints));
        print(MachineLoad.describe(loadBefore));
    }

    private static CountingDatastore open(String url) {
        return new CountingDatastore(DatastoreUrl.parse(url).open(OpenMode.WRITE));
    }

    /** A single-member etcd on free loopback ports, its data in the benchmark's directory. */
    private static String startEtcd(Path dir, String name, List<Process> members) throws IOException, InterruptedException {
        int client = freePort();
        int peer = freePort();
        String clientUrl = "http://127.0.0.1:" + client;
        String peerUrl = "http://127.0.0.1:" + peer;
        Path log = dir.resolve(name + "-etcd.log");
        Process member = new ProcessBuilder("etcd", "--name", name, "--data-dir", dir.resolve(name + "-etcd").toString(),
                "--listen-client-urls", clientUrl, "--advertise-client-urls", clientUrl, "--listen-peer-urls", peerUrl,
                "--initial-advertise-peer-urls", peerUrl, "--initial-cluster", name + "=" + peerUrl, "--log-level", "error")
                .redirectErrorStream(true).redirectOutput(log.toFile()).start();
        members.add(member);
        long deadline = System.currentTimeMillis() + 30_000;
        while (!CommandRunner.local().run("curl", "-sf", clientUrl + "/health").ok()) {
            if (System.currentTimeMillis() > deadline || !member.isAlive()) {
                throw new IllegalStateException("etcd did not start: " + Files.readString(log));
            }
            Thread.sleep(100);
        }
        return "etcd://127.0.0.1:" + client;
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
