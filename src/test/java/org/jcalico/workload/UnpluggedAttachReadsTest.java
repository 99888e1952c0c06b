package org.jcalico.workload;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.jcalico.bench.CountingDatastore;
import org.jcalico.datastore.Datastores;
import org.jcalico.datastore.Keys;
import org.jcalico.datastore.ResourceStore;
import org.jcalico.ipam.Ipam;
import org.jcalico.model.Cidr;
import org.jcalico.model.IpAddress;
import org.jcalico.model.ValidationException;
import org.jcalico.model.WorkloadEndpoint;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The docker plugin's attach (begun at CreateEndpoint, waited for by Join) goes to the store as often as its steps
 * need: the node's configuration and the endpoint in one read, the intent and the profile in another, the intent's
 * commit, the pools and the address's block for the guard, the endpoint's commit, the intent's removal. Whether docker's handle
 * still holds the address is checked by that guarded commit alone; before, a check ahead of the intent read the
 * block once more (and the pools with it), on every `docker run`'s path. An address the handle does not hold still
 * fails the attach and leaves nothing.
 */
@Tag("kernel")
class UnpluggedAttachReadsTest {
    private static final String PREFIX = "jct-dreads-";
    private static final String NODE = "n1";
    private static final String HANDLE = "docker." + NODE;
    /** before (one read), the intent and the profile (one read), the intent, the pools and the block (the guard), the endpoint, the intent's removal. */
    private static final int ROUND_TRIPS = 7;

    @TempDir
    Path dir;
    private AttachFixture fixture;

    @BeforeEach
    void setUp() {
        fixture = new AttachFixture(PREFIX, dir, NODE, List.of("10.67.0.0/24"));
    }

    @AfterEach
    void tearDown() {
        if (fixture != null) {
            fixture.close();
        }
    }

    @Test
    void theAttachReadsTheAddressBlockOnceForItsGuard() {
        new Ipam(fixture.store).assign(IpAddress.parse("10.67.0.5"), NODE, HANDLE);
        try (CountingDatastore counted = new CountingDatastore(Datastores.open("embedded:" + dir.resolve("store.db")))) {
            ContainerService containers = fixture.containers(new ResourceStore(counted));
            String blocks = Keys.prefix(org.jcalico.model.IpamBlock.class);
            long before = counted.roundTrips();
            WorkloadEndpoint attached = containers.attachUnplugged(attaching("docker-endpoint-1"), List.of(Cidr.parse("10.67.0.5/32")),
                    HANDLE, peer("docker-endpoint-1"), null, Duration.ZERO).endpoint();
            long trips = counted.roundTrips() - before;
            assertEquals(ROUND_TRIPS, trips, "the attach's round trips to the store (8 with the check before the intent)");
            assertEquals(0, counted.listings(blocks), "no listing of blocks");
            assertTrue(links().contains(attached.interfaceName()), "the veth is made: " + links());
            assertTrue(fixture.store.get(WorkloadEndpoint.class, NODE, attached.endpointId()).isPresent(), "the endpoint is recorded");
        }
    }

    @Test
    void anAddressTheHandleDoesNotHoldFailsTheAttachAndLeavesNothing() {
        new Ipam(fixture.store).assign(IpAddress.parse("10.67.0.6"), NODE, "someone-else");
        ContainerService containers = fixture.containers(fixture.store);
        String endpointId = ContainerService.endpointId(NODE, "docker-endpoint-2", "docker");
        ValidationException refused = assertThrows(ValidationException.class, () -> containers.attachUnplugged(
                attaching("docker-endpoint-2"), List.of(Cidr.parse("10.67.0.6/32")), HANDLE, peer("docker-endpoint-2"), null,
                Duration.ZERO));
        assertEquals("address 10.67.0.6 is no longer held for " + HANDLE, refused.getMessage());
        assertTrue(fixture.store.get(WorkloadEndpoint.class, NODE, endpointId).isEmpty(), "no endpoint record");
        assertTrue(fixture.datastore.get(Keys.intent(NODE, endpointId)).isEmpty(), "no intent left");
        assertFalse(links().contains(endpointId.substring(0, 8)), "no veth left: " + links());
        assertFalse(links().contains(peer("docker-endpoint-2")), "no peer left: " + links());
        assertEquals(List.of(IpAddress.parse("10.67.0.6")), List.copyOf(new Ipam(fixture.store).addressesOf("someone-else")),
                "the address stays its holder's");
    }

    private static ContainerService.Attaching attaching(String dockerEndpoint) {
        String endpointId = ContainerService.endpointId(NODE, dockerEndpoint, "docker");
        return new ContainerService.Attaching(NODE, "docker", dockerEndpoint, endpointId, "docker endpoint " + dockerEndpoint,
                List.of("net"), () -> new EndpointMetadata(null, Map.of(), null), List.of());
    }

    private static String peer(String dockerEndpoint) {
        return "tmp" + ContainerService.endpointId(NODE, dockerEndpoint, "docker").substring(0, 12);
    }

    private String links() {
        return fixture.host.run("ip", "-o", "link", "show").check().stdout();
    }
}
