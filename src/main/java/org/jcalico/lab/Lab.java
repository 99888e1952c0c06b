package org.jcalico.lab;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.stream.Collectors;
import java.util.function.Consumer;
import org.jcalico.datastore.Datastore;
import org.jcalico.datastore.ResourceStore;
import org.jcalico.agent.AgentOptions;
import org.jcalico.agent.JvmCommand;
import org.jcalico.ipam.Ipam;
import org.jcalico.ipam.Pools;
import org.jcalico.model.Cidr;
import org.jcalico.model.FelixConfiguration;
import org.jcalico.model.IpAddress;
import org.jcalico.model.IpPool;
import org.jcalico.kernel.CommandRunner;
import org.jcalico.kernel.ToolShell;
import org.jcalico.kernel.KernelException;
import org.jcalico.kernel.Namespaces;
import org.jcalico.model.ValidationException;
import org.jcalico.util.Directories;

/**
 * A whole cluster on one machine, made of network namespaces, each host running the real agent. Used by the demo,
 * the functional tests and the benchmarks. Nothing here touches the root namespace's network.
 */
public final class Lab {
    /**
     * How long each of a lab's agent starts waits to get in sync: longer than `node start`'s own default, because a
     * lab starts all its hosts' agents at once on one machine (and tests run two labs at once), so each start shares
     * the cores with the others.
     */
    static final java.time.Duration AGENT_START_TIMEOUT = java.time.Duration.ofSeconds(60);

    private final LabLayout layout;
    private final boolean bgp;
    private final boolean docker;
    private final Consumer<String> progress;

    /** @param bgp hosts run BIRD and peer in a full mesh; without it only same-host traffic is routed */
    public Lab(LabLayout layout, boolean bgp, Consumer<String> progress) {
        this(layout, bgp, false, progress);
    }

    /** @param docker each host runs a docker daemon of its own (see {@link LabDocker}) */
    public Lab(LabLayout layout, boolean bgp, boolean docker, Consumer<String> progress) {
        this.layout = layout;
        this.bgp = bgp;
        this.docker = docker;
        this.progress = progress;
    }

    public LabLayout layout() {
        return layout;
    }

    /** Builds the fabric, the outside world and the hosts, and starts every host's agent; all or nothing. */
    public void up() {
        up(layout.hostIndexes());
    }

    /** As {@link #up()}, with only the given hosts; the others can {@link #join} later. */
    public void up(List<Integer> hosts) {
        if (Namespaces.list().stream().anyMatch(ns -> ns.startsWith(layout.prefix()))) {
            throw new ValidationException("lab '" + layout.name() + "' already exists: 'jcalico lab down --name "
                    + layout.name() + "' first");
        }
        CompletableFuture<Void> dockers = CompletableFuture.completedFuture(null);
        try {
            startLogsAfresh();
            Files.createDirectories(layout.stateDir());
            Files.writeString(layout.stateDir().resolve("hosts"), layout.hosts() + (bgp ? " bgp" : "")
                    + (layout.etcd() ? " etcd" : "") + (docker ? " docker" : "") + "\n");
            if (layout.etcd() && !bgp) {
                throw new ValidationException("a lab without BGP keeps its datastore embedded (use --datastore embedded)");
            }
            buildFabric();
            if (layout.etcd()) {
                buildEtcd();
            }
            for (int index : hosts) {
                buildHost(index);
            }
            if (docker) {
                dockers = new LabDocker(layout, progress).start(hosts);
            }
            startAgents(hosts);
            LabDocker.await(dockers);
            if (!bgp) {
                routeFixedRanges(hosts);
            }
        } catch (IOException | RuntimeException e) {
            // daemons still starting would race the clean-up
            dockers.handle((done, failure) -> null).join();
            down();
            throw e instanceof RuntimeException r ? r : new IllegalStateException(e.getMessage(), e);
        }
    }

    /**
     * A lab's logs are its own run's: the log directory an earlier lab of the name left (`lab down` keeps it, to be
     * read after) is moved aside to lab-NAME.previous, replacing the one before, so that whoever waits for a line in
     * a host's felix.log (a test, a person) cannot meet an earlier run's on a reused machine.
     */
    private void startLogsAfresh() throws IOException {
        Path logs = layout.logDir();
        if (Files.exists(logs)) {
            Path previous = layout.previousLogDir();
            Directories.delete(previous);
            Files.move(logs, previous);
            progress.accept("moved the logs of the lab's last run to " + previous);
        }
    }

