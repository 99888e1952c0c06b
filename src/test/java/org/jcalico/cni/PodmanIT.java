package org.jcalico.cni;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.jcalico.kernel.CommandRunner;
import org.jcalico.kernel.Mounts;
import org.jcalico.kernel.Namespaces;
import org.jcalico.lab.PodmanHost;
import org.jcalico.lab.Probe;
import org.jcalico.model.IpAddress;
import org.jcalico.model.ResourceCodec;
import org.jcalico.model.WorkloadEndpoint;
import org.jcalico.testing.Connectivity;
import org.jcalico.testing.Eventually;
import org.jcalico.testing.KernelTests;
import org.jcalico.testing.LabFixture;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * podman 4 driving jcalico's CNI plugin, as a user of `lab up --podman` would: `podman run --network jcalico` on two
 * hosts of a lab (each podman with its CNI backend, plugin and network directories and storage of its own), the
 * connectivity matrix between the containers, `podman rm` releasing everything, a network with two profiles, and
 * `lab down` leaving nothing of podman's behind.
 */
@Tag("kernel")
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class PodmanIT {
    private static LabFixture fixture;

    /** A container podman ran, with the network namespace podman made for it and the address jcalico gave it. */
    private record Container(String name, String host, String namespace, IpAddress address) {
        Probe ping(Container to) {
            return Probe.ping(namespace, to.address);
        }

        Probe tcp(Container to) {
            return Probe.tcp(namespace, to.address, 80);
        }
    }

    @BeforeAll
    static void up() {
        KernelTests.assumeKernel();
        assumeTrue(PodmanHost.available(), "podman is not installed");
        fixture = LabFixture.up("jcp2", 2);
        PodmanHost.setUpAll(fixture.lab(), line -> System.out.println("[lab " + fixture.layout().name() + "] " + line));
        fixture.jc("h1", "pool", "add", "10.66.0.0/16");
        // host 1 on nftables, host 2 on the default (iptables): the matrices between the hosts meet both drivers, and
        // what podman removes on host 1 is removed from nftables (docs/cni.md, "Session 62 (t-nft)")
        fixture.useDriver(1, "nftables");
        assertTrue(fixture.programsOnly(fixture.layout().host(2), LabFixture.driver()), "host 2's agent on " + LabFixture.driver());
    }

    @AfterAll
    static void down() {
        if (fixture != null) {
            fixture.close();
        }
    }

    @Test
    @Order(1)
    void containersOnTwoHostsReachEachOther() {
        Container a1 = run("h1", "jcc2-a1", PodmanHost.NETWORK);
        Container a2 = run("h1", "jcc2-a2", PodmanHost.NETWORK);
        Container b1 = run("h2", "jcc2-b1", PodmanHost.NETWORK);
        assertTrue(Eventually.within(30, PodmanIT::meshUp), "BGP sessions up on both hosts");
        List<Container> all = List.of(a1, a2, b1);
        List<Probe> probes = new ArrayList<>();
        for (Container from : all) {
            for (Container to : all) {
                if (from != to) {
                    probes.addAll(List.of(from.ping(to), from.tcp(to)));
                }
            }
        }
        Connectivity.assertMatrix(probes, probes.stream().map(probe -> true).toList());
        CommandRunner.Result ping = podman("h2", "run", "--rm", "--network", PodmanHost.NETWORK, PodmanHost.IMAGE,
                "ping", "-c", "1", "-W", "2", a1.address().toString());
        assertTrue(ping.ok(), "a container podman just started on h2 pings one on h1: " + ping.stdout() + ping.stderr());
        WorkloadEndpoint endpoint = endpoint("h1", a1.address());
        assertEquals("cni", endpoint.orchestrator(), "the endpoint is recorded as made through CNI");
        assertEquals(List.of(PodmanHost.NETWORK), endpoint.profileIds(), "the network's endpoints get its profile");
    }

    @Test
    @Order(2)
    void podmanRmReleasesEverything() {
        Container peer = run("h1", "jcc2-peer", PodmanHost.NETWORK);
        int usedBefore = used();
        Container gone = run("h1", "jcc2-gone", PodmanHost.NETWORK);
        WorkloadEndpoint endpoint = endpoint("h1", gone.address());
        String h1 = fixture.layout().host(1);
        CommandRunner host = CommandRunner.inNamespace(h1);
        assertEquals(usedBefore + 1, used(), "the container holds one address");
        assertTrue(host.run("ip", "link", "show", "dev", endpoint.interfaceName()).ok(), "its veth is on h1");
        assertFalse(host.run("ip", "route", "show", gone.address() + "/32").stdout().isBlank(), "h1 routes to it");
        Connectivity.assertMatrix(List.of(peer.tcp(gone)), List.of(true));
        assertFalse(fixture.flowsOf(h1, gone.address().toString()).isEmpty(), "h1 tracks the connection to it");
        assertTrue(fixture.filterState(h1).contains(endpoint.interfaceName()), "its interface is in h1's verdict maps");

        podman("h1", "rm", "--force", "--time", "0", gone.name()).check();

        assertEquals(usedBefore, used(), "its address is released");
        assertTrue(endpoints("h1").stream().noneMatch(e -> e.ipv4Nets().stream().anyMatch(net -> net.network().equals(gone.address()))),
                "no endpoint record is left");
        assertFalse(host.run("ip", "link", "show", "dev", endpoint.interfaceName()).ok(), "no veth is left on h1");
        assertTrue(host.run("ip", "route", "show", gone.address() + "/32").stdout().isBlank(), "no route to it is left on h1");
        assertFalse(fixture.filterState(h1).contains(endpoint.interfaceName()), "no rule, set or map element of its interface");
        // a later container given the address must not inherit the connection
        assertEquals("", fixture.flowsOf(h1, gone.address().toString()), "no connection tracked for its address");
        assertFalse(Namespaces.list().contains(gone.namespace()), "podman's network namespace for it is gone");
    }

    @Test
    @Order(3)
    void aNetworkWithTwoProfiles() {
        PodmanHost h1 = new PodmanHost(fixture.layout(), 1);
        PodmanHost h2 = new PodmanHost(fixture.layout(), 2);
        h1.installNetwork(fixture.lab(), "jcc2ab", "jcc2-a", "jcc2-b");
        h1.installNetwork(fixture.lab(), "jcc2a", "jcc2-a");
        h2.installNetwork(fixture.lab(), "jcc2b", "jcc2-b");
        Container both = run("h1", "jcc2-both", "jcc2ab");
        Container onlyA = run("h1", "jcc2-only-a", "jcc2a");
        Container onlyB = run("h2", "jcc2-only-b", "jcc2b");
        Container plain = run("h2", "jcc2-plain", PodmanHost.NETWORK);
        assertEquals(List.of("jcc2-a", "jcc2-b"), endpoint("h1", both.address()).profileIds(), "both profiles, in order");
        List<Probe> probes = new ArrayList<>();
        List<Boolean> expected = new ArrayList<>();
        List<Container> all = List.of(both, onlyA, onlyB, plain);
        for (Container from : all) {
            for (Container to : all) {
                if (from != to) {
                    // a security group lets in its own members: a container shares one with the other or it is refused
                    boolean shared = from == both && (to == onlyA || to == onlyB) || to == both && (from == onlyA || from == onlyB);
                    probes.addAll(List.of(from.ping(to), from.tcp(to)));
                    expected.addAll(List.of(shared, shared));
                }
            }
        }
        Connectivity.assertMatrix(probes, expected);
    }

    @Test
    @Order(4)
    void labDownRemovesWhatPodmanMade() {
        Container running = run("h2", "jcc2-left", PodmanHost.NETWORK);
        String id = podman("h2", "inspect", "--format", "{{.Id}}", running.name()).check().stdout().strip();
        assertFalse(Mounts.under(fixture.layout().stateDir()).isEmpty(), "a running container has its shm mounted");

        fixture.lab().down();

        assertEquals(List.of(), Mounts.under(fixture.layout().stateDir()), "nothing stays mounted under the lab's state");
        assertFalse(Namespaces.list().contains(running.namespace()), "the container's network namespace is gone");
        assertFalse(Files.exists(fixture.layout().stateDir()), "the lab's state is gone");
        Path cache = Path.of("/var/lib/cni/results");
        try (var results = Files.isDirectory(cache) ? Files.list(cache) : java.util.stream.Stream.<Path>empty()) {
            assertTrue(results.noneMatch(result -> result.getFileName().toString().contains(id)), "libcni's cached result is gone");
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    /** `podman run -d` of a busybox web server on the host, found back through `podman inspect`. */
    private static Container run(String host, String name, String network) {
        podman(host, "run", "--detach", "--name", name, "--network", network, PodmanHost.IMAGE,
                "httpd", "-f", "-p", "80", "-h", "/").check();
        String[] fields = podman(host, "inspect", "--format",
                "{{.NetworkSettings.SandboxKey}} {{range .NetworkSettings.Networks}}{{.IPAddress}}{{end}}", name)
                .check().stdout().strip().split(" ");
        assertEquals(2, fields.length, name + ": a network namespace and one address, got " + String.join(" ", fields));
        return new Container(name, host, fields[0].substring(fields[0].lastIndexOf('/') + 1), IpAddress.parse(fields[1]));
    }

    private static CommandRunner.Result podman(String host, String... args) {
        return new PodmanHost(fixture.layout(), fixture.lab().hostIndex(host)).podman(args);
    }

    private static List<WorkloadEndpoint> endpoints(String host) {
        return ResourceCodec.decodeAll(fixture.jc(host, "container", "list", "-o", "json")).stream()
                .map(resource -> (WorkloadEndpoint) resource).toList();
    }

    private static WorkloadEndpoint endpoint(String host, IpAddress address) {
        return endpoints(host).stream()
                .filter(endpoint -> endpoint.ipv4Nets().stream().anyMatch(net -> net.network().equals(address)))
                .findFirst().orElseThrow(() -> new AssertionError("no endpoint on " + host + " has " + address));
    }

    /** Addresses in use in the lab's pool, as `ipam show` tells a user. */
    private static int used() {
        String shown = fixture.jc("h1", "ipam", "show");
        String line = shown.lines().filter(l -> l.startsWith("pool 10.66.0.0/16: ")).findFirst().orElseThrow();
        return Integer.parseInt(line.replaceAll("pool \\S+: (\\d+) used.*", "$1"));
    }

    private static boolean meshUp() {
        String runDir = fixture.layout().runDir().toString();
        return fixture.run("h1", "node", "status", "--run-dir", runDir).ok()
                && fixture.run("h2", "node", "status", "--run-dir", runDir).ok();
    }
}
