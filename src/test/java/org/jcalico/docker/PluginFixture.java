package org.jcalico.docker;

import java.io.IOException;
import java.nio.file.Path;
import org.jcalico.datastore.Datastore;
import org.jcalico.datastore.Datastores;
import org.jcalico.datastore.ResourceStore;
import org.jcalico.ipam.Pools;
import org.jcalico.kernel.CommandRunner;
import org.jcalico.kernel.Namespaces;
import org.jcalico.log.Log;
import org.jcalico.model.Cidr;
import org.jcalico.model.IpPool;
import org.jcalico.model.Node;
import org.jcalico.testing.KernelTests;
import org.jcalico.workload.ContainerResolver;
import org.jcalico.workload.ContainerService;
import org.jcalico.workload.DockerClient;
import org.jcalico.testing.TestNamespaces;

/**
 * Node n1 for the plugin's kernel tests: a namespace standing for its host (named with the test's prefix), an
 * embedded store holding the node and the pool 10.67.0.0/24, and a {@link FakeDockerd} of network blue once served.
 */
final class PluginFixture implements AutoCloseable {
    static final String NODE = "n1";
    static final String NETWORK_ID = "a".repeat(64);
    final CommandRunner host;
    final ResourceStore store;
    private final String prefix;
    private final Path dir;
    private final Datastore datastore;
    private FakeDockerd dockerd;

    PluginFixture(String prefix, Path dir) {
        KernelTests.assumeKernel();
        this.prefix = TestNamespaces.named(prefix);
        Namespaces.deleteAll(this.prefix);
        this.dir = dir;
        host = Namespaces.create(this.prefix + "host");
        datastore = Datastores.open("embedded:" + storeFile());
        store = new ResourceStore(datastore);
        store.create(new Node(NODE, null, null, null));
        new Pools(store).add(new IpPool(Cidr.parse("10.67.0.0/24"), false, null, false));
    }

    Path storeFile() {
        return dir.resolve("store.db");
    }

    /** Serves the fake dockerd, which runs {@code beforeContainerList} before it answers the container list. */
    void serveDockerd(Runnable beforeContainerList) throws IOException {
        dockerd = FakeDockerd.serve(dir.resolve("docker.sock"), NETWORK_ID, beforeContainerList);
    }

    NetworkDriver networkDriver() {
        return networkDriver(store);
    }

    /** The network driver of this node, reading and writing through {@code through} (a gated view of the store). */
    NetworkDriver networkDriver(ResourceStore through) {
        return new NetworkDriver(new ContainerService(through, host, new ContainerResolver(DockerClient.fromDockerHost(null))),
                DockerClient.fromDockerHost("unix://" + dir.resolve("docker.sock")), NODE, Log.open(dir.resolve("felix.log"), false, "info"));
    }

    String links() {
        return host.run("ip", "-o", "link", "show").check().stdout();
    }

    @Override
    public void close() throws IOException {
        try {
            if (dockerd != null) {
                dockerd.close();
            }
            datastore.close();
        } finally {
            Namespaces.deleteAll(prefix);
        }
    }
}
