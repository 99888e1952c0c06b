package org.jcalico.workload;

import java.nio.file.Path;
import java.util.List;
import org.jcalico.datastore.Datastore;
import org.jcalico.datastore.Datastores;
import org.jcalico.datastore.ResourceStore;
import org.jcalico.ipam.Pools;
import org.jcalico.kernel.CommandRunner;
import org.jcalico.model.Cidr;
import org.jcalico.model.IpPool;
import org.jcalico.model.Node;

/**
 * What an attach test starts from: a namespace standing for the host ({@link HostFixture}), an embedded store in DIR
 * with the node registered and the pools added. Closing it closes the store and removes the host's namespaces.
 */
final class AttachFixture implements AutoCloseable {
    final CommandRunner host;
    final Datastore datastore;
    final ResourceStore store;
    private final HostFixture hostFixture;

    AttachFixture(String prefix, Path dir, String node, List<String> pools) {
        hostFixture = new HostFixture(prefix);
        host = hostFixture.host;
        datastore = Datastores.open("embedded:" + dir.resolve("store.db"));
        store = new ResourceStore(datastore);
        store.create(new Node(node, null, null, null));
        pools.forEach(pool -> new Pools(store).add(new IpPool(Cidr.parse(pool), false, null, false)));
    }

    /** A container's namespace beside the host's, made now and removed with it (under the test's prefix): its name. */
    String container(String name) {
        return hostFixture.container(name);
    }

    /** `container` commands on the host through STORE (this fixture's, or one that wraps it). */
    ContainerService containers(ResourceStore through) {
        return hostFixture.containers(through);
    }

    @Override
    public void close() {
        try {
            datastore.close();
        } finally {
            hostFixture.close();
        }
    }
}
