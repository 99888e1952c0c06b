package org.jcalico.docker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Map;
import org.jcalico.datastore.Keys;
import org.jcalico.ipam.Ipam;
import org.jcalico.model.EndpointStatus;
import org.jcalico.model.IpAddress;
import org.jcalico.model.ValidationException;
import org.jcalico.model.WorkloadEndpoint;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The Join of a container's first network answers once the veth exists, and the ProgramExternalConnectivity that
 * dockerd calls after moving it into the container waits for the endpoint to be programmed (docs/docker.md, "Join").
 * Here no agent reports anything until the Join has answered: the old Join waited for the report (10 s, then failed).
 * Without any report, ProgramExternalConnectivity fails the join, and nothing of the attach is left.
 */
@Tag("kernel")
class JoinAtTheVethTest {
    private static final String DOCKER_ENDPOINT = "e".repeat(64);
    private static final Protocol.EndpointRef REF = new Protocol.EndpointRef(PluginFixture.NETWORK_ID, DOCKER_ENDPOINT);

    @TempDir
    Path dir;
    private PluginFixture node;
    private NetworkDriver driver;

    @BeforeEach
    void setUp() throws IOException {
        node = new PluginFixture("jcud-djoin-", dir);
        node.serveDockerd(() -> { });
        driver = node.networkDriver();
        new Ipam(node.store).assign(IpAddress.parse("10.67.0.7"), PluginFixture.NODE, IpamDriver.handle(PluginFixture.NODE));
        driver.createEndpoint(new Protocol.CreateEndpoint(PluginFixture.NETWORK_ID, DOCKER_ENDPOINT,
                new Protocol.EndpointInterface("10.67.0.7/24", null, null), Map.of()));
    }

    @AfterEach
    void tearDown() throws IOException {
        if (node != null) {
            node.close();
        }
    }

    @Test
    void joinAnswersAtTheVethAndProgramExternalConnectivityWaitsForTheAgent() {
        String peer = "tmp" + driver.endpointId(DOCKER_ENDPOINT).substring(0, 12);
        long start = System.nanoTime();
        driver.join(new Protocol.Join(PluginFixture.NETWORK_ID, DOCKER_ENDPOINT, "/var/run/docker/netns/x"));
        long joined = (System.nanoTime() - start) / 1_000_000;
        assertTrue(joined < 3000, "Join answered in " + joined + " ms, with no agent reporting");
        assertTrue(node.host.run("ip", "link", "show", "dev", peer).ok(), "the peer docker moves exists: " + node.links());

        Thread agent = AgentStandIn.start(node.store, PluginFixture.NODE);
        try {
            driver.awaitProgrammed(REF);
        } finally {
            agent.interrupt();
        }
        String endpointId = driver.endpointId(DOCKER_ENDPOINT);
        assertEquals(EndpointStatus.State.programmed,
                node.store.get(EndpointStatus.class, PluginFixture.NODE, endpointId).orElseThrow().resource().state());
        assertTrue(node.store.datastore().get(Keys.intent(PluginFixture.NODE, endpointId)).isEmpty(), "the attach is finished");
        driver.awaitProgrammed(REF); // EndpointOperInfo after it: nothing left to wait for
    }

    @Test
    void anAttachThatIsNeverReportedFailsTheJoinAfterTheVethAndLeavesNothing() {
        driver.join(new Protocol.Join(PluginFixture.NETWORK_ID, DOCKER_ENDPOINT, "/var/run/docker/netns/x"));
        assertThrows(ValidationException.class, () -> driver.awaitProgrammed(REF));
        // dockerd rolls its join back: Leave, then DeleteEndpoint
        driver.leave(REF);
        driver.deleteEndpoint(REF);
        driver.awaitReleases();
        assertTrue(node.store.list(WorkloadEndpoint.class).isEmpty(), "no endpoint record");
        assertTrue(node.store.datastore().get(Keys.intent(PluginFixture.NODE, driver.endpointId(DOCKER_ENDPOINT))).isEmpty(), "no intent");
        assertFalse(node.links().contains("tmp" + driver.endpointId(DOCKER_ENDPOINT).substring(0, 12)), "no veth: " + node.links());
    }
}
