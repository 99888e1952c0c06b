package org.jcalico.workload;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class ContainerResolverTest {
    @TempDir
    Path temp;

    private ContainerResolver resolver() {
        return new ContainerResolver(new DockerClient(temp.resolve("docker.sock")));
    }

    private String error(String spec) {
        return assertThrows(WorkloadException.class, () -> resolver().resolve(spec)).getMessage();
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "pid:", "pid:0", "pid:-1", "pid:12a", "pid:01", "netns:", "netns:a/b", "netns:..",
            "foo:bar", "two words", "-x", "/abs"})
    void malformedSpecsSayWhatIsExpected(String spec) {
        assertEquals("malformed container '" + spec
                + "': expected a docker container id or name, pid:N, netns:NAME or netns:/PATH", error(spec));
    }

    @Test
    void aControlCharacterAnywhereIsRefusedInOneLine() throws IOException {
        for (String spec : java.util.List.of("netns:/tmp/x\nlink add evil type veth peer name evil2", "pid:1\n", "netns:a\rb",
                "web\u001b", "netns:/run/netns/x\u2028y")) {
            String message = error(spec);
            assertTrue(message.startsWith("malformed container '") && message.endsWith("': it contains a control character"), message);
            assertEquals(1, message.lines().count(), message);
        }
        // an existing namespace file under a path that ip -batch would read as several words
        Path link = Files.createSymbolicLink(temp.resolve("ns with blanks"), Path.of("/proc/self/ns/net"));
        assertEquals("cannot attach to the namespace at '" + link + "': its path contains a blank, quote, backslash, '#' or"
                + " control character", error("netns:" + link));
        // the value itself refuses such a path, whoever makes one: it becomes a word of root's ip -batch
        for (String path : java.util.List.of("/tmp/x\nlink add evil type dummy", "/tmp/x#", "/tmp/\"x", "/tmp/x\\")) {
            assertThrows(WorkloadException.class, () -> new ContainerNamespace(Path.of(path), "c", "c"), path);
        }
    }

    @Test
    void aPidNamesItsProcessNamespace() {
        long self = ProcessHandle.current().pid();
        ContainerNamespace namespace = resolver().resolve("pid:" + self);
        assertEquals(Path.of("/proc/" + self + "/ns/net"), namespace.path());
        assertEquals("pid:" + self, namespace.containerId());
        assertEquals("process " + self, namespace.description());
    }

    @Test
    void aPidWithoutProcessIsAnError() throws IOException {
        // process ids are always below pid_max (read line-wise: Files.readString trusts the size /proc reports)
        String pid = Files.readAllLines(Path.of("/proc/sys/kernel/pid_max")).get(0).strip();
        assertEquals("no such process: " + pid + " (from 'pid:" + pid + "')", error("pid:" + pid));
    }

    @Test
    void aNetnsPathIsTakenAsIs() {
        ContainerNamespace namespace = resolver().resolve("netns:/proc/self/ns/net");
        assertEquals(Path.of("/proc/self/ns/net"), namespace.path());
        assertEquals("netns:/proc/self/ns/net", namespace.containerId());
        assertEquals("netns /proc/self/ns/net", namespace.description());
    }

    @Test
    void aNetnsThatIsNoNamespaceIsAnError() throws IOException {
        Path file = Files.writeString(temp.resolve("plain"), "not a namespace");
        assertEquals(file + " is not a network namespace (from 'netns:" + file + "')", error("netns:" + file));
    }

    @Test
    void missingNetnsNamesThePathItLookedAt() {
        assertEquals("no such network namespace: /run/netns/jct-wl-absent (from 'netns:jct-wl-absent')",
                error("netns:jct-wl-absent"));
        assertEquals("no such network namespace: " + temp.resolve("gone") + " (from 'netns:" + temp.resolve("gone") + "')",
                error("netns:" + temp.resolve("gone")));
    }

    @Test
    void aDockerNameWithoutDaemonSaysWhereItLooked() {
        String message = error("web");
        assertTrue(message.startsWith("docker daemon not reachable at " + temp.resolve("docker.sock") + ": "), message);
        assertEquals(1, message.lines().count());
    }

    @Test
    void dockerHostMustBeAUnixSocket() {
        assertEquals(DockerClient.DEFAULT_SOCKET, DockerClient.fromDockerHost(null).socket());
        assertEquals(DockerClient.DEFAULT_SOCKET, DockerClient.fromDockerHost("").socket());
        assertEquals(Path.of("/run/d/docker.sock"), DockerClient.fromDockerHost("unix:///run/d/docker.sock").socket());
        assertEquals("DOCKER_HOST 'tcp://10.0.0.1:2375' is not supported: expected unix:///PATH/TO/SOCKET",
                assertThrows(WorkloadException.class, () -> DockerClient.fromDockerHost("tcp://10.0.0.1:2375")).getMessage());
        assertThrows(WorkloadException.class, () -> DockerClient.fromDockerHost("unix://relative.sock"));
    }
}
