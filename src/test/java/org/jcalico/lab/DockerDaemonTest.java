package org.jcalico.lab;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Removing a daemon's leftovers kills its daemons, and nothing else that merely names its root. */
class DockerDaemonTest {
    @TempDir
    Path dir;

    @Test
    void aSweepLeavesACommandThatOnlyNamesTheRootAlone() throws Exception {
        Path root = dir.resolve("h1");
        // as the lab's agent starts: `env DOCKER_HOST=unix://ROOT/docker.sock java ...`, while the daemon starts beside it
        Process bystander = new ProcessBuilder("sh", "-c", "read line", "DOCKER_HOST=unix://" + root.resolve("docker.sock")).start();
        Process daemon = new ProcessBuilder("bash", "-c", "exec -a containerd bash -c 'read line' \"$0\"",
                root.resolve("containerd.toml").toString()).start();
        try {
            Thread.sleep(200);
            DockerDaemon.at(root).stop();
            assertTrue(daemon.waitFor(5, TimeUnit.SECONDS), "the daemon's own process is killed");
            assertFalse(bystander.waitFor(500, TimeUnit.MILLISECONDS), "a process that only names the root keeps running");
        } finally {
            bystander.destroyForcibly();
            daemon.destroyForcibly();
        }
    }

    @Test
    void onlyTheDaemonsProgramsCount() {
        assertTrue(DockerDaemon.isDaemon(java.util.List.of("/usr/sbin/dockerd", "--data-root", "/x/data")));
        assertTrue(DockerDaemon.isDaemon(java.util.List.of("containerd-shim-runc-v2", "-address", "/x/containerd.sock")));
        assertFalse(DockerDaemon.isDaemon(java.util.List.of("env", "DOCKER_HOST=unix:///x/docker.sock", "java")));
        assertFalse(DockerDaemon.isDaemon(java.util.List.of("/usr/bin/docker", "-H", "unix:///x/docker.sock", "ps")));
    }
}
