package org.jcalico.felix.dataplane;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.jcalico.felix.calc.DataplaneNames;
import org.jcalico.felix.calc.HostStateCalculator;
import org.jcalico.felix.calc.Snapshot;
import org.jcalico.felix.hoststate.Chain;
import org.jcalico.felix.hoststate.HostState;
import org.jcalico.felix.hoststate.IptablesState;
import org.jcalico.kernel.CommandRunner;
import org.jcalico.kernel.Namespaces;
import org.jcalico.model.Cidr;
import org.jcalico.model.DataplaneDriver;
import org.jcalico.model.FelixConfiguration;
import org.jcalico.model.Policy;
import org.jcalico.model.Profile;
import org.jcalico.model.ResourceCodec;
import org.jcalico.model.Rule;
import org.jcalico.model.WorkloadEndpoint;
import org.jcalico.testing.KernelTests;
import org.jcalico.testing.TestNamespaces;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * What an established connection must still meet, on each dataplane driver ("jcrpt-ef-" namespaces): a UDP flow from
 * w1 to w2 (fixed ports, so every later datagram of any process is the same tracked connection, and UDP has no window
 * that would make a forged one INVALID) is cut when calc keeps w2 dropped (a policy of its names a tier that does not
 * exist) and when the driver holds
 * w2's own chain drop-only because the kernel refused it; and a datagram that w3 sends into the flow with w1's source
 * address is dropped. These are the guarantees that keep established packets from being accepted ahead of the
 * dispatch (docs/dataplane.md, "Why established is not accepted at the top of jc-FORWARD"): a layout that accepts
 * them earlier must keep all three, and this test fails if it does not (it fails with an established accept at the
 * top of jc-FORWARD).
 */
@Tag("kernel")
class EstablishedFlowKernelTest {
    private static final String PREFIX = TestNamespaces.named("jcrpt-ef-");
    private static final Profile OPEN = new Profile("open", List.of(), Map.of(), List.of(Rule.allow()), List.of(Rule.allow()));
    static final String PYTHON = "/usr/bin/python3";
    /**
     * Says "ready" once it listens, then echoes each datagram to port 5000 back to its sender and appends it to the file
     * named by argv[1].
     */
    static final String SERVER = """
            import socket, sys
            s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
            s.bind(("0.0.0.0", 5000))
            log = open(sys.argv[1], "a", buffering=1)
            print("ready", flush=True)
            while True:
                data, peer = s.recvfrom(2048)
                log.write(data.decode() + "\\n")
                s.sendto(data, peer)
            """;
    /**
     * Binds argv[1]:argv[2], sends argv[3] to argv[4]:argv[5] when given, says "ready", and exits 0 if a datagram
     * (an echo, an answer) arrives within two seconds, 1 if none does.
     */
    static final String PEER = """
            import socket, sys
            s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
            s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            s.bind((sys.argv[1], int(sys.argv[2])))
            if len(sys.argv) > 4:
                s.sendto(sys.argv[3].encode(), (sys.argv[4], int(sys.argv[5])))
            print("ready", flush=True)
            s.settimeout(2.0)
            try:
                s.recvfrom(2048)
            except socket.timeout:
                sys.exit(1)
            """;
    /** SERVER over IPv6, beside an IPv4 one on the same port. */
    static final String SERVER6 = SERVER.replace("socket.AF_INET,", "socket.AF_INET6,")
            .replace("s.bind((\"0.0.0.0\"", "s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 1)\ns.bind((\"::\"");
    /** PEER over IPv6. */
    static final String PEER6 = PEER.replace("socket.AF_INET,", "socket.AF_INET6,");
    /** Sends one datagram from argv[1]:argv[2] to argv[3]:argv[4]. */
    private static final String SENDER = """
            import socket, sys
            s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
            s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            s.bind((sys.argv[1], int(sys.argv[2])))
            s.sendto(b"reply", (sys.argv[3], int(sys.argv[4])))
            """;
    private WorkloadHost lab;
    private CommandRunner host;
    private Path scripts;
    private Path received;
    private Process server;

    @BeforeAll
    static void removeLeftovers() {
        KernelTests.assumeKernel();
        Namespaces.deleteAll(PREFIX);
    }

