package org.jcalico.felix;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Path;
import org.jcalico.kernel.CommandRunner;
import org.jcalico.model.ResourceCodec;
import org.jcalico.model.WorkloadEndpoint;
import org.jcalico.testing.DockerFixture;
import org.jcalico.testing.LabFixture;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/** A docker container started with --net=none is attached by its id (and by its name) like any other. */
@Tag("kernel")
class DockerAttachIT {
    @Test
    void aDockerContainerIsAttachedByIdAndReachable() throws Exception {
        assumeTrue(CommandRunner.local().run("which", "dockerd").ok(), "docker.io is not installed");
        try (LabFixture fixture = LabFixture.up("jctd", 1, false);
             DockerFixture docker = DockerFixture.start(fixture.layout().host(1), Path.of("/tmp/" + fixture.layout().prefix() + "docker"))) {
            fixture.jc("h1", "pool", "add", "10.66.0.0/16");
            String first = docker.docker("run", "-d", "--net=none", "--name", "jctd-web", DockerFixture.IMAGE, "sleep", "1000")
                    .check().stdout().strip();
            docker.docker("run", "-d", "--net=none", "--name", "jctd-db", DockerFixture.IMAGE, "sleep", "1000").check();
            var env = java.util.List.of("DOCKER_HOST=unix://" + docker.socket());
            fixture.jcWith(env, "h1", "container", "add", first.substring(0, 12), "--profile", "app");
            // as a user runs it, through the launcher: the node's agent knows no DOCKER_HOST, so it must not attach
            // from its own daemon (defect 13); it declines and the launcher runs the command with the client's
            var launched = fixture.lab().exec("h1", java.util.List.of("env", env.get(0),
                    Path.of("jcalico").toAbsolutePath().toString(), "container", "add", "jctd-db", "--profile", "app"));
            assertTrue(launched.ok() && launched.stdout().contains("ready in"), launched.stdout() + launched.stderr());
            Path agentLog = fixture.layout().logDir().resolve(fixture.layout().nodeName(1)).resolve("felix.log");
            assertTrue(java.nio.file.Files.readString(agentLog).contains("its environment differs from the agent's in DOCKER_HOST"));
            var endpoints = ResourceCodec.decodeAll(fixture.jc("h1", "container", "list", "-o", "json")).stream()
                    .map(WorkloadEndpoint.class::cast).toList();
            WorkloadEndpoint web = endpoints.stream().filter(e -> e.containerId().equals(first)).findFirst().orElseThrow();
            assertEquals(64, web.containerId().length(), "recorded by docker's full id");
            String inside = docker.docker("exec", "jctd-web", "ip", "-4", "addr", "show", "eth0").check().stdout();
            assertTrue(inside.contains(web.ipv4Nets().get(0).toString()), inside);
            var ping = docker.docker("exec", "jctd-db", "ping", "-c", "1", "-W", "2", web.ipv4Nets().get(0).network().toString());
            assertTrue(ping.ok(), "db reaches web in the same profile: " + ping.stdout() + ping.stderr());
            var ping6 = docker.docker("exec", "jctd-db", "ping", "-c", "1", "-W", "2", web.ipv6Nets().get(0).network().toString());
            assertTrue(ping6.ok(), "and over IPv6, which docker had switched off in the container: " + ping6.stdout() + ping6.stderr());
        }
    }
}
