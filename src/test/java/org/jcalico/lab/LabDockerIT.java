package org.jcalico.lab;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.jcalico.agent.AgentPaths;
import org.jcalico.agent.JvmCommand;
import org.jcalico.kernel.CommandRunner;
import org.jcalico.testing.LabFixture;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * `lab up --docker`: a docker daemon of its own in each host, reached with `lab exec HOST -- docker`, finding its own
 * host's agent as its plugin; `lab down` removes all.
 */
@Tag("kernel")
class LabDockerIT {
    private static final String DOCKER = DockerDaemon.DOCKER;

    @Test
    void eachHostRunsItsOwnDaemonAndLabDownLeavesNothing() throws Exception {
        LabLayout layout;
        long container;
        try (LabFixture fixture = LabFixture.upWithDocker("jcd1", 2)) {
            layout = fixture.layout();
            Lab lab = fixture.lab();
            for (int index : layout.hostIndexes()) {
                long dockerd = dockerd(layout, index);
                assertEquals(layout.host(index), CommandRunner.local().run("ip", "netns", "identify", Long.toString(dockerd))
                        .check().stdout().strip(), "the daemon runs in its host's network namespace");
                CommandRunner.Result links = lab.exec(layout.nodeName(index), List.of(DOCKER, "run", "--rm", "--net=none",
                        LabLayout.DOCKER_IMAGE, "ip", "-o", "link"));
                assertTrue(links.ok(), links.stderr());
                assertEquals(1, links.stdout().lines().count(), "a --net=none container has only its loopback: " + links.stdout());
            }

            String id = lab.exec("h1", List.of(DOCKER, "run", "-d", "--net=none", "--name", "jcd1-sleeper", LabLayout.DOCKER_IMAGE,
                    "sleep", "600")).check().stdout().strip();
            container = Long.parseLong(lab.exec("h1", List.of(DOCKER, "inspect", "-f", "{{.State.Pid}}", id)).check().stdout().strip());
            assertEquals("", lab.exec("h2", List.of(DOCKER, "ps", "-aq")).check().stdout().strip(), "h2's daemon knows only its own");
            assertFalse(lab.exec("h2", List.of(DOCKER, "inspect", "jcd1-sleeper")).ok());
            List<String> cli = new ArrayList<>(JvmCommand.jcalico());
            cli.addAll(List.of("lab", "exec", "--name", fixture.layout().name(), "h1", "--", DOCKER, "ps", "-q", "--no-trunc"));
            assertEquals(id, CommandRunner.local().run(cli).check().stdout().strip(), "jcalico lab exec h1 -- docker ps");

            // each daemon finds its own host's agent as its plugin, and the machine's daemons find no lab agent
            for (int index : layout.hostIndexes()) {
                Path agentSocket = AgentPaths.of(layout.nodeName(index), layout.runDir(), layout.logDir()).dockerSocket();
                assertEquals("unix://" + agentSocket, Files.readString(seenBy(dockerd(layout, index), "jcalico.spec")).strip(),
                        "the spec file in " + layout.host(index) + "'s /etc/docker/plugins");
            }
            Path machines = Path.of("/etc/docker/plugins/jcalico.spec");
            assertFalse(Files.exists(machines) && Files.readString(machines).contains(layout.runDir().toString()), "the machine's");

            long begin = System.nanoTime();
            lab.down();
            System.out.printf("lab down with two docker daemons and a running container: %d ms%n", (System.nanoTime() - begin) / 1_000_000);
        }
        assertFalse(ProcessHandle.of(container).map(ProcessHandle::isAlive).orElse(false), "the container's process is gone");
        String state = layout.stateDir().toString();
        List<String> survivors = ProcessHandle.allProcesses().map(LabDockerIT::commandLine).filter(line -> line.contains(state)).toList();
        assertEquals(List.of(), survivors, "no dockerd, containerd or shim of the lab's left");
        assertFalse(Files.readString(Path.of("/proc/self/mountinfo")).contains(state), "no mount of the lab's left");
        assertFalse(Files.exists(layout.stateDir()), "no state left");
        assertFalse(Files.exists(LabLayout.ETC_NETNS.resolve(layout.host(1))), "no /etc/netns entry left");
        assertTrue(Files.isDirectory(Path.of("/etc/docker")), "the machine's /etc/docker stays");
    }

    private static long dockerd(LabLayout layout, int index) throws Exception {
        return Long.parseLong(Files.readString(layout.dockerRoot(index).resolve("dockerd.pid")).strip());
    }

    /** A path as the process sees it, in its own mount namespace. */
    private static Path seenBy(long pid, String spec) {
        return Path.of("/proc", Long.toString(pid), "root", "etc", "docker", "plugins", spec);
    }

    private static String commandLine(ProcessHandle process) {
        try {
            return new String(Files.readAllBytes(Path.of("/proc", Long.toString(process.pid()), "cmdline")), StandardCharsets.UTF_8)
                    .replace('\0', ' ');
        } catch (java.io.IOException e) {
            return "";
        }
    }
}
