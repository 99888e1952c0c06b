package org.jcalico.docker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import org.jcalico.ipam.Ipam;
import org.jcalico.log.Log;
import org.jcalico.model.IpAddress;
import org.jcalico.model.WorkloadEndpoint;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * dockerd's release calls (DeleteEndpoint, ReleaseAddress) answer before their datastore work, which follows in
 * their order (docs/docker.md, "DeleteEndpoint"): a datastore that is slow to commit (here: locked by another
 * process's write for 1.5 s) does not hold up a container's exit. What must come after them waits: a RequestAddress
 * for the address just released gets it, and the endpoint's record, veth and address are all gone once the queue is
 * done.
 */
@Tag("kernel")
class ReleaseAfterAnswerTest extends PluginKernelTest {
    private static final String DOCKER_ENDPOINT = "d".repeat(64);
    private static final long LOCKED_MILLIS = 1500;

    @Override
    String prefix() {
        return "jcsd-drelease-";
    }

    @Test
    void leaveAndReleaseAnswerWhileTheStoreIsLockedAndTheirWorkFollowsInOrder() throws Exception {
        String address = joined();
        WorkloadEndpoint endpoint = node.store.list(WorkloadEndpoint.class).getFirst().resource();
        assertTrue(node.links().contains(endpoint.interfaceName()), "joined: " + node.links());

        CountDownLatch locked = new CountDownLatch(1);
        Thread writer = Thread.ofPlatform().start(() -> holdTheWriteLock(locked));
        locked.await();
        long start = System.nanoTime();
        leave();
        network.deleteEndpoint(new Protocol.EndpointRef(PluginFixture.NETWORK_ID, DOCKER_ENDPOINT));
        ipam.releaseAddress(new Protocol.ReleaseAddress("jcalico-v4", address));
        long answered = (System.nanoTime() - start) / 1_000_000;
        assertTrue(answered < LOCKED_MILLIS / 3, "Leave, DeleteEndpoint and ReleaseAddress answered in " + answered
                + " ms while the store was locked for " + LOCKED_MILLIS + " ms");

        // docker run --ip of the address just released: it waits for the release, then gets it
        assertEquals(address, ipam.requestAddress(new Protocol.RequestAddress("jcalico-v4", address.replace("/32", ""), Map.of())).address());
        writer.join();
        assertTrue(node.store.list(WorkloadEndpoint.class).isEmpty(), "the endpoint's record is gone");
        assertEquals(List.of(IpAddress.parse(address.replace("/32", ""))),
                List.copyOf(new Ipam(node.store).addressesOf(IpamDriver.handle(PluginFixture.NODE))),
                "the address was released, then taken again by the second request");
        long deadline = System.currentTimeMillis() + 5000;
        while (node.links().contains(endpoint.interfaceName()) && System.currentTimeMillis() < deadline) {
            Thread.sleep(20);
        }
        assertFalse(node.links().contains(endpoint.interfaceName()), "the veth is gone: " + node.links());
    }

    /**
     * Between Leave and DeleteEndpoint dockerd moves the container's side back into the host's namespace, through the
     * kernel's rtnetlink lock: the endpoint's removal (its record, its veth, the agent's apply of it) waits for
     * DeleteEndpoint, so that none of it competes with that move (docs/docker.md, "Session 44 (d-docker)"). The
     * endpoint stays whole after Leave, its queued work done, and goes after DeleteEndpoint.
     */
    @Test
    void theEndpointStaysWholeFromLeaveUntilDeleteEndpoint() throws Exception {
        joined();
        WorkloadEndpoint endpoint = node.store.list(WorkloadEndpoint.class).getFirst().resource();

        leave();
        network.awaitReleases();
        assertEquals(List.of(endpoint.endpointId()), node.store.list(WorkloadEndpoint.class).stream()
                .map(read -> read.resource().endpointId()).toList(), "the endpoint's record is there after Leave");
        assertTrue(node.links().contains(endpoint.interfaceName()), "its veth is there after Leave: " + node.links());

        network.deleteEndpoint(new Protocol.EndpointRef(PluginFixture.NETWORK_ID, DOCKER_ENDPOINT));
        network.awaitReleases();
        assertTrue(node.store.list(WorkloadEndpoint.class).isEmpty(), "the endpoint's record is gone after DeleteEndpoint");
        long deadline = System.currentTimeMillis() + 5000;
        while (node.links().contains(endpoint.interfaceName()) && System.currentTimeMillis() < deadline) {
            Thread.sleep(20);
        }
        assertFalse(node.links().contains(endpoint.interfaceName()), "the veth is gone after DeleteEndpoint: " + node.links());
    }

    /** The endpoint attached as dockerd does it (RequestAddress, CreateEndpoint, Join); returns its address. */
    private String joined() {
        String address = ipam.requestAddress(new Protocol.RequestAddress("jcalico-v4", null, Map.of())).address();
        Thread agent = AgentStandIn.start(node.store, PluginFixture.NODE);
        try {
            network.createEndpoint(new Protocol.CreateEndpoint(PluginFixture.NETWORK_ID, DOCKER_ENDPOINT,
                    new Protocol.EndpointInterface(address.replace("/32", "/24"), null, null), Map.of()));
            network.join(new Protocol.Join(PluginFixture.NETWORK_ID, DOCKER_ENDPOINT, "/var/run/docker/netns/x"));
        } finally {
            agent.interrupt();
        }
        return address;
    }

    /** dockerd's Leave of the endpoint, through the plugin's entry. */
    private void leave() {
        DockerPlugin plugin = new DockerPlugin(network, ipam, Log.open(dir.resolve("plugin.log"), false, "info"));
        String answer = new String(plugin.answer("/NetworkDriver.Leave", ("{\"NetworkID\": \"" + PluginFixture.NETWORK_ID
                + "\", \"EndpointID\": \"" + DOCKER_ENDPOINT + "\"}").getBytes(java.nio.charset.StandardCharsets.UTF_8)),
                java.nio.charset.StandardCharsets.UTF_8);
        assertEquals("{}", answer, "Leave's answer");
    }

    /** Another process's write transaction on the store's file, held for {@link #LOCKED_MILLIS}. */
    private void holdTheWriteLock(CountDownLatch locked) {
        try (Connection connection = DriverManager.getConnection("jdbc:sqlite:" + node.storeFile());
             Statement statement = connection.createStatement()) {
            statement.execute("BEGIN IMMEDIATE");
            locked.countDown();
            Thread.sleep(LOCKED_MILLIS);
            statement.execute("ROLLBACK");
        } catch (Exception e) {
            locked.countDown();
            throw new IllegalStateException(e);
        }
    }
}
