package org.jcalico.docker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import org.jcalico.datastore.Datastore;
import org.jcalico.datastore.Datastores;
import org.jcalico.datastore.ResourceStore;
import org.jcalico.ipam.Ipam;
import org.jcalico.ipam.Pools;
import org.jcalico.kernel.CommandRunner;
import org.jcalico.kernel.Namespaces;
import org.jcalico.log.Log;
import org.jcalico.model.Cidr;
import org.jcalico.model.IpAddress;
import org.jcalico.model.IpPool;
import org.jcalico.model.Node;
import org.jcalico.model.WorkloadEndpoint;
import org.jcalico.testing.KernelTests;
import org.jcalico.workload.ContainerResolver;
import org.jcalico.workload.ContainerService;
import org.jcalico.workload.DockerClient;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * dockerd's release calls (Leave, ReleaseAddress) answer before their datastore work, which follows in their order
 * (docs/docker.md, "Leave"): a datastore that is slow to commit (here: locked by another process's write for 1.5 s)
 * does not hold up a container's exit. What must come after them waits: a RequestAddress for the address just
 * released gets it, and the endpoint's record, veth and address are all gone once the queue is done.
 */
@Tag("kernel")
class ReleaseAfterAnswerTest {
    private static final String PREFIX = "jcsd-drelease-";
    private static final String NODE = "n1";
    private static final String NETWORK_ID = "a".repeat(64);
    private static final String DOCKER_ENDPOINT = "d".repeat(64);
    private static final long LOCKED_MILLIS = 1500;

    @TempDir
    Path dir;
    private CommandRunner host;
    private Datastore datastore;
    private ResourceStore store;
    private FakeDockerd dockerd;

    @BeforeEach
    void setUp() {
        KernelTests.assumeKernel();
        Namespaces.deleteAll(PREFIX);
        host = Namespaces.create(PREFIX + "host");
        datastore = Datastores.open("embedded:" + dir.resolve("store.db"));
        store = new ResourceStore(datastore);
        store.create(new Node(NODE, null, null, null));
        new Pools(store).add(new IpPool(Cidr.parse("10.67.0.0/24"), false, null, false));
    }

    @AfterEach
    void tearDown() throws IOException {
        try {
            if (dockerd != null) {
                dockerd.close();
            }
            if (datastore != null) {
                datastore.close();
            }
        } finally {
            Namespaces.deleteAll(PREFIX);
        }
    }

    @Test
    void leaveAndReleaseAnswerWhileTheStoreIsLockedAndTheirWorkFollowsInOrder() throws Exception {
        dockerd = FakeDockerd.serve(dir.resolve("docker.sock"), NETWORK_ID, () -> { });
        NetworkDriver network = new NetworkDriver(new ContainerService(store, host, new ContainerResolver(DockerClient.fromDockerHost(null))),
                DockerClient.fromDockerHost("unix://" + dir.resolve("docker.sock")), NODE, Log.open(dir.resolve("felix.log"), false, "info"));
        IpamDriver ipam = new IpamDriver(store, NODE, network);
        String address = ipam.requestAddress(new Protocol.RequestAddress("jcalico-v4", null, Map.of())).address();
        Thread agent = AgentStandIn.start(store, NODE);
        try {
            network.createEndpoint(new Protocol.CreateEndpoint(NETWORK_ID, DOCKER_ENDPOINT,
                    new Protocol.EndpointInterface(address.replace("/32", "/24"), null, null), Map.of()));
            network.join(new Protocol.Join(NETWORK_ID, DOCKER_ENDPOINT, "/var/run/docker/netns/x"));
        } finally {
            agent.interrupt();
        }
        WorkloadEndpoint endpoint = store.list(WorkloadEndpoint.class).getFirst().resource();
        assertTrue(links().contains(endpoint.interfaceName()), "joined: " + links());

        CountDownLatch locked = new CountDownLatch(1);
        Thread writer = Thread.ofPlatform().start(() -> holdTheWriteLock(locked));
        locked.await();
        long start = System.nanoTime();
        network.leave(new Protocol.EndpointRef(NETWORK_ID, DOCKER_ENDPOINT));
        network.deleteEndpoint(new Protocol.EndpointRef(NETWORK_ID, DOCKER_ENDPOINT));
        ipam.releaseAddress(new Protocol.ReleaseAddress("jcalico-v4", address));
        long answered = (System.nanoTime() - start) / 1_000_000;
        assertTrue(answered < LOCKED_MILLIS / 3, "Leave, DeleteEndpoint and ReleaseAddress answered in " + answered
                + " ms while the store was locked for " + LOCKED_MILLIS + " ms");

        // docker run --ip of the address just released: it waits for the release, then gets it
        assertEquals(address, ipam.requestAddress(new Protocol.RequestAddress("jcalico-v4", address.replace("/32", ""), Map.of())).address());
        writer.join();
        assertTrue(store.list(WorkloadEndpoint.class).isEmpty(), "the endpoint's record is gone");
        assertEquals(List.of(IpAddress.parse(address.replace("/32", ""))), List.copyOf(new Ipam(store).addressesOf(IpamDriver.handle(NODE))),
                "the address was released, then taken again by the second request");
        long deadline = System.currentTimeMillis() + 5000;
        while (links().contains(endpoint.interfaceName()) && System.currentTimeMillis() < deadline) {
            Thread.sleep(20);
        }
        assertFalse(links().contains(endpoint.interfaceName()), "the veth is gone: " + links());
    }

    /** Another process's write transaction on the store's file, held for {@link #LOCKED_MILLIS}. */
    private void holdTheWriteLock(CountDownLatch locked) {
        try (Connection connection = DriverManager.getConnection("jdbc:sqlite:" + dir.resolve("store.db"));
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

    private String links() {
        return host.run("ip", "-o", "link", "show").check().stdout();
    }
}
