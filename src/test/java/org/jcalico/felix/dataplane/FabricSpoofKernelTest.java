package org.jcalico.felix.dataplane;

import static org.junit.jupiter.api.Assertions.assertAll;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.jcalico.felix.calc.DataplaneNames;
import org.jcalico.felix.calc.HostStateCalculator;
import org.jcalico.felix.calc.Snapshot;
import org.jcalico.felix.hoststate.HostState;
import org.jcalico.kernel.CommandRunner;
import org.jcalico.model.BgpConfiguration;
import org.jcalico.model.Cidr;
import org.jcalico.model.DataplaneDriver;
import org.jcalico.model.FelixConfiguration;
import org.jcalico.model.IpPool;
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
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * A packet that comes in from the network (not from a workload's interface) with a local endpoint's address as its
 * source: only that endpoint sends from its address, and it sends from its own interface, so such a packet is forged.
 * w2 admits only app=web (w1); a sender on the host's uplink forges w1's address. The host's reverse-path filter is
 * loose, as systemd sets it (strict would drop it before jcalico's rules, for IPv4 only: IPv6 has no such filter).
 */
@Tag("kernel")
class FabricSpoofKernelTest {
    private static final String PREFIX = TestNamespaces.named("jcfsp-");
    private static final Profile OPEN = new Profile("open", List.of(), Map.of(), List.of(Rule.allow()), List.of(Rule.allow()));
    private WorkloadHost lab;
    private Path scripts;
    private Path received;
    private Path atHost;
    /** Where the echo server behind the uplink (another host's workload) logs what it gets. */
    private Path remote;
    private CommandRunner w2;
    private final List<Process> servers = new ArrayList<>();

    @BeforeEach
    void setUp() throws IOException {
        KernelTests.assumeKernel();
        lab = new WorkloadHost(PREFIX);
        scripts = Files.createTempDirectory("jcfsp-");
        Files.writeString(scripts.resolve("server.py"), EstablishedFlowKernelTest.SERVER);
        Files.writeString(scripts.resolve("peer.py"), EstablishedFlowKernelTest.PEER);
        Files.writeString(scripts.resolve("server6.py"), EstablishedFlowKernelTest.SERVER6);
        Files.writeString(scripts.resolve("peer6.py"), EstablishedFlowKernelTest.PEER6);
        received = scripts.resolve("received");
        Files.writeString(received, "");
        atHost = scripts.resolve("at-host");
        Files.writeString(atHost, "");
    }

    @AfterEach
    void tearDown() throws IOException {
        WorkloadHost.tearDown(lab, servers, scripts);
    }

    @ParameterizedTest
    @EnumSource(DataplaneDriver.class)
    void aForgedEndpointSourceFromTheNetworkIsDropped(DataplaneDriver driver) throws Exception {
        CommandRunner w1 = lab.dualStackWorkload(1);
        CommandRunner w2 = lab.dualStackWorkload(2);
        CommandRunner w3 = lab.dualStackWorkload(3);
        CommandRunner uplink = lab.uplink(2, "10.65.0.1", "fd65::1");

        programmed(driver, "host", atHost);

        assertTrue(sent(w1, "10.65.0.1", "from-w1"), "w1 (app=web) reaches w2");
        assertFalse(sent(w3, "10.65.0.3", "from-w3"), "w3 does not");
        sent(uplink, "10.65.0.1", "forged");
        assertFalse(Files.readAllLines(received).contains("forged"),
                "a datagram from the uplink with w1's address never reaches w2: " + Files.readAllLines(received));

        assertTrue(sent(w1, "fd65::1", "from-w1-6"), "w1 (app=web) reaches w2 over IPv6");
        assertFalse(sent(w3, "fd65::3", "from-w3-6"), "w3 does not");
        sent(uplink, "fd65::1", "forged-6");
        assertFalse(Files.readAllLines(received).contains("forged-6"),
                "an IPv6 datagram from the uplink with w1's address never reaches w2: " + Files.readAllLines(received));

        // the host itself: a service of the host that admits its workloads by address (an admin's rule, an ACL) must
        // not admit the uplink under a workload's address; the uplink under its own address is not jcalico's concern
        assertTrue(sent(uplink, "192.168.9.2", "uplink", "192.168.9.1"), "the uplink reaches the host's service");
        assertTrue(sent(uplink, "fd00:9::2", "uplink-6", "fd00:9::1"), "over IPv6 too");
        // and the workload itself, under the default drop, reaches none of the host's addresses
        lab.hostAddress("10.99.0.1");
        for (String hostAddress : List.of("192.168.9.1", "10.99.0.1")) {
            assertFalse(sent(w1, "10.65.0.1", "w1-to-host", hostAddress), "w1 does not reach the host at " + hostAddress);
        }
        assertFalse(sent(w1, "fd65::1", "w1-to-host-6", "fd00:9::1"), "nor at its IPv6 address");
        sent(uplink, "10.65.0.1", "forged-to-host", "192.168.9.1");
        sent(uplink, "fd65::1", "forged-to-host-6", "fd00:9::1");
        assertEquals(List.of("uplink", "uplink-6"), Files.readAllLines(atHost),
                "a datagram from the uplink with w1's address never reaches the host itself, on either family");
    }

    /**
     * A workload's packets, in on its own interface, forwarded or to the host, never enter jc-local-source
     * (docs/dataplane.md, "Session 60 (p-net)": the interface is tested before the set lookup and the jump), while a
     * forged one from the uplink still does and is dropped there. Seen by a counting rule put by hand at the top of
     * the chain in both families: it counts every packet that enters, and nothing else in the test writes rules.
     */
    @ParameterizedTest
    @EnumSource(DataplaneDriver.class)
    void aWorkloadsForwardedPacketsSkipTheLocalSourceCheck(DataplaneDriver driver) throws Exception {
        CommandRunner w1 = lab.dualStackWorkload(1);
        lab.dualStackWorkload(2);
        lab.dualStackWorkload(3);
        CommandRunner uplink = lab.uplink(2, "10.65.0.1", "fd65::1");
        programmed(driver, "host", atHost);
        CommandRunner host = lab.host();
        for (int version : List.of(4, 6)) {
            if (driver == DataplaneDriver.NFTABLES) {
                host.run("nft", "insert", "rule", version == 4 ? "ip" : "ip6", "jcalico", DataplaneNames.LOCAL_SOURCE,
                        "counter", "comment", "\"probe\"").check();
            } else {
                host.run(version == 4 ? "iptables" : "ip6tables", "-w", "-I", DataplaneNames.LOCAL_SOURCE, "1").check();
            }
        }

        for (int round = 0; round < 3; round++) {
            assertTrue(sent(w1, "10.65.0.1", "from-w1-" + round), "w1 (app=web) reaches w2");
            assertTrue(sent(w1, "fd65::1", "from-w1-6-" + round), "over IPv6 too");
        }
        // and to the host itself (jc-INPUT's rule has the same shape; the default endpoint-to-host action drops them)
        assertFalse(sent(w1, "10.65.0.1", "w1-to-host", "192.168.9.1"), "w1 does not reach the host");
        assertFalse(sent(w1, "fd65::1", "w1-to-host-6", "fd00:9::1"), "nor over IPv6");
        assertEquals(List.of(0L, 0L), List.of(entered(host, driver, 4), entered(host, driver, 6)),
                "w1's datagrams to w2, w2's answers and w1's to the host (IPv4, IPv6) enter jc-local-source");

        sent(uplink, "10.65.0.1", "forged");
        sent(uplink, "fd65::1", "forged-6");
        assertFalse(Files.readAllLines(received).stream().anyMatch(line -> line.startsWith("forged")),
                "a datagram from the uplink with w1's address never reaches w2: " + Files.readAllLines(received));
        // (IPv6 neighbour solicitations the uplink sends from the forged address enter it too, through jc-INPUT)
        List<Long> forged = List.of(entered(host, driver, 4), entered(host, driver, 6));
        assertTrue(forged.get(0) >= 1 && forged.get(1) >= 1,
                "the forged datagrams (IPv4, IPv6) from the uplink enter jc-local-source: " + forged);
    }

    /** The packets the counting rule at the top of the family's jc-local-source saw. */
    private static long entered(CommandRunner host, DataplaneDriver driver, int version) {
        if (driver == DataplaneDriver.NFTABLES) {
            String chain = host.run("nft", "list", "chain", version == 4 ? "ip" : "ip6", "jcalico",
                    DataplaneNames.LOCAL_SOURCE).check().stdout();
            java.util.regex.Matcher probe = java.util.regex.Pattern.compile("counter packets (\\d+) bytes \\d+ comment \"probe\"")
                    .matcher(chain);
            assertTrue(probe.find(), chain);
            return Long.parseLong(probe.group(1));
        }
        String rule = host.run(version == 4 ? "iptables" : "ip6tables", "-w", "-L", DataplaneNames.LOCAL_SOURCE, "1",
                "-v", "-x", "-n").check().stdout().strip();
        return Long.parseLong(rule.split("\\s+")[0]);
    }

    /**
     * The host's own packets with a workload's address as source (docs/dataplane.md, "Session 60 (t-host)"): any user
     * of the host can send them over IPv6 (an IPV6_FREEBIND socket needs no privilege), root over both families (an
     * IP_TRANSPARENT socket). To a local workload they would pass as that workload, to another host's workload too
     * (its host admits them by the source's set, as the fabric is trusted): both are dropped as they leave. The host's
     * own addresses pass as before (its packets to its workloads are not policed).
     */
    @ParameterizedTest
    @EnumSource(DataplaneDriver.class)
    void theHostsOwnPacketsFromAWorkloadsAddressAreDropped(DataplaneDriver driver) throws Exception {
        CommandRunner host = sendingHost(driver);
        List<String> nobody = List.of("setpriv", "--reuid=nobody", "--regid=nogroup", "--clear-groups");
        for (String to : List.of("local", "remote")) {
            boolean local = to.equals("local");
            spoof(host, nobody, "freebind", "fd65::1", local ? "fd65::2" : "fd65:0:0:1::5", "nobody-6-" + to);
            spoof(host, List.of(), "transparent", "fd65::1", local ? "fd65::2" : "fd65:0:0:1::5", "root-6-" + to);
            spoof(host, List.of(), "transparent", "10.65.0.1", local ? "10.65.0.2" : "10.65.1.5", "root-" + to);
            // a pool's address that no endpoint has is forged as well
            spoof(host, List.of(), "transparent", "10.65.0.77", local ? "10.65.0.2" : "10.65.1.5", "unused-" + to);
            spoof(host, List.of(), "freebind", local ? "10.99.0.1" : "192.168.9.1", local ? "10.65.0.2" : "10.65.1.5",
                    "host-" + to);
            spoof(host, List.of(), "freebind", "fd00:9::1", local ? "fd65::2" : "fd65:0:0:1::5", "host-6-" + to);
        }
        List<String> atW2 = arrived(received, 2);
        List<String> atRemote = arrived(remote, 2);
        assertAll(() -> assertEquals(List.of("host-6-local", "host-local"), atW2,
                        "of the host's datagrams to w2, only those from the host's own addresses arrive"),
                () -> assertEquals(List.of("host-6-remote", "host-remote"), atRemote,
                        "of the host's datagrams to another host's workload, only those from the host's own addresses arrive"));
    }

    /**
     * The host's users other than root send toward workloads only from the host's own addresses (docs/dataplane.md,
     * "Session 61 (t-src6)"): with an IPV6_FREEBIND socket any user could send from an outside network's address, which
     * a policy may admit by nets (2001:db8:77::/64 here), and another host's workload would get it as that network's;
     * a user other than root with CAP_NET_ADMIN (IP_TRANSPARENT) could over both families. Root may (its transparent
     * proxies answer workloads in the names of the servers they stand for), and so may the kernel, whose packets have
     * no user's socket: here a reset that an admin's REJECT sends a workload in an outside server's name. Over IPv4 the
     * kernel itself refuses an unprivileged user a source that is not the host's (session 60's finding, kept here).
     */
    @ParameterizedTest
    @EnumSource(DataplaneDriver.class)
    void theHostsUsersSendToWorkloadsOnlyFromTheHostsOwnAddresses(DataplaneDriver driver) throws Exception {
        CommandRunner host = sendingHost(driver);
        List<String> nobody = List.of("setpriv", "--reuid=nobody", "--regid=nogroup", "--clear-groups");
        List<String> admin = new ArrayList<>(nobody);
        admin.addAll(List.of("--inh-caps=+net_admin", "--ambient-caps=+net_admin"));
        for (String to : List.of("local", "remote")) {
            String to6 = to.equals("local") ? "fd65::2" : "fd65:0:0:1::5";
            String to4 = to.equals("local") ? "10.65.0.2" : "10.65.1.5";
            spoof(host, nobody, "freebind", "2001:db8:77::5", to6, "nobody-6-" + to);
            assertEquals("unreachable", spoof(host, nobody, "freebind", "203.0.113.5", to4, "nobody-" + to),
                    "the kernel refuses an unprivileged user an IPv4 source that is not the host's");
            spoof(host, admin, "transparent", "2001:db8:77::5", to6, "admin-6-" + to);
            spoof(host, admin, "transparent", "203.0.113.5", to4, "admin-" + to);
            spoof(host, List.of(), "transparent", "2001:db8:77::5", to6, "root-6-" + to);
            spoof(host, List.of(), "transparent", "203.0.113.5", to4, "root-" + to);
            spoof(host, nobody, "freebind", "fd00:9::1", to6, "own-6-" + to);
            spoof(host, nobody, "freebind", to.equals("local") ? "10.99.0.1" : "192.168.9.1", to4, "own-" + to);
        }
        List<String> atW2 = arrived(received, 4);
        List<String> atRemote = arrived(remote, 4);
        assertAll(() -> assertEquals(List.of("own-6-local", "own-local", "root-6-local", "root-local"), atW2,
                        "of the host's datagrams to w2 from an address not the host's, only root's arrive"),
                () -> assertEquals(List.of("own-6-remote", "own-remote", "root-6-remote", "root-remote"), atRemote,
                        "of the host's datagrams to another host's workload from an address not the host's, only root's arrive"));

        // an admin's REJECT of w2's connections to an outside server: the kernel's reset, from that server's address
        host.run("ip", "route", "add", "192.0.2.0/24", "via", "192.168.9.2").check();
        host.run("ip", "-6", "route", "add", "2001:db8:80::/64", "via", "fd00:9::2").check();
        Files.writeString(scripts.resolve("connect.py"), CONNECT);
        for (String server : List.of("192.0.2.80", "2001:db8:80::80")) {
            host.run(server.contains(":") ? "ip6tables" : "iptables", "-I", "FORWARD", "1", "-d", server, "-p", "tcp",
                    "-j", "REJECT", "--reject-with", "tcp-reset").check();
            assertEquals("refused", w2.run(EstablishedFlowKernelTest.PYTHON, scripts.resolve("connect.py").toString(), server).stdout().strip(),
                    "the kernel's reset in the name of " + server + " reaches w2");
        }
    }

    /** Tries a TCP connection to argv[1]:80 and says how it ended: "refused" (a reset came), "timeout" or "connected". */
    private static final String CONNECT = """
            import socket, sys
            s = socket.socket(socket.AF_INET6 if ":" in sys.argv[1] else socket.AF_INET)
            s.settimeout(2.0)
            try:
                s.connect((sys.argv[1], 80))
                print("connected")
            except ConnectionRefusedError:
                print("refused")
            except socket.timeout:
                print("timeout")
            """;

    /**
     * The host under DRIVER's rules with w1-w3, 10.99.0.1 on its loopback and, behind the uplink, another host's
     * workloads (addresses in the pools that this host routes out of it: 10.65.1.5 and fd65:0:0:1::5), whose echo
     * server logs to REMOTE; the spoofing script readable by nobody.
     */
    private CommandRunner sendingHost(DataplaneDriver driver) throws Exception {
        CommandRunner host = lab.host();
        for (int number = 1; number <= 3; number++) {
            CommandRunner workload = lab.dualStackWorkload(number);
            if (number == 2) {
                w2 = workload;
            }
        }
        CommandRunner uplink = lab.uplink(2, "10.65.1.5", "fd65:0:0:1::5");
        // the echo server there answers any source (one it has no route to would end it)
        uplink.run("ip", "route", "add", "default", "via", "192.168.9.1").check();
        uplink.run("ip", "-6", "route", "add", "default", "via", "fd00:9::1").check();
        host.run("ip", "route", "add", "10.65.1.0/24", "via", "192.168.9.2").check();
        host.run("ip", "-6", "route", "add", "fd65:0:0:1::/64", "via", "fd00:9::2").check();
        lab.hostAddress("10.99.0.1");
        remote = scripts.resolve("remote");
        Files.writeString(remote, "");
        Files.writeString(scripts.resolve("spoof.py"), SPOOF);
        // readable by nobody
        scripts.toFile().setExecutable(true, false);
        scripts.resolve("spoof.py").toFile().setReadable(true, false);
        programmed(driver, "up", remote);
        return host;
    }

    /**
     * Sends TEXT from SOURCE to DESTINATION:5000 from the host, as the user AS says, through a socket of MODE; what
     * became of it: "sent", "dropped" (a rule's drop in OUTPUT) or "unreachable" (the kernel refused the source).
     */
    private String spoof(CommandRunner host, List<String> as, String mode, String source, String destination, String text) {
        List<String> command = new ArrayList<>(as);
        command.addAll(List.of(EstablishedFlowKernelTest.PYTHON, scripts.resolve("spoof.py").toString(), mode, source,
                destination, text));
        return host.run(command).check().stdout().strip();
    }

    /** What LOG holds, sorted, once it holds at least EXPECTED lines (or after 3 s) and a moment more for the rest. */
    private static List<String> arrived(Path log, int expected) throws IOException, InterruptedException {
        long deadline = System.nanoTime() + 3_000_000_000L;
        while (Files.readAllLines(log).size() < expected && System.nanoTime() < deadline) {
            Thread.sleep(20);
        }
        Thread.sleep(300);
        return Files.readAllLines(log).stream().sorted().toList();
    }

    /**
     * Sends argv[4] from argv[2] to argv[3]:5000 through a socket that may bind an address the host does not have:
     * argv[1] "freebind" (IP_FREEBIND / IPV6_FREEBIND, any user) or "transparent" (IP_TRANSPARENT /
     * IPV6_TRANSPARENT, root or CAP_NET_ADMIN), and says what became of it: "sent", "dropped" (a rule's drop in OUTPUT
     * makes the send fail with EPERM) or "unreachable" (the kernel refused the source at the route lookup).
     */
    private static final String SPOOF = """
            import errno, socket, sys
            mode, source, destination, text = sys.argv[1:5]
            six = ":" in source
            s = socket.socket(socket.AF_INET6 if six else socket.AF_INET, socket.SOCK_DGRAM)
            level = socket.IPPROTO_IPV6 if six else socket.IPPROTO_IP
            s.setsockopt(level, (78 if six else 15) if mode == "freebind" else (75 if six else 19), 1)
            s.bind((source, 0))
            try:
                s.sendto(text.encode(), (destination, 5000))
                print("sent")
            except PermissionError:
                print("dropped")
            except OSError as e:
                if e.errno != errno.ENETUNREACH:
                    raise
                print("unreachable")
            """;

    /**
     * The host under DRIVER's rules, its links passing packets, and echo servers of both families on w2 (logging to
     * RECEIVED) and in the lab's namespace OTHER (logging to LOG).
     */
    private void programmed(DataplaneDriver driver, String other, Path log) throws Exception {
        Dataplane dataplane = new Dataplane(lab.host());
        assertTrue(dataplane.start().failures().isEmpty());
        assertEquals(Map.of(), dataplane.apply(state(driver)).failures());
        lab.awaitLinksPassPackets();
        for (String script : List.of("server.py", "server6.py")) {
            serve("w2", script, received);
            serve(other, script, log);
        }
    }

    /** SCRIPT (an echo server on port 5000) started in the lab's namespace NAME, writing what it gets to LOG. */
    private void serve(String name, String script, Path log) throws IOException {
        Process server = new ProcessBuilder("ip", "netns", "exec", PREFIX + name, EstablishedFlowKernelTest.PYTHON,
                scripts.resolve(script).toString(), log.toString())
                .redirectError(ProcessBuilder.Redirect.DISCARD).start();
        servers.add(server);
        assertEquals("ready", new BufferedReader(new InputStreamReader(server.getInputStream())).readLine(),
                "the server listens (" + name + ", " + script + ")");
    }

    /**
     * Whether a datagram FROM sends from SOURCE:4000 to w2's port 5000 (the address of SOURCE's family) is echoed (w2
     * got it and its answer came back).
     */
    private boolean sent(CommandRunner from, String source, String text) {
        return sent(from, source, text, source.contains(":") ? "fd65::2" : "10.65.0.2");
    }

    /** Whether a datagram FROM sends from SOURCE:4000 to DESTINATION:5000 is echoed. */
    private boolean sent(CommandRunner from, String source, String text, String destination) {
        return from.run(EstablishedFlowKernelTest.PYTHON, scripts.resolve(source.contains(":") ? "peer6.py" : "peer.py")
                .toString(), source, "4000", text, destination, "5000").ok();
    }

    /** FabricSpoofKernelTest.endpoints(); a policy admits only app=web into app=db. */
    private static HostState state(DataplaneDriver driver) {
        List<Policy> policies = List.of((Policy) ResourceCodec.decodeAll("""
                kind: GlobalNetworkPolicy
                metadata: {name: db-in}
                spec: {selector: app == "db", ingress: [{action: Allow, source: {selector: app == "web"}}]}
                """).get(0));
        FelixConfiguration config = FelixConfiguration.DEFAULTS.withDataplaneDriver(driver);
        List<IpPool> pools = List.of(new IpPool(Cidr.parse("10.65.0.0/16"), false, null, false),
                new IpPool(Cidr.parse("fd65::/48"), false, null, false));
        return new HostStateCalculator().calculate(new Snapshot("h1", config, endpoints(), Map.of("open", OPEN), pools,
                List.of(), List.of(), List.of(), BgpConfiguration.DEFAULTS, List.of(), policies, List.of(), Map.of()));
    }

    /** w1 app=web, w2 app=db, w3 unlabelled, each with 10.65.0.N and fd65::N, all with profile "open". */
    static List<WorkloadEndpoint> endpoints() {
        List<WorkloadEndpoint> endpoints = new ArrayList<>();
        for (int number = 1; number <= 3; number++) {
            Map<String, String> labels = switch (number) {
                case 1 -> Map.of("app", "web");
                case 2 -> Map.of("app", "db");
                default -> Map.of();
            };
            endpoints.add(new WorkloadEndpoint("h1", null, "c" + number, "w" + number, "jcw" + number, null,
                    List.of(Cidr.parse("10.65.0." + number + "/32")), List.of(Cidr.parse("fd65::" + number + "/128")),
                    List.of("open"), null, null, labels, null));
        }
        return endpoints;
    }
}