    @BeforeEach
    void createHost() throws IOException {
        lab = new WorkloadHost(PREFIX);
        host = lab.host();
        // the kernel's own reverse-path filter would drop a forged source before jcalico's rules see it
        host.run("sysctl", "-qw", "net.ipv4.conf.all.rp_filter=0", "net.ipv4.conf.default.rp_filter=0").check();
        scripts = Files.createTempDirectory("jcrpt-ef-");
        Files.writeString(scripts.resolve("server.py"), SERVER);
        Files.writeString(scripts.resolve("peer.py"), PEER);
        Files.writeString(scripts.resolve("sender.py"), SENDER);
        received = scripts.resolve("received");
        Files.writeString(received, "");
    }

    @AfterEach
    void deleteNamespaces() throws IOException {
        if (server != null) {
            server.destroyForcibly();
        }
        lab.close();
        org.jcalico.util.Directories.delete(scripts);
    }

    @Test
    void establishedFlowsMeetFailClosedIsolationAndAntiSpoofingOnIptables() throws Exception {
        check(DataplaneDriver.IPTABLES);
    }

    @Test
    void onNftablesToo() throws Exception {
        check(DataplaneDriver.NFTABLES);
    }

    private void check(DataplaneDriver driver) throws Exception {
        FelixConfiguration config = FelixConfiguration.DEFAULTS.withDataplaneDriver(driver);
        List<CommandRunner> workloads = workloads();
        CommandRunner w1 = workloads.get(0);
        CommandRunner w3 = workloads.get(2);
        HostState open = state(config, false);
        Dataplane dataplane = programmed(open);
        server = serve(PREFIX + "w2", received);
        assertTrue(echoed(w1, "10.65.0.1", "first"), "the flow starts");
        assertTrue(echoed(w1, "10.65.0.1", "established"), "and is established");

        // w3 takes w1's address and writes into the flow: the same tuple, so conntrack calls it ESTABLISHED
        w3.run("ip", "addr", "add", "10.65.0.1/32", "dev", "eth0").check();
        assertFalse(echoed(w3, "10.65.0.1", "forged"), "a forged source is dropped");
        assertFalse(receivedLines().contains("forged"), "the forged datagram never reached w2: " + receivedLines());
        w3.run("ip", "addr", "del", "10.65.0.1/32", "dev", "eth0").check();

        HostState failedClosed = state(config, true);
        assertTrue(failedClosed.failedClosed().containsKey("w2"), "a policy of w2's names a missing tier: it fails closed");
        assertEquals(open.routes(), failedClosed.routes(), "its route stays: only the rules may cut the flow");
        dataplane.apply(failedClosed);
        assertFalse(echoed(w1, "10.65.0.1", "failed-closed"), "a failed-closed endpoint cuts its established flows");
        assertFalse(receivedLines().contains("failed-closed"), receivedLines().toString());
        assertTrue(WorkloadHost.pings(workloads.get(1), 1),
                "w2's ingress fails closed, its egress does not: its own connections get their answers");
        assertTrue(WorkloadHost.blocked(w1, 2), "and nothing new reaches it");

        assertEquals(Map.of(), dataplane.apply(open).failures());
        assertTrue(echoed(w1, "10.65.0.1", "reopened"), "the flow runs again once w2 is programmed");

        // w2 opens a flow to w1 (port 6000: nothing listens there, the flow is tracked all the same) and gets its answer
        assertTrue(answered(w1, true), "w2's own flow gets w1's datagrams back while w2 is active");
        HostState isolated = state(config, false, "awaiting-labels");
        assertEquals(Map.of(), dataplane.apply(isolated).failures());
        assertFalse(answered(w1, false),
                "an isolated endpoint (state not active) gets nothing back, not even on a flow it opened before");
        assertFalse(echoed(w1, "10.65.0.1", "while-isolated"), "nor anything new");
        assertEquals(Map.of(), dataplane.apply(open).failures());
        assertTrue(echoed(w1, "10.65.0.1", "active-again"), "the flow runs again once w2 is active");

        String ingress = DataplaneNames.toEndpoint("jcw2");
        HostState refused = withRefusedRule(open, ingress, driver);
        DataplaneReport report = dataplane.apply(refused);
        assertTrue(report.failures().containsKey(ingress), "the kernel refuses w2's chain: " + report.failures());
        assertFalse(echoed(w1, "10.65.0.1", "isolated"), "an endpoint whose chain the driver holds drop-only cuts its established flows");
        assertFalse(receivedLines().contains("isolated"), receivedLines().toString());
        assertTrue(WorkloadHost.pings(w1, 3), "w3's chains were not refused: w1 still reaches it");
    }

