package org.jcalico.workload;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.jcalico.datastore.Keys;
import org.jcalico.ipam.Ipam;
import org.jcalico.model.Cidr;
import org.jcalico.model.IpAddress;
import org.jcalico.model.WorkloadEndpoint;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The docker plugin's Leave answers once the endpoint's record is gone and the intent to remove the rest is written
 * (one commit); the veth is destroyed after it. Until then the intent names it, so that a kill -9 meanwhile leaves
 * the next command or the agent's sweep a veth to remove, never an unknown one.
 */
@Tag("kernel")
class DetachLaterTest {
    private static final String PREFIX = "jct-dlater-";
    private static final String NODE = "n1";
    private static final String HANDLE = "docker." + NODE;

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
    void theRecordGoesAtOnceAndTheVethWithItsIntentOnTheExecutorGiven() {
        ContainerService containers = fixture.containers(fixture.store);
        new Ipam(fixture.store).assign(IpAddress.parse("10.67.0.5"), NODE, HANDLE);
        String endpointId = ContainerService.endpointId(NODE, "docker-endpoint-1", "docker");
        ContainerService.Attaching what = new ContainerService.Attaching(NODE, "docker", "docker-endpoint-1", endpointId,
                "docker endpoint 1", List.of("net"), () -> new EndpointMetadata(null, Map.of(), null), List.of());
        WorkloadEndpoint attached = containers.attachUnplugged(what, List.of(Cidr.parse("10.67.0.5/32")), HANDLE,
                "tmp" + endpointId.substring(0, 12), null, Duration.ZERO).endpoint();
        assertTrue(links().contains(attached.interfaceName()), "the veth is made: " + links());

        List<Runnable> later = new ArrayList<>();
        assertEquals(attached.endpointId(), containers.detachEndpoint(NODE, endpointId, "docker-endpoint-1",
                "docker endpoint 1", later::add).orElseThrow().endpointId());
        assertTrue(fixture.store.get(WorkloadEndpoint.class, NODE, endpointId).isEmpty(), "the record is gone when detach returns");
        assertTrue(fixture.datastore.get(Keys.intent(NODE, endpointId)).isPresent(), "an intent names what is left");
        assertTrue(links().contains(attached.interfaceName()), "the veth is left for the executor");

        assertEquals(1, later.size());
        later.getFirst().run();
        assertFalse(links().contains(attached.interfaceName()), "the veth is gone: " + links());
        assertFalse(links().contains("tmp" + endpointId.substring(0, 12)), "its peer too");
        assertTrue(fixture.datastore.get(Keys.intent(NODE, endpointId)).isEmpty(), "and the intent");
        assertEquals(List.of(IpAddress.parse("10.67.0.5")), List.copyOf(new Ipam(fixture.store).addressesOf(HANDLE)),
                "docker's address stays docker's, for its ReleaseAddress");
    }

    private String links() {
        return fixture.host.run("ip", "-o", "link", "show").check().stdout();
    }
}
