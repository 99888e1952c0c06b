package org.jcalico.felix.dataplane;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.jcalico.felix.calc.HostStateCalculator;
import org.jcalico.felix.calc.Snapshot;
import org.jcalico.felix.hoststate.HostState;
import org.jcalico.kernel.CommandRunner;
import org.jcalico.model.Cidr;
import org.jcalico.model.DataplaneDriver;
import org.jcalico.model.FelixConfiguration;
import org.jcalico.model.FelixConfiguration.EndpointToHostAction;
import org.jcalico.model.Policy;
import org.jcalico.model.Profile;
import org.jcalico.model.ResourceCodec;
import org.jcalico.model.Rule;
import org.jcalico.model.WorkloadEndpoint;
import org.jcalico.testing.KernelTests;
import org.jcalico.testing.TestNamespaces;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * Another firewall's accepts in INPUT and OUTPUT, above jcalico's hooks or in their place, open no path between a
 * workload and its host past the workload's policy, on either driver and family ("jcfhf-" namespaces; the host has
 * 10.66.0.254 and fd66::254 on lo and serves TCP on ports 22 and 8080; w1, dual-stack, serves TCP on port 7000; its
 * egress policy denies TCP to port 22, defaultEndpointToHostAction accepts the rest). The other firewall is ufw's rule
 * set as its files write it (before.rules' established and echo accepts, `ufw allow 22/tcp` in ufw-user-input, the
 * output chains' established and new accepts), loaded with iptables-restore --noflush as ufw loads it, in both
 * families; what is simulated is where its jumps land: first, inserted above jcalico's hooks (as an admin's `-I`, or
 * any program that inserts, does); then with INPUT and OUTPUT flushed and its jumps appended (a firewall's reload that
 * rebuilds the built-in chains, jcalico's hooks gone) while w1 is isolated (state not active: it exchanges nothing
 * with its host). Until the agent's next pass the iptables driver fails closed; after it, what policy allows flows
 * again (docs/dataplane.md, "Session 65 (t-input)").
 */
@Tag("kernel")
class ForeignHostFirewallKernelTest {
    private static final String PREFIX = TestNamespaces.named("jcfhf-");
    private static final List<String> HOST = List.of("10.66.0.254", "fd66::254");
    private static final List<String> W1 = List.of("10.65.0.1", "fd65::1");
    private static final Profile OPEN = new Profile("open", List.of(), Map.of(), List.of(Rule.allow()), List.of(Rule.allow()));
    private static final List<Policy> NO_SSH = ResourceCodec.decodeAll("""
            kind: GlobalNetworkPolicy
            metadata: {name: no-ssh}
            spec:
              order: 10
              selector: app == "web"
              ingress: [{action: Allow}]
              egress: [{action: Deny, protocol: TCP, destination: {ports: [22]}}, {action: Allow}]
            """).stream().map(Policy.class::cast).toList();
    /** Listens on TCP port argv[1:] (both families), says "ready", and answers each connection "hi". */
    private static final String SERVER = """
            import socket, sys, threading
            def answer(s):
                while True:
                    c, _ = s.accept()
                    c.sendall(b"hi")
                    c.close()
            for port in sys.argv[1:]:
                s = socket.socket(socket.AF_INET6, socket.SOCK_STREAM)
                s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
                s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 0)
                s.bind(("::", int(port)))
                s.listen(16)
                threading.Thread(target=answer, args=(s,), daemon=True).start()
            print("ready", flush=True)
            threading.Event().wait()
            """;
    /** Exits 0 if a TCP connection to argv[1]:argv[2] is answered "hi" within argv[3] seconds, else 1. */
    private static final String CLIENT = """
            import socket, sys
            try:
                s = socket.create_connection((sys.argv[1], int(sys.argv[2])), timeout=float(sys.argv[3]))
                sys.exit(0 if s.recv(2) == b"hi" else 1)
            except OSError:
                sys.exit(1)
            """;
    private WorkloadHost lab;
    private CommandRunner host;
    private CommandRunner w1;
    private Path scripts;
    private final List<Process> servers = new ArrayList<>();

