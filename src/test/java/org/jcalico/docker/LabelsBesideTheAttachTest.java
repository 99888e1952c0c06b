package org.jcalico.docker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
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
 * The container's labels are asked of dockerd at CreateEndpoint, but only the endpoint record needs them: the
 * intent, the address and the veth go ahead meanwhile (docs/docker.md, "Join"). A dockerd that answers the labels
 * question only once the veth exists (or after 3 s) shows which came first; the labels still reach the record.
 */
@Tag("kernel")
class LabelsBesideTheAttachTest {
    private static final String PREFIX = "jct-dlabels-";
    private static final String NODE = "n1";
    private static final String NETWORK_ID = "a".repeat(64);
    private static final String DOCKER_ENDPOINT = "b".repeat(64);

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
    void theVethIsMadeWhileDockerdIsAskedForTheLabels() throws Exception {
        NetworkDriver driver = new NetworkDriver(new ContainerService(store, host, new ContainerResolver(DockerClient.fromDockerHost(null))),
                DockerClient.fromDockerHost("unix://" + dir.resolve("docker.sock")), NODE, Log.open(dir.resolve("felix.log"), false, "info"));
        String peer = "tmp" + driver.endpointId(DOCKER_ENDPOINT).substring(0, 12);
        AtomicBoolean vethFirst = new AtomicBoolean();
        // the container list waits for the veth's peer to exist in the host's namespace, 3 s at most
        dockerd = FakeDockerd.serve(dir.resolve("docker.sock"), NETWORK_ID, () -> {
            long deadline = System.currentTimeMillis() + 3000;
            while (!host.run("ip", "link", "show", "dev", peer).ok() && System.currentTimeMillis() < deadline) {
                sleep(5);
            }
            vethFirst.set(host.run("ip", "link", "show", "dev", peer).ok());
        });
        new Ipam(store).assign(IpAddress.parse("10.67.0.5"), NODE, IpamDriver.handle(NODE));
        Thread agent = AgentStandIn.start(store, NODE);
        try {
            driver.createEndpoint(new Protocol.CreateEndpoint(NETWORK_ID, DOCKER_ENDPOINT,
                    new Protocol.EndpointInterface("10.67.0.5/24", null, null), Map.of()));
            driver.join(new Protocol.Join(NETWORK_ID, DOCKER_ENDPOINT, "/var/run/docker/netns/x"));
        } finally {
            agent.interrupt();
        }
        assertTrue(vethFirst.get(), "the veth " + peer + " existed before dockerd answered the labels question");
        WorkloadEndpoint endpoint = store.list(WorkloadEndpoint.class).getFirst().resource();
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
