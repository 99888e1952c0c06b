package org.jcalico.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import org.jcalico.kernel.CommandRunner;
import org.jcalico.testing.KernelTests;
import org.jcalico.kernel.Namespaces;
import org.jcalico.testing.TestNamespaces;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * The benches' host namespaces, the agent's and the floor's, are shaped as a host: an uplink holding the node's
 * address comes before the endpoints' veths. An IPv4 route to a veth makes the kernel pick the route's source address
 * ({@code inet_select_addr}): the veth has none, so it walks the namespace's links in the order they were made until
 * one holds a global address. On a host that is its uplink, second; in a namespace of veths alone it was every link,
 * for each route: 1,000 routes took 130-140 ms of kernel CPU against 19 ms with the uplink first (docs/dataplane.md,
 * "Session 67 (p-coldk)").
 */
@Tag("kernel")
class BenchInterfacesKernelTest {
    private static final String HOST = TestNamespaces.named("jctbi-host");

    @BeforeEach
    void clean() {
        KernelTests.assumeKernel();
        Namespaces.deleteAll(HOST);
    }

    @AfterEach
    void delete() {
        Namespaces.deleteAll(HOST);
    }

    @Test
    void theAgentsHostHasAnAddressedUplinkBeforeTheEndpointsVeths() {
        CommandRunner host = Namespaces.create(HOST);
        BenchInterfaces.create(host, 3);
        assertEquals(UPLINK_FIRST, linksUpToTheFirstAddressed(host));
    }

    @Test
    void theFloorsHostHasTheSame() {
        CommandRunner host = KernelFloor.freshHost(HOST, "link add name " + BenchInterfaces.name(0) + " type veth peer name f0\n");
        assertEquals(UPLINK_FIRST, linksUpToTheFirstAddressed(host));
    }

    /** The links the kernel's walk meets, in the order they were made (a veth's peer is made first), up to the uplink. */
    private static final List<String> UPLINK_FIRST = List.of("lo", BenchInterfaces.UPLINK + "p", BenchInterfaces.UPLINK);

    /** The links in the order inet_select_addr walks them, up to and with the first that holds a global IPv4 address. */
    private static List<String> linksUpToTheFirstAddressed(CommandRunner host) {
        List<String> addressed = host.run("ip", "-o", "-4", "address", "show", "scope", "global").check().stdout().lines()
                .map(line -> line.split("\\s+")[1]).toList();
        List<String> walked = new java.util.ArrayList<>();
        for (String line : host.run("ip", "-o", "link", "show").check().stdout().lines().toList()) {
            walked.add(line.split(": ")[1].split("@")[0]);
            if (addressed.contains(walked.getLast())) {
                return walked;
            }
        }
        return walked;
    }
}
