package org.jcalico.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.stream.Stream;
import org.jcalico.kernel.CommandRunner;
import org.jcalico.lab.Lab;
import org.jcalico.lab.PodmanHost;
import org.jcalico.model.IpAddress;

/**
 * How fast jcalico attaches through CNI, on a lab of two hosts made with podman (`lab up --podman`):
 * (1) ADD to first packet: jcalico-cni called on h1 as a runtime calls it (CNI_* variables, the network's
 * configuration on standard input) for new network namespaces; from the call to its return, and to the first ping
 * answered from a peer on the same host and from one on the other host (pings every 10 ms from the moment ADD returns
 * the address); (2) `podman run --rm --network jcalico busybox ping -c1 PEER` against the same command on podman's
 * default network (a bridge with host-local, portmap, firewall and tuning), on h1, each to a peer container already
 * running on the same network, in alternation so that the machine's noise falls on both.
 */
public final class CniBenchmark {
    private static final ObjectMapper JSON = new ObjectMapper();
    private final PrintWriter out;

    public CniBenchmark(PrintWriter out) {
        this.out = out;
    }

    /** @param labName the lab's name after JCALICO_BENCH_PREFIX: its namespaces are LAB-*, removed before and after */
    public void run(String labName, int adds, int runs) {
        Lab lab = new Lab(BenchNamespaces.layout(labName, 2), true, line -> { });
        lab.down();
        String loadBefore = MachineLoad.averages();
        try {
            say("building a lab of 2 hosts with podman...");
            lab.up();
            PodmanHost.setUpAll(lab, line -> { });
            AttachBenchmark.jc(lab, "h1", "pool", "add", "10.71.0.0/16");
            PodmanHost h1 = new PodmanHost(lab.layout(), 1);
            String near = peer(lab, "near", "h1");
            String far = peer(lab, "far", "h2");
            AttachBenchmark.awaitBgp(lab);
            say("measuring " + adds + " ADDs...");
            addToFirstPacket(lab, h1, near, far, adds);
            say("measuring " + runs + " podman runs on each network...");
            podmanRuns(h1, runs);
            out.println(MachineLoad.describe(loadBefore));
        } finally {
            lab.down();
            out.flush();
        }
    }

    private void addToFirstPacket(Lab lab, PodmanHost host, String near, String far, int adds) {
        ObjectNode config = pluginConfig(host.networkDir(), PodmanHost.NETWORK);
        List<Long> returned = new ArrayList<>();
        List<Long> sameHost = new ArrayList<>();
        List<Long> otherHost = new ArrayList<>();
        for (int i = 1; i <= adds; i++) {
            String namespace = lab.workload("cni" + i);
            long start = System.nanoTime();
            IpAddress address = add(host, config, "bench-" + i, namespace);
            returned.add((System.nanoTime() - start) / 1_000_000);
            CompletableFuture<Long> fromNear = FirstReply.start(near, address).since(start);
            CompletableFuture<Long> fromFar = FirstReply.start(far, address).since(start);
            sameHost.add(fromNear.join());
            otherHost.add(fromFar.join());
        }
        out.printf("%d sequential CNI ADDs of jcalico-cni on h1, as a runtime calls it (milliseconds from the call):%n", adds);
        Latencies.table(out, "(a) ADD returned", returned, sameHost, otherHost);
    }

    /** Calls the plugin as the CNI specification says a runtime does; returns the IPv4 address of its result. */
    private static IpAddress add(PodmanHost host, ObjectNode config, String containerId, String namespace) {
        List<String> command = List.of("env", "CNI_COMMAND=ADD", "CNI_CONTAINERID=" + containerId,
                "CNI_NETNS=/run/netns/" + namespace, "CNI_IFNAME=eth0",
                "CNI_PATH=" + host.pluginDir() + ":" + PodmanHost.STANDARD_PLUGINS,
                host.pluginDir().resolve("jcalico-cni").toString());
        CommandRunner.Result result = CommandRunner.inNamespace(host.layout().host(host.index())).run(command, config.toString());
        if (!result.ok()) {
            throw new IllegalStateException("CNI ADD for " + namespace + " failed: " + result.stdout().strip() + " " + result.stderr().strip());
        }
        try {
            for (JsonNode ip : JSON.readTree(result.stdout()).path("ips")) {
                String address = ip.path("address").asText();
                if (address.contains(".")) {
                    return IpAddress.parse(address.substring(0, address.indexOf('/')));
                }
            }
        } catch (IOException e) {
            throw new IllegalStateException("CNI ADD for " + namespace + " answered no JSON: " + result.stdout(), e);
        }
        throw new IllegalStateException("CNI ADD for " + namespace + " gave no IPv4 address: " + result.stdout());
    }

