package org.jcalico.workload;

import org.jcalico.datastore.ResourceStore;
import org.jcalico.kernel.CommandRunner;
import org.jcalico.kernel.Namespaces;
import org.jcalico.testing.KernelTests;
import org.jcalico.testing.TestNamespaces;

/**
 * A namespace standing for the host of an attach test ({@link TestHost}, PREFIX + "host", after JCALICO_TEST_NS_PREFIX
 * when set), the containers' namespaces beside it, and `container` commands run on it. Every namespace of the prefix is
 * removed when it is made (an earlier run's) and when it is closed.
 */
final class HostFixture implements AutoCloseable {
    final CommandRunner host;
    private final String prefix;

    HostFixture(String prefix) {
        KernelTests.assumeKernel();
        this.prefix = TestNamespaces.named(prefix);
        Namespaces.deleteAll(this.prefix);
        host = TestHost.create(this.prefix + "host");
    }

    /** A container's namespace, made now (PREFIX + NAME): its name, as `container add netns:NAME` takes it. */
    String container(String name) {
        String namespace = prefix + name;
        Namespaces.create(namespace);
        return namespace;
    }

    /** `container` commands on this host through the store, with no docker daemon to look containers up in. */
    ContainerService containers(ResourceStore store) {
        return new ContainerService(store, host, new ContainerResolver(DockerClient.fromDockerHost(null)));
    }

    @Override
    public void close() {
        Namespaces.deleteAll(prefix);
    }
}
