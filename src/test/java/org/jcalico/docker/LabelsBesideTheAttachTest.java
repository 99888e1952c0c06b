package org.jcalico.docker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import org.jcalico.ipam.Ipam;
import org.jcalico.model.IpAddress;
import org.jcalico.model.WorkloadEndpoint;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The container's labels are asked of dockerd at CreateEndpoint, but only the endpoint record needs them: the
 * intent, the address and the veth go ahead meanwhile (docs/docker.md, "Join"). A dockerd that answers the labels
 * question only once the veth exists (or after 3 s) shows which came first; the labels still reach the record.
 */
@Tag("kernel")
class LabelsBesideTheAttachTest {
    private static final String DOCKER_ENDPOINT = "b".repeat(64);

    @TempDir
    Path dir;
    private PluginFixture node;

    @BeforeEach
    void setUp() {
        node = new PluginFixture("jct-dlabels-", dir);
    }

    @AfterEach
    void tearDown() throws IOException {
        if (node != null) {
            node.close();
        }
    }

    @Test
    void theVethIsMadeWhileDockerdIsAskedForTheLabels() throws Exception {
        NetworkDriver driver = node.networkDriver();
        String peer = "tmp" + driver.endpointId(DOCKER_ENDPOINT).substring(0, 12);
        AtomicBoolean vethFirst = new AtomicBoolean();
        // the container list waits for the veth's peer to exist in the host's namespace, 3 s at most
        node.serveDockerd(() -> {
            long deadline = System.currentTimeMillis() + 3000;
            while (!node.host.run("ip", "link", "show", "dev", peer).ok() && System.currentTimeMillis() < deadline) {
                sleep(5);
            }
            vethFirst.set(node.host.run("ip", "link", "show", "dev", peer).ok());
        });
        new Ipam(node.store).assign(IpAddress.parse("10.67.0.5"), PluginFixture.NODE, IpamDriver.handle(PluginFixture.NODE));
        Thread agent = AgentStandIn.start(node.store, PluginFixture.NODE);
        try {
            driver.createEndpoint(new Protocol.CreateEndpoint(PluginFixture.NETWORK_ID, DOCKER_ENDPOINT,
                    new Protocol.EndpointInterface("10.67.0.5/24", null, null), Map.of()));
            driver.join(new Protocol.Join(PluginFixture.NETWORK_ID, DOCKER_ENDPOINT, "/var/run/docker/netns/x"));
        } finally {
            agent.interrupt();
        }
        assertTrue(vethFirst.get(), "the veth " + peer + " existed before dockerd answered the labels question");
        WorkloadEndpoint endpoint = node.store.list(WorkloadEndpoint.class).getFirst().resource();
        assertEquals(Map.of("role", "web", "jcalico.network/blue", ""), endpoint.labels());
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