    /**
     * The same guarantees for flows between w2 and a peer behind the host's uplink (192.168.9.2), which is what
     * leaves or enters by a workload's interface alone, the traffic the nftables driver accepts by a short way
     * (EstablishedPath): a flow from w2 out and one from the peer in are cut when w2 fails closed, is isolated or its
     * chain is held drop-only, and w3 writing into w2's flow out with w2's source is dropped; on nftables the short
     * way is taken.
     */
    @ParameterizedTest
    @EnumSource(DataplaneDriver.class)
    void throughTheUplink(DataplaneDriver driver) throws Exception {
        FelixConfiguration config = FelixConfiguration.DEFAULTS.withDataplaneDriver(driver);
        List<CommandRunner> workloads = workloads();
        CommandRunner w2 = workloads.get(1);
        CommandRunner w3 = workloads.get(2);
        CommandRunner uplink = lab.uplink(0);
        Path remote = scripts.resolve("remote");
        Files.writeString(remote, "");
        HostState open = state(config, false);
        Dataplane dataplane = programmed(open);
        // the uplink's veth is new too: its first packets can be lost to the link watch, not to the rules under test
        long deadline = System.nanoTime() + 10_000_000_000L;
        while (!uplink.run("busybox", "ping", "-4", "-c", "1", "-W", "1", "192.168.9.1").ok()) {
            assertTrue(System.nanoTime() < deadline, "the uplink reaches the host within 10 s");
        }
        Process peerServer = serve(PREFIX + "up", remote);
        try {
            server = serve(PREFIX + "w2", received);
            assertTrue(out(w2, "out-first"), "w2's flow to the peer starts");
            assertTrue(in(uplink, "in-first"), "the peer's flow to w2 starts");
            List<Long> longWay = driver == DataplaneDriver.NFTABLES ? dispatched() : List.of();
            for (int round = 0; round < 3; round++) {
                assertTrue(out(w2, "out-" + round), "and is established");
                assertTrue(in(uplink, "in-" + round), "as is the peer's");
            }
            if (driver == DataplaneDriver.NFTABLES) {
                assertEquals(longWay, dispatched(),
                        "no established packet from or to w2 met the dispatch maps: they took the short way");
            }

            w3.run("ip", "addr", "add", "10.65.0.2/32", "dev", "eth0").check();
            out(w3, "forged-out");
            assertFalse(Files.readAllLines(remote).contains("forged-out"),
                    "w3 writing into w2's flow with w2's source reaches nobody: " + Files.readAllLines(remote));
            w3.run("ip", "addr", "del", "10.65.0.2/32", "dev", "eth0").check();

            dataplane.apply(state(config, true));
            assertFalse(in(uplink, "in-failed-closed"), "a failed-closed endpoint cuts the peer's established flow");
            assertFalse(receivedLines().contains("in-failed-closed"), receivedLines().toString());

            assertEquals(Map.of(), dataplane.apply(open).failures());
            assertTrue(in(uplink, "in-reopened"), "the flow runs again once w2 is programmed");
            assertEquals(Map.of(), dataplane.apply(state(config, false, "awaiting-labels")).failures());
            assertFalse(out(w2, "out-isolated"), "an isolated endpoint's own flow out is cut");
            assertFalse(Files.readAllLines(remote).contains("out-isolated"), Files.readAllLines(remote).toString());
            assertFalse(in(uplink, "in-isolated"), "as is the peer's flow in");
            assertFalse(receivedLines().contains("in-isolated"), receivedLines().toString());

            assertEquals(Map.of(), dataplane.apply(open).failures());
            assertTrue(in(uplink, "in-active-again"), "the flow runs again once w2 is active");
            String ingress = DataplaneNames.toEndpoint("jcw2");
            DataplaneReport report = dataplane.apply(withRefusedRule(open, ingress, driver));
            assertTrue(report.failures().containsKey(ingress), "the kernel refuses w2's chain: " + report.failures());
            assertFalse(in(uplink, "in-held"), "an endpoint whose chain the driver holds drop-only cuts the peer's flow");
            assertFalse(receivedLines().contains("in-held"), receivedLines().toString());
        } finally {
            peerServer.destroyForcibly();
        }
    }