    /** The lab of that name as `lab up` made it. */
    public static Lab existing(String name, Consumer<String> progress) {
        Path hosts = new LabLayout(name, 1).stateDir().resolve("hosts");
        try {
            List<String> saved = List.of(Files.readString(hosts).strip().split(" "));
            return new Lab(new LabLayout(name, Integer.parseInt(saved.get(0)), saved.contains("etcd")), saved.contains("bgp"),
                    saved.contains("docker"), progress);
        } catch (IOException | NumberFormatException e) {
            throw new ValidationException("lab '" + name + "' is not up (no " + hosts + ")");
        }
    }

    /**
     * The cloud variant of the prototype: without BGP, the fabric routes one fixed range per host (an IPv4 /24 and
     * an IPv6 /120 of the lab's pools), and each host owns that range as its IPAM block. The block reserve is off
     * here, written before the pools: a block claimed ahead would be one the fabric does not route, and the agents,
     * already running, could claim another host's range before its claim below (docs/ipam.md, session 61).
     */
    private void routeFixedRanges(List<Integer> hosts) {
        try (Datastore datastore = layout.datastoreUrl().open(org.jcalico.datastore.OpenMode.WRITE)) {
            ResourceStore store = new ResourceStore(datastore);
            store.commit(List.of(ResourceStore.putOp(new FelixConfiguration(FelixConfiguration.GLOBAL, null, null, null, null)
                    .withBlockReserveEnabled(false))));
            Pools pools = new Pools(store);
            pools.add(new IpPool(LabLayout.FIXED_RANGES_V4, true, 24, false));
            pools.add(new IpPool(LabLayout.FIXED_RANGES_V6, true, 120, false));
            Ipam ipam = new Ipam(store);
            List<String> routes = new ArrayList<>();
            for (int index : hosts) {
                Cidr v4 = layout.fixedRange(4, index);
                Cidr v6 = layout.fixedRange(6, index);
                ipam.claim(v4, layout.nodeName(index));
                ipam.claim(v6, layout.nodeName(index));
                routes.add("route add " + v4 + " via " + layout.hostV4(index));
                routes.add("route add " + v6 + " via " + layout.hostV6(index));
                progress.accept("the fabric routes " + v4 + " and " + v6 + " to " + layout.host(index));
            }
            CommandRunner.inNamespace(layout.fabric()).run(List.of("ip", "-batch", "-"), String.join("\n", routes) + "\n").check();
        }
    }

    /** Three etcd members in namespaces of their own on the fabric, as a real cluster's would be on their machines. */
    private void buildEtcd() {
        CommandRunner fabric = CommandRunner.inNamespace(layout.fabric());
        for (int member = 1; member <= LabLayout.ETCD_MEMBERS; member++) {
            String namespace = layout.etcdMember(member);
            CommandRunner runner = Namespaces.create(namespace);
            batch(fabric, List.of("link add name e" + member + " type veth peer name eth0 netns " + namespace,
                    "link set e" + member + " master br0", "link set e" + member + " up"), namespace);
            batch(runner, List.of("addr add " + layout.etcdAddress(member) + "/24 dev eth0", "link set eth0 up"), null);
        }
        for (int member = 1; member <= LabLayout.ETCD_MEMBERS; member++) {
            startEtcd(member);
        }
        progress.accept("started a 3-member etcd cluster (" + layout.datastoreUrl() + ")");
        awaitEtcd();
    }