    @BeforeEach
    void createHost() throws IOException {
        KernelTests.assumeKernel();
        lab = new WorkloadHost(PREFIX);
        host = lab.host();
        HOST.forEach(lab::hostAddress);
        w1 = lab.dualStackWorkload(1);
        scripts = Files.createTempDirectory("jcfhf-");
        Files.writeString(scripts.resolve("server.py"), SERVER);
        Files.writeString(scripts.resolve("client.py"), CLIENT);
        servers.add(server(host, "22", "8080"));
        servers.add(server(w1, "7000"));
    }

    @AfterEach
    void deleteNamespaces() throws IOException {
        WorkloadHost.tearDown(lab, servers, scripts);
    }

    @Test
    void anotherFirewallsAcceptsOpenNoPathBetweenAWorkloadAndItsHostOnIptables() throws Exception {
        check(DataplaneDriver.IPTABLES);
    }

    /** jcalico's own table: an accept in another table's base chain does not end it. */
    @Test
    void onNftablesToo() throws Exception {
        check(DataplaneDriver.NFTABLES);
    }

    private void check(DataplaneDriver driver) throws Exception {
        Dataplane dataplane = new Dataplane(host);
        assertTrue(dataplane.start().failures().isEmpty());
        FelixConfiguration config = new FelixConfiguration("global", null, EndpointToHostAction.ACCEPT, null, null)
                .merge(FelixConfiguration.DEFAULTS).withDataplaneDriver(driver);
        assertEquals(Map.of(), dataplane.apply(state(config, null)).failures());
        lab.awaitLinksPassPackets();
        assertPolicyHolds(driver + ", before any other firewall");

        ufw("-I INPUT 1 -j ufw-before-input", "-I OUTPUT 1 -j ufw-before-output");
        assertReached(driver + ", ufw's chains inserted above jcalico's hooks", List.of(), toHost(22));

        assertEquals(Map.of(), dataplane.apply(state(config, "awaiting-labels")).failures());
        for (String command : List.of("iptables", "ip6tables")) {
            for (String chain : List.of("INPUT", "OUTPUT")) {
                host.run(command, "-w", "5", "-F", chain).check();
            }
        }
        ufw("-A INPUT -j ufw-before-input", "-A OUTPUT -j ufw-before-output");
        List<Probe> isolated = new ArrayList<>(toHost(22));
        isolated.addAll(toHost(8080));
        isolated.addAll(toW1());
        assertReached(driver + ", INPUT and OUTPUT rebuilt by ufw without jcalico's hooks, w1 isolated", List.of(), isolated);

        assertEquals(Map.of(), dataplane.resync(state(config, null)).failures());
        assertPolicyHolds(driver + ", the agent's next pass, ufw's rules still in");
    }

    /** w1 reaches the host's port 8080 but not 22, and the host reaches w1, in both families. */
    private void assertPolicyHolds(String when) throws Exception {
        List<Probe> allowed = new ArrayList<>(toHost(8080));
        allowed.addAll(toW1());
        assertReached(when, allowed, toHost(22));
    }

    /**
     * Runs every probe at once (a blocked one waits out its timeout): each of ALLOWED must be answered (up to three
     * tries), none of BLOCKED (one try of two seconds).
     */
    private void assertReached(String when, List<Probe> allowed, List<Probe> blocked) throws Exception {
        List<String> found = new ArrayList<>();
        // a thread each: the common pool has one on two cores, and would run the blocked ones' waits one after another
        try (ExecutorService threads = Executors.newVirtualThreadPerTaskExecutor()) {
            List<CompletableFuture<String>> wrong = new ArrayList<>();
            for (Probe probe : allowed) {
                wrong.add(CompletableFuture.supplyAsync(() -> {
                    for (int attempt = 0; attempt < 3; attempt++) {
                        if (reaches(probe)) {
                            return null;
                        }
                    }
                    return probe + " not answered";
                }, threads));
            }
            for (Probe probe : blocked) {
                wrong.add(CompletableFuture.supplyAsync(() -> reaches(probe) ? probe + " answered" : null, threads));
            }
            for (CompletableFuture<String> result : wrong) {
                if (result.get() != null) {
                    found.add(result.get());
                }
            }
        }
        assertEquals(List.of(), found, when);
    }