    /**
     * The configuration a runtime hands the first plugin of the network's conflist: that plugin's object with the
     * list's name and cniVersion.
     */
    private static ObjectNode pluginConfig(Path networkDir, String network) {
        try (Stream<Path> files = Files.list(networkDir)) {
            for (Path file : files.filter(f -> f.toString().endsWith(".conflist")).toList()) {
                JsonNode list = JSON.readTree(file.toFile());
                if (network.equals(list.path("name").asText())) {
                    ObjectNode config = ((ObjectNode) list.path("plugins").get(0)).deepCopy();
                    config.put("name", network).put("cniVersion", list.path("cniVersion").asText());
                    return config;
                }
            }
        } catch (IOException e) {
            throw new IllegalStateException("cannot read the network configurations in " + networkDir + ": " + e.getMessage(), e);
        }
        throw new IllegalStateException("no network " + network + " in " + networkDir);
    }

    private void podmanRuns(PodmanHost host, int runs) {
        IpAddress jcalicoPeer = detached(host, "peer-jcalico", PodmanHost.NETWORK);
        IpAddress defaultPeer = detached(host, "peer-default", PodmanHost.DEFAULT_NETWORK);
        // the first run on each network pays for one-time work (podman's bridge, the image's first copy)
        pingRun(host, PodmanHost.NETWORK, jcalicoPeer);
        pingRun(host, PodmanHost.DEFAULT_NETWORK, defaultPeer);
        List<Long> onJcalico = new ArrayList<>();
        List<Long> onDefault = new ArrayList<>();
        for (int i = 0; i < runs; i++) {
            if (i % 2 == 0) {
                onJcalico.add(pingRun(host, PodmanHost.NETWORK, jcalicoPeer));
                onDefault.add(pingRun(host, PodmanHost.DEFAULT_NETWORK, defaultPeer));
            } else {
                onDefault.add(pingRun(host, PodmanHost.DEFAULT_NETWORK, defaultPeer));
                onJcalico.add(pingRun(host, PodmanHost.NETWORK, jcalicoPeer));
            }
        }
        List<Long> jcalico = Latencies.sorted(onJcalico);
        List<Long> bridge = Latencies.sorted(onDefault);
        out.printf("'podman run --rm --network NET busybox ping -c1 PEER' on h1, %d runs each, alternating (milliseconds,"
                + " the whole command):%n", runs);
        out.printf("  %-34s %6s %6s %6s%n", "", "p50", "p99", "max");
        out.printf("  %-34s %6d %6d %6d%n", "jcalico (jcalico-cni)", Percentiles.of(jcalico, 50),
                Percentiles.of(jcalico, 99), jcalico.getLast());
        out.printf("  %-34s %6d %6d %6d%n", "podman's default network (bridge)", Percentiles.of(bridge, 50),
                Percentiles.of(bridge, 99), bridge.getLast());
        out.printf("  ratio jcalico / default: p50 %.2fx, p99 %.2fx (goal <= 1.0x)%n",
                (double) Percentiles.of(jcalico, 50) / Percentiles.of(bridge, 50),
                (double) Percentiles.of(jcalico, 99) / Percentiles.of(bridge, 99));
    }

    /** One `podman run --rm` that pings the peer once; its wall time in milliseconds (it must succeed). */
    private static long pingRun(PodmanHost host, String network, IpAddress peer) {
        long start = System.nanoTime();
        CommandRunner.Result result = host.podman("run", "--rm", "--network", network, PodmanHost.IMAGE,
                "ping", "-c", "1", "-W", "2", peer.toString());
        long millis = (System.nanoTime() - start) / 1_000_000;
        if (!result.ok()) {
            throw new IllegalStateException("podman run on " + network + " could not ping " + peer + ": " + result.stderr().strip());
        }
        return millis;
    }

    private static IpAddress detached(PodmanHost host, String name, String network) {
        host.podman("run", "--detach", "--name", name, "--network", network, PodmanHost.IMAGE, "sleep", "3600").check();
        String address = host.podman("inspect", "--format", "{{range .NetworkSettings.Networks}}{{.IPAddress}}{{end}}", name)
                .check().stdout().strip();
        return IpAddress.parse(address);
    }

    private static String peer(Lab lab, String name, String host) {
        String namespace = lab.workload(name);
        AttachBenchmark.jc(lab, host, "container", "add", "netns:" + namespace, "--profile", PodmanHost.NETWORK);
        return namespace;
    }

    private void say(String line) {
        out.println(line);
        out.flush();
    }
}