    /** Starts (or restarts, keeping its data) one etcd member. */
    public void startEtcd(int member) {
        List<String> cluster = new ArrayList<>();
        for (int other = 1; other <= LabLayout.ETCD_MEMBERS; other++) {
            cluster.add("e" + other + "=http://" + layout.etcdAddress(other) + ":2380");
        }
        Path data = layout.stateDir().resolve("etcd" + member);
        try {
            Files.createDirectories(data);
            List<String> command = new ArrayList<>(List.of("setsid", "nsenter", "--net=/run/netns/" + layout.etcdMember(member), "--"));
            command.addAll(EtcdCommand.of("e" + member, layout.etcdAddress(member).toString(), data.resolve("data"),
                    String.join(",", cluster)));
            new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.appendTo(data.resolve("etcd.log").toFile()))
                    .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null"))).start();
        } catch (IOException e) {
            throw new KernelException("cannot start etcd member " + member + ": " + e.getMessage());
        }
    }

    /** Stops one etcd member (its data stays, for {@link #startEtcd}). */
    public void stopEtcd(int member) {
        String pids = CommandRunner.local().run("ip", "netns", "pids", layout.etcdMember(member)).stdout().strip();
        if (!pids.isEmpty()) {
            List<String> kill = new ArrayList<>(List.of("kill"));
            kill.addAll(List.of(pids.split("\\s+")));
            CommandRunner.local().run(kill);
        }
        while (!CommandRunner.local().run("ip", "netns", "pids", layout.etcdMember(member)).stdout().isBlank()) {
            sleep();
        }
    }

    /** Waits until the cluster answers a health check through one of its members. */
    public void awaitEtcd() {
        long deadline = System.currentTimeMillis() + 30_000;
        while (System.currentTimeMillis() < deadline) {
            for (int member = 1; member <= LabLayout.ETCD_MEMBERS; member++) {
                CommandRunner.Result health = CommandRunner.inNamespace(layout.etcdMember(member))
                        .run("curl", "-sf", "-m", "1", "http://" + layout.etcdAddress(member) + ":2379/health");
                if (health.ok() && health.stdout().contains("true")) {
                    return;
                }
            }
            sleep();
        }
        throw new KernelException("the lab's etcd cluster did not become healthy within 30 s (see "
                + layout.stateDir() + "/etcd*/etcd.log)");
    }

    private static void sleep() {
        try {
            Thread.sleep(100);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Adds a host that {@link #up(List)} left out, as a new machine joining the cluster would. */
    public void join(int index) {
        buildHost(index);
        CompletableFuture<Void> dockers = docker ? new LabDocker(layout, progress).start(List.of(index)) : CompletableFuture.completedFuture(null);
        try {
            startAgent(index);
        } finally {
            dockers.handle((done, failure) -> null).join();
        }
        LabDocker.await(dockers);
        PodmanHost.joined(this, index);
    }

    /** Stops every process of the lab and removes its namespaces and state; fine to call twice. */
    public void down() {
        // first the docker daemons and podman's containers, which live in namespaces of their own
        new LabDocker(layout, progress).stopAll();
        PodmanHost.tearDownAll(layout);
        Namespaces.deleteAll(layout.prefix());
        Directories.delete(layout.stateDir());
    }

    /**
     * Runs a command in one of the lab's hosts, as that node, against the lab's datastore, next to its agent (and its
     * podman), its output taken whole: for jcalico's own steps, which may take no longer than a kernel tool.
     */
    public CommandRunner.Result exec(String host, List<String> command) {
        return CommandRunner.inNamespace(layout.host(hostIndex(host))).run(asNode(host, command));
    }

    /**
     * A long-lived shell in one of the lab's hosts, with the environment {@link #exec} gives a command (that node, the
     * lab's datastore): each command it runs costs the shell's fork and exec, as a command typed at a user's shell
     * does, where {@link #exec} starts three processes from the JVM (its spawn helper, nsenter, env) before it.
     */
    public ToolShell shell(String host) {
        return CommandRunner.inNamespace(layout.host(hostIndex(host))).shell(asNode(host, List.of("sh")));
    }

    /**
     * As {@link #exec}, for a person's command (`lab exec`): attached to this terminal and not timed (a `ping`, a `jcalico
     * ui` or `flows --follow` runs until they end it); returns its exit status.
     */
    public int execAttached(String host, List<String> command) {
        return CommandRunner.inNamespace(layout.host(hostIndex(host))).runAttached(asNode(host, command));
    }

    private List<String> asNode(String host, List<String> command) {
        int index = hostIndex(host);
        String home = System.getProperty("jcalico.home");
        List<String> full = new ArrayList<>(List.of("env", "JCALICO_NODENAME=" + layout.nodeName(index),
                "JCALICO_DATASTORE=" + layout.datastoreUrl(), "JCALICO_RUN_DIR=" + layout.runDir(),
                "JCALICO_LOG_DIR=" + layout.logDir()));
        full.addAll(dockerEnvironment(index));
        if (home != null) {
            full.add("PATH=" + home + ":" + System.getenv().getOrDefault("PATH", "/usr/sbin:/usr/bin:/sbin:/bin"));
        }
        full.addAll(new PodmanHost(layout, index).environment());
        full.addAll(command);
        return full;
    }

    /** An empty container namespace L-NAME, for `container add netns:L-NAME` on a host of the lab. */
    public String workload(String name) {
        String namespace = layout.workload(name);
        if (Namespaces.list().contains(namespace)) {
            throw new ValidationException("workload '" + name + "' already exists (namespace " + namespace + ")");
        }
        Namespaces.create(namespace);
        return namespace;
    }

    /** Accepts "h2", "2" or "L-h2". */
    public int hostIndex(String host) {
        String bare = host.startsWith(layout.prefix()) ? host.substring(layout.prefix().length()) : host;
        bare = bare.startsWith("h") ? bare.substring(1) : bare;
        try {
            int index = Integer.parseInt(bare);
            if (layout.hostIndexes().contains(index)) {
                return index;
            }
        } catch (NumberFormatException e) {
            // fall through to the error
        }
        throw ValidationException.field("host", host, "is not a host of lab '" + layout.name() + "' (h1-h"
                + layout.hosts() + ")");
    }

    private void buildFabric() {
        progress.accept("creating the fabric " + layout.fabric() + " and the outside world " + layout.outside());
        CommandRunner fabric = Namespaces.create(layout.fabric());
        String v4 = layout.fabricGatewayV4() + "/" + LabLayout.FABRIC_V4.prefixLength();
        String v6 = layout.fabricGatewayV6() + "/" + LabLayout.FABRIC_V6.prefixLength();
        batch(fabric, List.of(
                "link add name br0 type bridge", "link set br0 up",
                "addr add " + v4 + " dev br0", "addr add " + v6 + " dev br0 nodad",
                "link add name out type veth peer name eth0 netns " + layout.outside(),
                "addr add " + LabLayout.OUTSIDE_GATEWAY_V4 + "/24 dev out",
                "addr add " + LabLayout.OUTSIDE_GATEWAY_V6 + "/64 dev out nodad", "link set out up"), layout.outside());
        fabric.run("sysctl", "-qw", "net.ipv4.ip_forward=1", "net.ipv6.conf.all.forwarding=1").check();
        CommandRunner outside = CommandRunner.inNamespace(layout.outside());
        // the outside world knows the hosts' own addresses, never the pools: only masqueraded traffic gets answers
        batch(outside, List.of("addr add " + LabLayout.OUTSIDE_V4 + "/24 dev eth0",
                "addr add " + LabLayout.OUTSIDE_V6 + "/64 dev eth0 nodad", "link set eth0 up",
                "route add " + LabLayout.FABRIC_V4 + " via " + LabLayout.OUTSIDE_GATEWAY_V4,
                "route add " + LabLayout.FABRIC_V6 + " via " + LabLayout.OUTSIDE_GATEWAY_V6), null);
        // a rule that consults conntrack makes the kernel track connections there, so one can see who came in
        outside.run("iptables", "-A", "INPUT", "-m", "conntrack", "--ctstate", "NEW", "-j", "ACCEPT").check();
        outside.run("ip6tables", "-A", "INPUT", "-m", "conntrack", "--ctstate", "NEW", "-j", "ACCEPT").check();
    }

    private void buildHost(int index) {
        progress.accept("creating host " + layout.host(index) + " (" + layout.hostV4(index) + ", " + layout.hostV6(index) + ")");
        plainHost(layout.host(index), "h" + index, layout.hostV4(index), layout.hostV6(index));
    }

    /**
     * A host namespace on the fabric as every lab host is made, with no agent: its uplink eth0 is the peer of the
     * fabric's bridge port {@code port}. The throughput bench builds its bare floor with it.
     */
    public CommandRunner plainHost(String namespace, String port, IpAddress v4, IpAddress v6) {
        CommandRunner host = Namespaces.create(namespace);
        CommandRunner fabric = CommandRunner.inNamespace(layout.fabric());
        batch(fabric, List.of("link add name " + port + " type veth peer name eth0 netns " + namespace,
                "link set " + port + " master br0", "link set " + port + " up"), namespace);
        batch(host, List.of(
                "addr add " + v4 + "/" + LabLayout.FABRIC_V4.prefixLength() + " dev eth0",
                "addr add " + v6 + "/" + LabLayout.FABRIC_V6.prefixLength() + " dev eth0 nodad",
                "link set eth0 up",
                "route add default via " + layout.fabricGatewayV4(),
                "route add default via " + layout.fabricGatewayV6()), null);
        return host;
    }

    /**
     * Starts the agents of HOSTS at once and waits for them together: a `node start` mostly waits (its JVMs starting,
     * the agent's first sync), so the hosts are up in about the time of the slowest start, not of all of them one after
     * another. The agents' start-up cache for the lab's datastore is recorded first (once per build), so that no start
     * waits for it under its command's timeout. Every host whose agent did not start is named.
     */
    private void startAgents(List<Integer> hosts) {
        JvmCommand.recordAgentCache(layout.datastoreUrl());
        List<CompletableFuture<Void>> starts = new ArrayList<>();
        // closing the executor waits for every start
        try (ExecutorService threads = Executors.newVirtualThreadPerTaskExecutor()) {
            for (int index : hosts) {
                progress.accept("starting the agent on " + layout.host(index));
                starts.add(CompletableFuture.runAsync(() -> startAgent(index), threads));
            }
        }
        List<RuntimeException> failures = new ArrayList<>();
        for (CompletableFuture<Void> start : starts) {
            try {
                start.join();
            } catch (CompletionException e) {
                failures.add(e.getCause() instanceof RuntimeException cause ? cause : new KernelException(e.getMessage()));
            }
        }
        if (failures.size() == 1) {
            throw failures.get(0);
        }
        if (!failures.isEmpty()) {
            // each names its host
            throw new KernelException(failures.stream().map(RuntimeException::getMessage).collect(Collectors.joining("; ")));
        }
    }

    /** Starts the agent of one host, as `lab up` did (after a `node stop`, say). */
    public void startAgent(int index) {
        startAgent(index, List.of());
    }

    /** Starts the agent of one host with ENVIRONMENT (NAME=VALUE) added to its own. */
    public void startAgent(int index, List<String> environment) {
        List<String> command = new ArrayList<>(List.of("env"));
        command.addAll(dockerEnvironment(index));
        command.addAll(environment);
        command.addAll(new AgentOptions(layout.nodeName(index), layout.datastoreUrl(), layout.hostV4(index),
                layout.hostV6(index), null, bgp, layout.runDir(), layout.logDir(),
                docker ? layout.dockerPluginDir(index) : null).command(AgentOptions.Role.START));
        command.addAll(List.of("--timeout", Long.toString(AGENT_START_TIMEOUT.toSeconds())));
        CommandRunner.Result result = CommandRunner.inNamespace(layout.host(index)).run(command);
        if (!result.ok()) {
            // the status first: a command killed by a signal (128 + N) says nothing itself
            throw new KernelException("the agent on " + layout.host(index) + " did not start (exit status "
                    + result.exitCode() + "): " + (result.stderr().isBlank() ? result.stdout() : result.stderr()).strip());
        }
    }

    /** The agent and every command on a host talk to the host's own docker daemon, if the lab runs them. */
    private List<String> dockerEnvironment(int index) {
        return docker ? List.of("DOCKER_HOST=unix://" + layout.dockerSocket(index)) : List.of();
    }

    /** One `ip -batch` per namespace; {@code peerNamespace} must exist first if a line moves a veth end there. */
    private static void batch(CommandRunner runner, List<String> lines, String peerNamespace) {
        if (peerNamespace != null && !Namespaces.list().contains(peerNamespace)) {
            Namespaces.create(peerNamespace);
        }
        runner.run(List.of("ip", "-batch", "-"), String.join("\n", lines) + "\n").check();
    }
}
