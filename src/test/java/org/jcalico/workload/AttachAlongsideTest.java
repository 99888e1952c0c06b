package org.jcalico.workload;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.jcalico.datastore.Keys;
import org.jcalico.datastore.Versioned;
import org.jcalico.ipam.Ipam;
import org.jcalico.kernel.CommandRunner;
import org.jcalico.model.Cidr;
import org.jcalico.model.IpAddress;
import org.jcalico.model.IpamBlock;
import org.jcalico.model.ValidationException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A `container add` takes its addresses while its veth pair is made (session 35: neither waits for the other). Both
 * have ended before a failure's undo begins, so whichever of the two fails, the other's work is undone too: no
 * address stays held, no link stays in the fixture.host, no intent is left, and the error is the one the add gave when it took
 * the addresses first.
 */
@Tag("kernel")
class AttachAlongsideTest {
    private static final String PREFIX = "jck-along-";
    private static final String NODE = "n1";

    @TempDir
    Path dir;
    private AttachFixture fixture;
    private ContainerService containers;

    @BeforeEach
    void setUp() {
        fixture = new AttachFixture(PREFIX, dir, NODE, List.of("10.68.0.0/24", "fd68::/120"));
        containers = fixture.containers(fixture.store);
    }

    @AfterEach
    void tearDown() {
        if (fixture != null) {
            fixture.close();
        }
    }

    @Test
    void bothFamiliesAttachedWithThePairMadeBesideTheirAddresses() {
        String c1 = fixture.container("c1");
        ContainerService.Added added = add(c1, List.of());
        assertEquals(List.of("10.68.0.0/32", "fd68::/128"), added.endpoint().nets().stream().map(Cidr::toString).toList());
        String inside = CommandRunner.inNamespace(c1).run("ip", "addr", "show", "dev", "eth0").stdout();
        assertTrue(inside.contains("10.68.0.0/32") && inside.contains("fd68::/128"), inside);
        String gateway = fixture.host.run("ip", "-6", "addr", "show", "dev", added.endpoint().interfaceName()).stdout();
        assertTrue(gateway.contains(VethAttacher.IPV6_GATEWAY), "the host side is the IPv6 gateway: " + gateway);
        assertEquals(Map.of("10.68.0.0", added.endpoint().endpointId(), "fd68::", added.endpoint().endpointId()), allocations());
    }

    @Test
    void anAddressTakenAlreadyLeavesNoPair() {
        String c2 = fixture.container("c2");
        new Ipam(fixture.store).assign(IpAddress.parse("10.68.0.7"), NODE, "someone-else");
        ValidationException refused = assertThrows(ValidationException.class, () -> add(c2, List.of(IpAddress.parse("10.68.0.7"))));
        assertTrue(refused.getMessage().contains("10.68.0.7 is already in use"), refused.getMessage());
        assertNothingLeft(Map.of("10.68.0.7", "someone-else"));
    }

    @Test
    void aPairThatCannotBeMadeLeavesNoAddress() {
        WorkloadException refused = assertThrows(WorkloadException.class, () -> add(PREFIX + "gone", List.of()));
        assertTrue(refused.getMessage().contains("no longer exists"), refused.getMessage());
        assertNothingLeft(Map.of());
    }

    private ContainerService.Added add(String namespace, List<IpAddress> addresses) {
        return containers.add(NODE, new ContainerNamespace(Path.of("/run/netns/" + namespace), "netns:" + namespace,
                        "namespace " + namespace), "jcalico", addresses, List.of(), List.of("p"),
                new EndpointMetadata(null, Map.of(), null), "eth0", Duration.ZERO);
    }

    private void assertNothingLeft(Map<String, String> allocations) {
        assertEquals(allocations, allocations(), "addresses held");
        assertEquals("", fixture.host.run("ip", "-o", "link", "show", "type", "veth").stdout(), "links in the host");
        assertTrue(fixture.datastore.list(Keys.INTENTS).items().isEmpty(), "intents");
    }

    /** Every address held, by its holder. */
    private Map<String, String> allocations() {
        Map<String, String> held = new TreeMap<>();
        for (Versioned<IpamBlock> block : fixture.store.list(IpamBlock.class)) {
            block.resource().allocations().forEach((offset, handle) -> held.put(
                    block.resource().cidr().addressAt(java.math.BigInteger.valueOf(offset)).toString(), handle));
        }
        return held;
    }
}
