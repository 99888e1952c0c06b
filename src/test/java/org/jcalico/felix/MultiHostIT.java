package org.jcalico.felix;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.math.BigInteger;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.jcalico.kernel.CommandRunner;
import org.jcalico.kernel.Namespaces;
import org.jcalico.lab.LabLayout;
import org.jcalico.lab.Probe;
import org.jcalico.lab.WorkloadWebServer;
import org.jcalico.model.Cidr;
import org.jcalico.model.IpAddress;
import org.jcalico.model.ResourceCodec;
import org.jcalico.model.WorkloadEndpoint;
import org.jcalico.testing.Connectivity;
import org.jcalico.testing.Eventually;
import org.jcalico.testing.LabFixture;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * Three hosts with real BIRD peering over the lab's fabric: cross-host policy, NAT, borrowed addresses, a host that
 * joins and leaves, and an external route reflector that also offers prefixes no host may accept.
 */
@Tag("kernel")
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class MultiHostIT {
    private static final List<String> COLOURS = List.of("red", "blue");
    private static final Map<String, WorkloadEndpoint> ENDPOINTS = new LinkedHashMap<>();
    private static LabFixture fixture;
    private static String driver;

    /** Overridden by a class running the same cases on another dataplane (an instance method: one runs, not both). */
    @BeforeAll
    void up() {
        upOn("jctm", "iptables");
    }

    /**
     * The lab LAB (hosts 1-3 started, h4 joining later) with every agent on DRIVER, FelixConfiguration's
     * dataplaneDriver, before the first endpoint: the same cases then hold the dataplane to the same behaviour.
     */
    static void upOn(String lab, String dataplane) {
        driver = dataplane;
        ENDPOINTS.clear();
        fixture = LabFixture.up(lab, 4, true, 3);
        fixture.apply("h1", "kind: FelixConfiguration\nname: global\ndataplaneDriver: " + driver + "\n");
        for (int host = 1; host <= 3; host++) {
            String namespace = fixture.layout().host(host);
            assertTrue(Eventually.within(30, () -> fixture.programsOnly(namespace, driver)),
                    namespace + "'s agent on " + driver);
        }
        fixture.jc("h1", "pool", "add", "10.67.0.0/16", "--nat-outgoing");
        fixture.jc("h1", "pool", "add", "fd67::/64", "--nat-outgoing");
        fixture.jc("h1", "pool", "add", "10.68.0.0/24");
        for (int host = 1; host <= 3; host++) {
            for (String colour : COLOURS) {
                add(colour + "-" + host, "h" + host, colour);
            }
        }
        assertTrue(Eventually.within(30, () -> meshUp(3)), "BGP sessions up on every host");
    }

    @AfterAll
    static void down() {
        if (fixture != null) {
            fixture.close();
        }
    }

    private static WorkloadEndpoint add(String workload, String host, String profile, String... addresses) {
        String namespace = fixture.lab().workload(workload);
        List<String> args = new ArrayList<>(List.of("container", "add", "netns:" + namespace, "--profile", profile));
        args.addAll(List.of(addresses));
        fixture.jc(host, args.toArray(String[]::new));
        WorkloadWebServer.start(fixture.layout(), namespace, 80);
        for (var resource : ResourceCodec.decodeAll(fixture.jc(host, "container", "list", "-o", "json"))) {
            WorkloadEndpoint endpoint = (WorkloadEndpoint) resource;
            if (endpoint.containerId().equals("netns:" + namespace)) {
                ENDPOINTS.put(workload, endpoint);
                return endpoint;
            }
        }
        throw new AssertionError(workload + " not listed");
    }

    private static String ns(String workload) {
        return fixture.layout().workload(workload);
    }

    private static IpAddress address(String workload, int version) {
        return ENDPOINTS.get(workload).nets(version).get(0).network();
    }

    private static boolean meshUp(int hosts) {
        for (int host = 1; host <= hosts; host++) {
            if (!fixture.run("h" + host, "node", "status", "--run-dir", fixture.layout().runDir().toString()).ok()) {
                return false;
            }
        }
        return true;
    }

    @Test
    @Order(1)
    void policyHoldsAcrossHostsForBothFamiliesBothWays() {
        List<Probe> probes = new ArrayList<>();
        List<Boolean> expected = new ArrayList<>();
        List<String> workloads = new ArrayList<>(ENDPOINTS.keySet());
        for (String from : workloads) {
            for (String to : workloads) {
                if (!from.equals(to)) {
                    boolean allowed = from.split("-")[0].equals(to.split("-")[0]);
                    probes.addAll(List.of(Probe.ping(ns(from), address(to, 4)), Probe.ping(ns(from), address(to, 6)),
                            Probe.tcp(ns(from), address(to, 4), 80)));
                    expected.addAll(List.of(allowed, allowed, allowed));
                }
            }
        }
        Connectivity.assertMatrix(probes, expected);
    }

    @Test
    @Order(2)
    void natOutgoingShowsTheHostAddressOutsideButNotBetweenEndpoints() {
        assertTrue(Probe.ping(ns("red-1"), LabLayout.OUTSIDE_V4).succeeds(), "a NAT pool's endpoint reaches the outside");
        String outside = fixture.in(fixture.layout().outside(), "conntrack", "-L", "-p", "icmp").stdout();
        assertTrue(outside.contains("src=" + fixture.layout().hostV4(1)), "masqueraded to h1's address: " + outside);
        assertFalse(outside.contains("src=" + address("red-1", 4)), "the endpoint address never leaves: " + outside);

        assertTrue(Probe.tcp(ns("red-1"), address("red-2", 4), 80).succeeds());
        String h2 = fixture.in(fixture.layout().host(2), "conntrack", "-L", "-p", "tcp", "--dport", "80").stdout();
        assertTrue(h2.contains("src=" + address("red-1", 4)), "endpoint to endpoint keeps its source: " + h2);

        add("plain-1", "h1", "red", "10.68.0.5");
        assertFalse(Probe.ping(ns("plain-1"), LabLayout.OUTSIDE_V4).succeeds(), "a pool without NAT cannot reach the outside");
        assertTrue(Probe.ping(ns("plain-1"), address("red-2", 4)).succeeds(), "but reaches other endpoints");
    }

    @Test
    @Order(3)
    void aBorrowedAddressIsAdvertisedAsAHostRouteAndWithdrawnOnRemoval() {
        // the 51st address of the /26 that red-1's address lies in: h1's block, whichever the reserve gave h1
        String h1Block = Cidr.containing(address("red-1", 4), 26).addressAt(BigInteger.valueOf(50)).toString();
        add("borrow-2", "h2", "red", h1Block);
        CommandRunner h3 = CommandRunner.inNamespace(fixture.layout().host(3));
        assertTrue(Eventually.within(10, () -> h3.run("ip", "route", "show", h1Block).stdout().contains("via " + fixture.layout().hostV4(2))),
                "h3 routes the borrowed address to h2: " + h3.run("ip", "route").stdout());
        assertTrue(Probe.ping(ns("red-3"), IpAddress.parse(h1Block)).succeeds());
        // h1 refuses a peer's routes inside its own blocks but for an address another node's endpoint holds, so it
        // takes h2's route once its agent has read h2's endpoint record and BIRD reloaded its imports: a little after
        // h3, which takes it at once (docs/architecture.md, "Session 59 (t-bgp2)")
        CommandRunner h1 = CommandRunner.inNamespace(fixture.layout().host(1));
        assertTrue(Eventually.within(10, () -> h1.run("ip", "route", "show", h1Block).stdout().contains("via " + fixture.layout().hostV4(2))),
                "h1 routes the address of its own block that h2 borrowed to h2: " + h1.run("ip", "route").stdout());
        assertTrue(Probe.ping(ns("red-1"), IpAddress.parse(h1Block)).succeeds(), "even from the block's own host");
        fixture.jc("h2", "container", "remove", "netns:" + ns("borrow-2"));
        assertTrue(Eventually.within(10, () -> !h3.run("ip", "route", "show", h1Block).stdout().contains("via")),
                "the host route is withdrawn: " + h3.run("ip", "route").stdout());
        assertFalse(Probe.ping(ns("red-3"), IpAddress.parse(h1Block)).succeeds(), "and nothing answers there");
    }

    @Test
    @Order(4)
    void aFourthHostJoinsWithNoConfigurationAndLeavesCleanly() {
        fixture.lab().join(4);
        add("red-4", "h4", "red");
        assertTrue(fixture.programsOnly(fixture.layout().host(4), driver), "h4 starts on the cluster's " + driver);
        assertTrue(Eventually.within(30, () -> meshUp(4)), "every host peers with h4");
        assertTrue(Eventually.within(10, () -> Probe.ping(ns("red-1"), address("red-4", 4)).succeeds()
                && Probe.ping(ns("red-1"), address("red-4", 6)).succeeds()), "h1's workload reaches h4's");
        fixture.jc("h4", "container", "remove", "netns:" + ns("red-4"));
        fixture.jc("h4", "node", "stop", "--name", "h4", "--run-dir", fixture.layout().runDir().toString());
        fixture.jc("h1", "node", "remove", "h4");
        String h4 = fixture.layout().hostV4(4).toString();
        CommandRunner h1 = CommandRunner.inNamespace(fixture.layout().host(1));
        assertTrue(Eventually.within(10, () -> !h1.run("ip", "route").stdout().contains("via " + h4)
                && !h1.run("birdc", "-s", fixture.layout().runDir().resolve("h1/bird.ctl").toString(), "show", "protocols")
                .stdout().contains(h4.replace('.', '_'))), "h1 forgets h4's routes and session");
        // h2 and h3 drop their session to h4 on their own schedule; until then their status rightly says a peer is down.
        assertTrue(Eventually.within(10, () -> meshUp(3)), "the others are still fine");
    }

    @Test
    @Order(5)
    void withTheMeshOffAReflectorCarriesTheRoutesAndForeignPrefixesAreIgnored() throws Exception {
        String reflector = fixture.layout().prefix() + "rr";
        CommandRunner rr = Namespaces.create(reflector);
        CommandRunner.inNamespace(fixture.layout().fabric()).run(List.of("ip", "-batch", "-"),
                "link add name rr type veth peer name eth0 netns " + reflector + "\nlink set rr master br0\nlink set rr up\n").check();
        rr.run("ip", "addr", "add", "172.30.0.100/24", "dev", "eth0").check();
        rr.run("ip", "link", "set", "eth0", "up").check();
        java.nio.file.Path config = fixture.layout().stateDir().resolve("rr.conf");
        StringBuilder text = new StringBuilder("router id 172.30.0.100;\nprotocol device {}\n"
                + "protocol static foreign { ipv4; route 0.0.0.0/0 blackhole; route 198.51.100.0/24 blackhole; }\n"
                + "template bgp reflected { local 172.30.0.100 as 64512; rr client; direct; ipv4 { import all; export all; }; }\n");
        for (int host = 1; host <= 3; host++) {
            text.append("protocol bgp h").append(host).append(" from reflected { neighbor ")
                    .append(fixture.layout().hostV4(host)).append(" as 64512; }\n");
        }
        java.nio.file.Files.writeString(config, text);
        rr.run("bird", "-c", config.toString(), "-s", fixture.layout().stateDir().resolve("rr.ctl").toString()).check();
        fixture.jc("h1", "bgp", "peer", "add", "172.30.0.100", "--as", "64512");
        fixture.jc("h1", "bgp", "node-mesh", "off");
        assertTrue(Eventually.within(30, () -> meshUp(3)), "every host's only IPv4 session, to the reflector, is up");
        String status = fixture.jc("h1", "node", "status", "--run-dir", fixture.layout().runDir().toString());
        assertTrue(status.contains("172.30.0.100") && status.contains("global") && !status.contains("mesh"), status);
        assertTrue(Eventually.within(10, () -> Probe.ping(ns("red-1"), address("red-2", 4)).succeeds()
                && Probe.ping(ns("red-3"), address("red-1", 4)).succeeds()), "routes reflected between hosts");
        for (int host = 1; host <= 3; host++) {
            String routes = CommandRunner.inNamespace(fixture.layout().host(host)).run("ip", "route").stdout();
            assertFalse(routes.contains("198.51.100.0"), "h" + host + " took a foreign prefix: " + routes);
            assertEquals(1, routes.lines().filter(line -> line.startsWith("default")).count(), "h" + host + ": " + routes);
            assertFalse(routes.lines().anyMatch(line -> line.startsWith("default") && line.contains("bird")), routes);
        }
    }
}
