package org.jcalico.testing;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.jcalico.kernel.CommandRunner;
import org.jcalico.kernel.Namespaces;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

@Tag("kernel")
class DockerFixtureTest {
    private static final String NAMESPACE = TestNamespaces.named("jct-wl-fixture");
    private static final Path ROOT = Path.of(System.getProperty("java.io.tmpdir"), "jct-wl-fixture");

    @Test
    void aKilledDaemonRestartsOnItsState() throws Exception {
        KernelTests.assumeKernel();
        assumeTrue(CommandRunner.local().run("dockerd", "--version").ok(), "dockerd is not installed");
        Namespaces.delete(NAMESPACE);
        Namespaces.create(NAMESPACE);
        try (DockerFixture docker = DockerFixture.start(NAMESPACE, ROOT)) {
            // the new daemon stops what the old one left running, and sleep as pid 1 ignores SIGTERM: no need to wait 10 s
            String id = docker.docker("run", "-d", "--net=none", "--stop-timeout", "1", DockerFixture.IMAGE, "sleep", "600")
                    .check().stdout().strip();
            long dockerd = Long.parseLong(Files.readString(ROOT.resolve("dockerd.pid")).strip());

            docker.killAndRestart();

            assertFalse(ProcessHandle.of(dockerd).map(ProcessHandle::isAlive).orElse(false), "the old daemon was killed");
            assertTrue(docker.docker("inspect", "--format", "{{.Id}}", id).ok(), "the new daemon knows the old one's container");
            assertTrue(docker.docker("run", "--rm", "--net=none", DockerFixture.IMAGE, "true").ok(), "and runs new ones");
        } finally {
            Namespaces.delete(NAMESPACE);
        }
        assertFalse(Files.exists(ROOT));
    }

    @Test
    void whatAKilledDaemonLeftIsRemoved() throws Exception {
        KernelTests.assumeKernel();
        assumeTrue(CommandRunner.local().run("dockerd", "--version").ok(), "dockerd is not installed");
        Namespaces.delete(NAMESPACE);
        Namespaces.create(NAMESPACE);
        try (DockerFixture docker = DockerFixture.start(NAMESPACE, ROOT)) {
            String id = docker.docker("run", "-d", "--net=none", DockerFixture.IMAGE, "sleep", "600").check().stdout().strip();
            long container = Long.parseLong(docker.docker("inspect", "--format", "{{.State.Pid}}", id).check().stdout().strip());
            ProcessHandle daemon = ProcessHandle.of(Long.parseLong(Files.readString(ROOT.resolve("dockerd.pid")).strip())).orElseThrow();
            daemon.destroyForcibly();
            daemon.onExit().get(10, TimeUnit.SECONDS);
            assertTrue(ProcessHandle.of(container).isPresent(), "the container outlives its killed daemon");

            DockerFixture.removeLeftovers(ROOT);

            assertFalse(ProcessHandle.of(container).map(ProcessHandle::isAlive).orElse(false), "container process");
            assertFalse(Files.readString(Path.of("/proc/self/mountinfo")).contains(ROOT.toString()), "mounts under " + ROOT);
            assertFalse(Files.exists(ROOT));
            try (Stream<Path> cgroups = Files.walk(Path.of("/sys/fs/cgroup"), 3)) {
                assertFalse(cgroups.anyMatch(cgroup -> cgroup.getFileName().toString().contains(id)), "cgroups of " + id);
            }
        } finally {
            Namespaces.delete(NAMESPACE);
        }
    }
}
