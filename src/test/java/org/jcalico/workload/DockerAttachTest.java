package org.jcalico.workload;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import org.jcalico.kernel.CommandRunner;
import org.jcalico.kernel.Namespaces;
import org.jcalico.model.Cidr;
import org.jcalico.testing.DockerFixture;
import org.jcalico.testing.KernelTests;
import org.jcalico.testing.TestNamespaces;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/** Attaching docker containers (started with --net=none by a daemon of the test's own) by id and by name. */
@Tag("kernel")
class DockerAttachTest {
    private static final String PREFIX = TestNamespaces.named("jct-wl-dock-");
    private static final String HOST_NS = PREFIX + "host";
    private static final Path ROOT = Path.of(System.getProperty("java.io.tmpdir"), "jct-wl-docker");
    private static CommandRunner host;
    private static DockerFixture docker;
    private static ContainerResolver resolver;

    @BeforeAll
    static void startDocker() throws IOException, InterruptedException {
        KernelTests.assumeKernel();
        assumeTrue(CommandRunner.local().run("dockerd", "--version").ok(), "dockerd is not installed");
        Namespaces.deleteAll(PREFIX);
        host = TestHost.create(HOST_NS);
        docker = DockerFixture.start(HOST_NS, ROOT);
        System.out.printf("dockerd ready in %d ms, busybox image imported in %d ms%n", docker.startMillis(), docker.imageMillis());
        resolver = new ContainerResolver(DockerClient.fromDockerHost("unix://" + docker.socket()));
    }

    @AfterAll
    static void stopDocker() {
        try {
            if (docker != null) {
                docker.close();
            }
        } finally {
            Namespaces.delete(HOST_NS);
        }
    }

    @Test
    void attachesByIdAndIsReachable() {
        String id = run("jct-wl-web");
        ContainerNamespace namespace = resolver.resolve(id);
        assertEquals(id, namespace.containerId());
        assertEquals("docker container jct-wl-web (" + id.substring(0, 12) + ")", namespace.description());
        assertAttachedAndReachable(namespace, "jct-wl-web", "jcwdock0", Cidr.parse("10.66.0.7/32"), Cidr.parse("fd00:66::7/128"));
    }

    @Test
    void attachesByNameAndIsReachable() {
        String id = run("jct-wl-db");
        ContainerNamespace namespace = resolver.resolve("jct-wl-db");
        assertEquals(id, namespace.containerId());
        assertEquals(namespace, resolver.resolve(id.substring(0, 12)));
        assertAttachedAndReachable(namespace, "jct-wl-db", "jcwdock1", Cidr.parse("10.66.0.8/32"), Cidr.parse("fd00:66::8/128"));
    }

    @Test
    void aStoppedContainerIsAnError() {
        docker.docker("run", "--net=none", "--name", "jct-wl-done", DockerFixture.IMAGE, "true").check();
        String id = docker.docker("inspect", "--format", "{{.Id}}", "jct-wl-done").check().stdout().strip();
        assertEquals("docker container jct-wl-done (" + id.substring(0, 12) + ") is not running",
                assertThrows(WorkloadException.class, () -> resolver.resolve("jct-wl-done")).getMessage());
    }

    @Test
    void anUnknownContainerIsAnError() {
        assertEquals("no such docker container: jct-wl-nothing",
                assertThrows(WorkloadException.class, () -> resolver.resolve("jct-wl-nothing")).getMessage());
    }

    private static String run(String name) {
        return docker.docker("run", "-d", "--net=none", "--name", name, DockerFixture.IMAGE, "sleep", "600")
                .check().stdout().strip();
    }

    private static void assertAttachedAndReachable(ContainerNamespace namespace, String name, String hostInterface,
                                                   Cidr v4, Cidr v6) {
        VethAttacher attacher = new VethAttacher(host);
        attacher.attach(hostInterface, namespace, "eth0", List.of(v4, v6));
        try {
            String seen = docker.docker("exec", name, "ip", "address", "show", "dev", "eth0").check().stdout();
            assertTrue(seen.contains("inet " + v4 + " "), seen);
            assertTrue(seen.contains("inet6 " + v6 + " "), seen);
            TestHost.program(host, hostInterface, List.of(v4, v6));
            assertTrue(TestHost.ping(host, v4.network().toString()), "host to " + name + ", IPv4");
            assertTrue(TestHost.ping(host, v6.network().toString()), "host to " + name + ", IPv6");
            String ping = docker.docker("exec", name, "ping", "-c", "1", "-W", "2", TestHost.IPV4).stdout();
            assertTrue(ping.contains("1 packets received"), name + " to host: " + ping);
        } finally {
            attacher.detach(hostInterface);
        }
    }
}