    /** Workloads w1, w2 and w3. */
    private List<CommandRunner> workloads() {
        List<CommandRunner> workloads = new ArrayList<>();
        for (int number = 1; number <= 3; number++) {
            workloads.add(lab.workload(number));
        }
        return workloads;
    }

    /** A dataplane started on the host, OPEN applied, and the workloads' links passing packets. */
    private Dataplane programmed(HostState open) throws InterruptedException {
        Dataplane dataplane = new Dataplane(host);
        assertTrue(dataplane.start().failures().isEmpty());
        assertEquals(Map.of(), dataplane.apply(open).failures());
        lab.awaitLinksPassPackets();
        return dataplane;
    }

    /**
     * SERVER in NAMESPACE, logging to LOG, once it listens (waited for, not tried for: each try before the server
     * listened waited out the peer's 2 s).
     */
    private Process serve(String namespace, Path log) throws IOException {
        Process started = new ProcessBuilder("ip", "netns", "exec", namespace, PYTHON, scripts.resolve("server.py").toString(),
                log.toString()).redirectError(ProcessBuilder.Redirect.DISCARD).start();
        assertEquals("ready", new java.io.BufferedReader(new java.io.InputStreamReader(started.getInputStream())).readLine(),
                "the server in " + namespace + " listens");
        return started;
    }

    /** Whether FROM's datagram from 10.65.0.2:4000 to the peer's server comes back. */
    private boolean out(CommandRunner from, String text) {
        return from.run(PYTHON, scripts.resolve("peer.py").toString(), "10.65.0.2", "4000", text, "192.168.9.2", "5000").ok();
    }

    /** Whether the peer's datagram from 192.168.9.2:4000 to w2's server comes back. */
    private boolean in(CommandRunner uplink, String text) {
        return uplink.run(PYTHON, scripts.resolve("peer.py").toString(), "192.168.9.2", "4000", text, "10.65.0.2", "5000").ok();
    }

    /** The packets jcw2's elements of the IPv4 table's dispatch maps counted, from w2 and to it. */
    private List<Long> dispatched() {
        List<Long> counted = new ArrayList<>();
        for (String map : List.of(DataplaneNames.FROM_DISPATCH + "-iifname-ip-saddr", DataplaneNames.TO_DISPATCH + "-oifname")) {
            String listed = host.run("nft", "list", "map", "ip", "jcalico", map).check().stdout();
            java.util.regex.Matcher element = java.util.regex.Pattern.compile("\"jcw2\"[^:]*counter packets (\\d+)")
                    .matcher(listed);
            assertTrue(element.find(), listed);
            counted.add(Long.parseLong(element.group(1)));
        }
        return counted;
    }

    /**
     * Three endpoints 10.65.0.N on jcwN with profile "open", w2 labelled app=db; with {@code lostTier}, a policy for
     * app=db's ingress names a tier that does not exist, so calc keeps w2's ingress chain a single drop.
     */
    private static HostState state(FelixConfiguration config, boolean lostTier) {
        return state(config, lostTier, null);
    }

    /** The same, with w2 in state {@code w2State} (null: active). */
    private static HostState state(FelixConfiguration config, boolean lostTier, String w2State) {
        List<WorkloadEndpoint> endpoints = new ArrayList<>();
        for (int number = 1; number <= 3; number++) {
            endpoints.add(new WorkloadEndpoint("h1", null, "c" + number, "w" + number, "jcw" + number, null,
                    List.of(Cidr.parse("10.65.0." + number + "/32")), List.of(), List.of("open"),
                    number == 2 ? w2State : null, null,
                    number == 2 ? Map.of("app", "db") : Map.of(), null));
        }
        List<Policy> policies = lostTier ? List.of((Policy) ResourceCodec.decodeAll("""
                kind: GlobalNetworkPolicy
                metadata: {name: lost.db-in}
                spec: {tier: lost, selector: app == "db", ingress: [{action: Allow}]}
                """).get(0)) : List.of();
        return new HostStateCalculator().calculate(Snapshot.of("h1", config, endpoints, Map.of("open", OPEN))
                .withPolicy(List.of(), policies, List.of(), Map.of()));
    }