    private boolean reaches(Probe probe) {
        return probe.from().run(EstablishedFlowKernelTest.PYTHON, scripts.resolve("client.py").toString(), probe.to(),
                String.valueOf(probe.port()), "2").ok();
    }

    private record Probe(String name, CommandRunner from, String to, int port) {
        @Override
        public String toString() {
            return name + " -> " + (to.contains(":") ? "[" + to + "]" : to) + ":" + port;
        }
    }

    private List<Probe> toHost(int port) {
        return HOST.stream().map(address -> new Probe("w1", w1, address, port)).toList();
    }

    private List<Probe> toW1() {
        return W1.stream().map(address -> new Probe("the host", host, address, 7000)).toList();
    }

    /**
     * ufw's chains in both families, as its before.rules, user.rules and their IPv6 twins write them (the parts that
     * accept), with JUMPS, the lines that hook them into INPUT and OUTPUT, loaded as ufw loads its files.
     */
    private void ufw(String... jumps) {
        for (int version : List.of(4, 6)) {
            String icmp = version == 4 ? "-p icmp -m icmp --icmp-type 8" : "-p ipv6-icmp -m icmp6 --icmpv6-type 128";
            String rules = String.join("\n", List.of("*filter",
                    ":ufw-before-input - [0:0]", ":ufw-user-input - [0:0]",
                    ":ufw-before-output - [0:0]", ":ufw-track-output - [0:0]",
                    "-A ufw-before-input -i lo -j ACCEPT",
                    "-A ufw-before-input -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT",
                    "-A ufw-before-input " + icmp + " -j ACCEPT",
                    "-A ufw-before-input -j ufw-user-input",
                    "-A ufw-user-input -p tcp --dport 22 -j ACCEPT",
                    "-A ufw-before-output -o lo -j ACCEPT",
                    "-A ufw-before-output -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT",
                    "-A ufw-before-output -j ufw-track-output",
                    "-A ufw-track-output -p tcp -m conntrack --ctstate NEW -j ACCEPT",
                    "-A ufw-track-output -p udp -m conntrack --ctstate NEW -j ACCEPT",
                    String.join("\n", jumps), "COMMIT", ""));
            host.run(List.of(version == 4 ? "iptables-restore" : "ip6tables-restore", "-w", "5", "-n"), rules).check();
        }
    }

    /** w1 (10.65.0.1, fd65::1 on jcw1, app web) under NO_SSH and the profile open, in state W1STATE (null: active). */
    private static HostState state(FelixConfiguration config, String w1State) {
        WorkloadEndpoint endpoint = new WorkloadEndpoint("h1", null, "c1", "w1", "jcw1", null,
                List.of(Cidr.parse(W1.get(0) + "/32")), List.of(Cidr.parse(W1.get(1) + "/128")), List.of("open"), w1State, null, Map.of("app", "web"), null, null, List.of());
        return new HostStateCalculator().calculate(Snapshot.of("h1", config, List.of(endpoint), Map.of("open", OPEN))
                .withPolicy(List.of(), NO_SSH, List.of(), Map.of()));
    }

    /** SERVER on PORTS in the namespace FROM runs in, once it listens. */
    private Process server(CommandRunner from, String... ports) throws IOException {
        List<String> command = new ArrayList<>(List.of(EstablishedFlowKernelTest.PYTHON, scripts.resolve("server.py").toString()));
        command.addAll(List.of(ports));
        Process server = new ProcessBuilder(from.command(command)).redirectError(ProcessBuilder.Redirect.DISCARD).start();
        assertEquals("ready", new BufferedReader(new InputStreamReader(server.getInputStream())).readLine(),
                "the server on " + String.join(", ", ports) + " listens");
        return server;
    }
}
