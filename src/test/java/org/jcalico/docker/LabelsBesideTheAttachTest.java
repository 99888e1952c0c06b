package org.jcalico.docker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import org.jcalico.datastore.Datastore;
import org.jcalico.datastore.Datastores;
import org.jcalico.datastore.ResourceStore;
import org.jcalico.datastore.Versioned;
import org.jcalico.ipam.Ipam;
import org.jcalico.ipam.Pools;
import org.jcalico.kernel.CommandRunner;
import org.jcalico.kernel.Namespaces;
import org.jcalico.log.Log;
import org.jcalico.model.Cidr;
import org.jcalico.model.EndpointStatus;
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
    private ServerSocketChannel dockerd;

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
        dockerd = serve(dir.resolve("docker.sock"), peer, vethFirst);
        new Ipam(store).assign(IpAddress.parse("10.67.0.5"), NODE, IpamDriver.handle(NODE));
        Thread agent = Thread.ofVirtual().start(this::reportEachEndpointProgrammed);
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

    /** Stands in for the agent: each endpoint record is reported programmed. */
    private void reportEachEndpointProgrammed() {
        while (!Thread.currentThread().isInterrupted()) {
            for (Versioned<WorkloadEndpoint> endpoint : store.list(WorkloadEndpoint.class)) {
                if (store.get(EndpointStatus.class, NODE, endpoint.resource().endpointId()).isEmpty()) {
                    store.create(new EndpointStatus(NODE, endpoint.resource().endpointId(), EndpointStatus.State.programmed,
                            null, System.currentTimeMillis()));
                }
            }
            try {
                Thread.sleep(5);
            } catch (InterruptedException e) {
                return;
            }
        }
    }

    /**
     * A dockerd of one network, blue, and one container being started on it with the label jcalico.label.role=web;
     * its container list waits for the veth's peer to exist in the host's namespace, 3 s at most.
     */
    private ServerSocketChannel serve(Path socket, String peer, AtomicBoolean vethFirst) throws IOException {
        ServerSocketChannel server = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
        server.bind(UnixDomainSocketAddress.of(socket));
        Thread.ofVirtual().start(() -> {
            while (server.isOpen()) {
                try (SocketChannel client = server.accept()) {
                    ByteBuffer request = ByteBuffer.allocate(8192);
                    String head = "";
                    while (!head.contains("\r\n\r\n") && client.read(request) > 0) {
                        head = new String(request.array(), 0, request.position(), StandardCharsets.UTF_8);
                    }
                    String body;
                    if (head.startsWith("GET /containers/json")) {
                        long deadline = System.currentTimeMillis() + 3000;
                        while (!host.run("ip", "link", "show", "dev", peer).ok() && System.currentTimeMillis() < deadline) {
                            Thread.sleep(5);
                        }
                        vethFirst.set(host.run("ip", "link", "show", "dev", peer).ok());
                        body = "[{\"Id\":\"" + "c".repeat(64) + "\",\"Labels\":{\"jcalico.label.role\":\"web\"},"
                                + "\"NetworkSettings\":{\"Networks\":{\"blue\":{\"EndpointID\":\"\"}}}}]";
                    } else {
                        body = "{\"Name\":\"blue\",\"Id\":\"" + NETWORK_ID + "\"}";
                    }
                    byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
                    client.write(ByteBuffer.wrap(("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: "
                            + bytes.length + "\r\nConnection: close\r\n\r\n").getBytes(StandardCharsets.UTF_8)));
                    client.write(ByteBuffer.wrap(bytes));
                } catch (IOException | InterruptedException e) {
                    return;
                }
            }
        });
        return server;
    }
}