    /**
     * The state with a rule the kernel refuses (a set that does not exist) at the end of one chain, after its
     * established accept: as a calculation bug would make it.
     */
    private static HostState withRefusedRule(HostState state, String chainName, DataplaneDriver driver) {
        Map<String, Map<String, Chain>> tables = new HashMap<>(state.ipv4().tables());
        Map<String, Chain> filter = new HashMap<>(tables.get("filter"));
        Chain chain = filter.get(chainName);
        if (chain == null) {
            chain = ownChainOnNftables(filter, chainName);
        }
        List<String> rules = new ArrayList<>(chain.rules());
        rules.add(driver == DataplaneDriver.NFTABLES ? "ip saddr @jc-4s-missing drop" : "-m set --match-set jc-4s-missing src -j DROP");
        filter.put(chainName, new Chain(chainName, rules));
        tables.put("filter", filter);
        IptablesState ipv4 = new IptablesState(4, tables, state.ipv4().hooks());
        return new HostState(ipv4, state.ipv6(), state.ipSets(), state.routes(), state.interfaces(), state.concerns(),
                state.failedClosed(), state.driver());
    }

    /**
     * On nftables an endpoint that only enters its shared chain has no chain (session 59: its dispatch element goes to
     * the shared chain): a bug giving it a chain of its own is that chain, entering the shared one, with the endpoint's
     * element re-pointed to it (into FILTER); returned for the refused rule to be added.
     */
    private static Chain ownChainOnNftables(Map<String, Chain> filter, String chainName) {
        String element = "\"" + chainName.substring(DataplaneNames.toEndpoint("").length()) + "\"";
        for (Chain dispatch : List.copyOf(filter.values())) {
            List<org.jcalico.felix.hoststate.VerdictMap> maps = new ArrayList<>();
            String shared = null;
            for (org.jcalico.felix.hoststate.VerdictMap map : dispatch.maps()) {
                String target = map.elements().get(element);
                if (target != null && dispatch.name().equals(DataplaneNames.TO_DISPATCH)) {
                    shared = target.substring("goto ".length());
                    var elements = map.elements().editor();
                    elements.put(element, "goto " + chainName);
                    map = new org.jcalico.felix.hoststate.VerdictMap(map.name(), map.key(), map.type(), elements.map());
                }
                maps.add(map);
            }
            if (shared != null) {
                filter.put(dispatch.name(), new Chain(dispatch.name(), dispatch.rules(), dispatch.origins(), maps));
                return new Chain(chainName, List.of("counter jump " + shared));
            }
        }
        throw new AssertionError("no dispatch element for " + chainName);
    }

    private boolean echoed(CommandRunner from, String source, String text) {
        return from.run(PYTHON, scripts.resolve("peer.py").toString(), source, "4000", text, "10.65.0.2", "5000").ok();
    }

    /**
     * Whether a datagram that {@code from} sends from 10.65.0.1:6000 to 10.65.0.2:4000 (the reply direction of w2's flow
     * 10.65.0.2:4000 to 10.65.0.1:6000) reaches w2's listener; with {@code open}, the listener first opens that flow.
     */
    private boolean answered(CommandRunner from, boolean open) throws Exception {
        List<String> command = new ArrayList<>(List.of("ip", "netns", "exec", PREFIX + "w2", PYTHON,
                scripts.resolve("peer.py").toString(), "10.65.0.2", "4000"));
        if (open) {
            command.addAll(List.of("open", "10.65.0.1", "6000"));
        }
        Process listener = new ProcessBuilder(command).redirectError(ProcessBuilder.Redirect.DISCARD).start();
        try {
            assertEquals("ready", new java.io.BufferedReader(new java.io.InputStreamReader(listener.getInputStream()))
                    .readLine(), "w2's listener starts");
            from.run(PYTHON, scripts.resolve("sender.py").toString(), "10.65.0.1", "6000", "10.65.0.2", "4000").check();
            assertTrue(listener.waitFor(10, java.util.concurrent.TimeUnit.SECONDS), "w2's listener ends");
            return listener.exitValue() == 0;
        } finally {
            listener.destroyForcibly();
        }
    }

    private List<String> receivedLines() throws IOException {
        return Files.readAllLines(received);
    }
}
