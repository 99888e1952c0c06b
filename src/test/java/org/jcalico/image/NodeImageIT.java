package org.jcalico.image;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.jcalico.agent.JvmCommand;
import org.jcalico.kernel.CommandRunner;
import org.jcalico.lab.Probe;
import org.jcalico.lab.WorkloadWebServer;
import org.jcalico.model.IpAddress;
import org.jcalico.model.ResourceCodec;
import org.jcalico.model.WorkloadEndpoint;
import org.jcalico.testing.Connectivity;
import org.jcalico.testing.ContinuousPing;
import org.jcalico.lab.DockerDaemon;
import org.jcalico.testing.Eventually;
import org.jcalico.testing.LabFixture;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * The node runs from its image: `node image` builds it once (and keeps it), `node run` replaces h1's agent with the
 * node container in h1's own dockerd (`lab up --docker`), workloads attach on both hosts and the matrix holds; restarting the container
 * under a continuous ping loses no packet; `node status` and `node stop` work as for `node start`; and dockerd
 * restarted while the node container runs stops and starts within bounded time, the node coming back in sync.
 */
@Tag("kernel")
class NodeImageIT {
    // a first build downloads and unpacks Debian packages: about 3.5 min on the 2-core machine
    private static final long IMAGE_BUILD_MINUTES = 12;
    private final Map<String, WorkloadEndpoint> endpoints = new LinkedHashMap<>();
    private LabFixture lab;

    @Test
    void theNodeRunsFromItsImageAndSurvivesRestarts() throws Exception {
        assumeTrue(Files.isExecutable(Path.of("/usr/sbin/dockerd")) && Files.isExecutable(Path.of(DockerCli.DOCKER)),
                "docker.io is not installed");
        assumeTrue(Files.isExecutable(Path.of("/usr/bin/mmdebstrap")), "mmdebstrap is not installed");
        try (LabFixture fixture = LabFixture.upWithDocker("jcd3", 2)) {
            lab = fixture;
            DockerDaemon docker = DockerDaemon.at(fixture.layout().dockerRoot(1));
            String node = fixture.layout().nodeName(1);
            String container = NodeContainer.name(node);

            long begin = System.nanoTime();
            String built = buildImage(fixture);
            System.out.println("node image, first in this dockerd: " + built.strip() + " (test's wall time "
                    + (System.nanoTime() - begin) / 1_000_000 + " ms)");
            begin = System.nanoTime();
            String kept = fixture.jc("h1", "node", "image");
            System.out.println("node image, again: " + kept.strip() + " (" + (System.nanoTime() - begin) / 1_000_000 + " ms)");
            String tag = built.split(" ")[1];
            assertTrue(built.startsWith("built " + NodeImage.REPOSITORY + ":"), built);
            assertTrue(kept.startsWith("kept " + tag + " "), "an image of the same content is kept: " + kept);

            // the node in the container runs the other driver than h2's agent: the image must carry both drivers' tools
            fixture.useDriver(1, LabFixture.otherDriver());
            fixture.jc("h1", "node", "stop");
            begin = System.nanoTime();
            String run = fixture.jc("h1", "node", "run", "--ip", fixture.layout().hostV4(1).toString(),
                    "--ip6", fixture.layout().hostV6(1).toString(), "--log-dir", fixture.layout().logDir().toString(),
                    "--docker-plugin-dir", fixture.layout().dockerPluginDir(1).toString());
            System.out.println("node run: " + run.strip() + " (" + (System.nanoTime() - begin) / 1_000_000 + " ms)");
            assertTrue(run.contains("in container " + container), run);
            String ps = docker.docker("ps", "--filter", "name=" + container, "--format", "{{.Image}} {{.Status}}").check().stdout();
            assertTrue(ps.startsWith(tag + " Up"), "the node container runs the image: " + ps);

            Path spec = fixture.layout().dockerPluginDir(1).resolve("jcalico.spec");
            assertTrue(Files.exists(spec), "the agent in the container announces the docker plugin to h1's dockerd");
            fixture.jc("h1", "pool", "add", "10.70.0.0/16");
            fixture.jc("h1", "pool", "add", "fd70::/64");
            // through the launcher: the agent in the container runs it, in a namespace made after the container started
            add("red-1", "h1", "red", true);
            add("red-1b", "h1", "red", false);
            add("blue-1", "h1", "blue", false);
            add("red-2", "h2", "red", false);
            add("blue-2", "h2", "blue", false);
            assertTrue(Files.readString(fixture.layout().logDir().resolve(node).resolve("felix.log"))
                    .contains("ran 'container add"), "the agent in the container ran the launcher's container add");
            assertTrue(Eventually.within(30, () -> statusOk("h1") && statusOk("h2")), "both nodes in sync, BGP up: "
                    + fixture.run("h1", "node", "status").stdout());
            String status = fixture.run("h1", "node", "status").stdout();
            assertTrue(status.contains("in container " + container) && status.contains("in sync"), status);
            assertMatrix();
            // SQLite's library is the image's, by path: a copy unpacked into the container's /tmp stays there when the
            // agent is killed
            String tmp = docker.docker("exec", container, "ls", "-A", "/tmp").check().stdout();
            assertFalse(tmp.contains("sqlitejdbc"), "no SQLite library unpacked in the node container's /tmp: " + tmp);

            // the node container restarted while red-1b pings red-1 on the same host (the kernel keeps forwarding)
            // and red-2 pings it from h2: BIRD dies with the container, h2 keeps h1's routes and the new BIRD keeps
            // the kernel's (BGP graceful restart, docs/architecture.md)
            Path birdPid = fixture.layout().runDir().resolve(node).resolve("bird.pid");
            String birdBefore = Files.readString(birdPid).strip();
            ContinuousPing sameHost = ContinuousPing.start(ns("red-1b"), address("red-1", 4), 50);
            ContinuousPing otherHost = ContinuousPing.start(ns("red-2"), address("red-1", 4), 50);
            Thread.sleep(500);
            begin = System.nanoTime();
            docker.docker("restart", container).check();
            assertTrue(Eventually.within(30, () -> statusOk("h1") && statusOk("h2")), "the node is back in sync after docker restart");
            long restarted = (System.nanoTime() - begin) / 1_000_000;
            Thread.sleep(500);
            ContinuousPing.Counts local = sameHost.stop();
            ContinuousPing.Counts remote = otherHost.stop();
            System.out.println("docker restart " + container + ": back in sync in " + restarted + " ms; ping every 50 ms on h1: "
                    + local + "; from h2: " + remote + "; BIRD pid " + birdBefore + " -> " + Files.readString(birdPid).strip());
            assertEquals(0, local.lost(), "no ping lost on h1 while the node container restarted: " + local);
            assertEquals(0, remote.lost(), "no ping from h2 lost while h1's node container restarted: " + remote);

            // dockerd restarted with the node container running: it stops and starts in bounded time, the node comes back
            long[] took = docker.restart();
            System.out.println("dockerd restart with the node container running: stopped in " + took[0]
                    + " ms, answering again " + took[1] + " ms later");
            assertTrue(took[0] < 10_000, "dockerd stopped by itself (not killed) within 10 s: " + took[0] + " ms");
            assertTrue(took[1] < 30_000, "dockerd answered again within 30 s: " + took[1] + " ms");
            assertTrue(Eventually.within(30, () -> statusOk("h1")), "docker's restart policy brought the node back: "
                    + fixture.run("h1", "node", "status").stdout());
            // BIRD restarted twice in a row: h2 may have flushed h1's stale routes (RFC 4724, a second restart before
            // End-of-RIB) and gets them back once h1's new BIRD ends its recovery (docs/architecture.md)
            long inSync = System.nanoTime();
            assertTrue(Eventually.within(45, () -> Probe.ping(ns("red-2"), address("red-1", 4)).succeeds()),
                    "h2 reaches h1's workloads again after the second restart");
            System.out.println("after dockerd's restart, h2 reached h1's workloads " + (System.nanoTime() - inSync) / 1_000_000
                    + " ms after h1 was in sync");
            assertMatrix();

            String stopped = fixture.jc("h1", "node", "stop");
            assertTrue(stopped.contains("stopped the node container " + container), stopped);
            assertEquals("", docker.docker("ps", "--all", "--quiet", "--filter", "name=" + container).check().stdout().strip(),
                    "node stop removed the container");
            assertFalse(Files.exists(spec), "the plugin's spec files went with the node: dockerd waits for no plugin");
            var after = fixture.run("h1", "node", "status");
            assertEquals(1, after.exitCode(), after.stdout());
            assertTrue(after.stdout().contains("not running") && after.stdout().contains("BIRD is not running"), after.stdout());
            assertTrue(Probe.ping(ns("red-1b"), address("red-1", 4)).succeeds(), "the kernel keeps the dataplane after node stop");
        }
    }

    private boolean statusOk(String host) {
        return lab.run(host, "node", "status").ok();
    }

    private void add(String workload, String host, String profile, boolean throughLauncher) {
        String namespace = lab.lab().workload(workload);
        List<String> args = List.of("container", "add", "netns:" + namespace, "--profile", profile);
        if (throughLauncher) {
            List<String> command = new ArrayList<>(List.of(Path.of("jcalico").toAbsolutePath().toString()));
            command.addAll(args);
            var result = lab.lab().exec(host, command);
            assertTrue(result.ok() && result.stdout().contains("ready in"), result.stdout() + result.stderr());
        } else {
            lab.jc(host, args.toArray(String[]::new));
        }
        WorkloadWebServer.start(lab.layout(), namespace, 80);
        for (var resource : ResourceCodec.decodeAll(lab.jc(host, "container", "list", "-o", "json"))) {
            WorkloadEndpoint endpoint = (WorkloadEndpoint) resource;
            if (endpoint.containerId().equals("netns:" + namespace)) {
                endpoints.put(workload, endpoint);
                return;
            }
        }
        throw new AssertionError(workload + " not listed");
    }

    /** Each workload to every other by ping (both families) and TCP: allowed exactly within a colour. */
    /**
     * `jcalico node image` as an admin runs it, on the machine (mmdebstrap needs Debian's mirror, which no lab host
     * reaches) into h1's dockerd; a first build on a fresh machine takes minutes, beyond a lab command's 60 s.
     */
    private static String buildImage(LabFixture fixture) throws Exception {
        List<String> command = new ArrayList<>(List.of("env", "DOCKER_HOST=unix://" + fixture.layout().dockerSocket(1)));
        command.addAll(JvmCommand.jcalico());
        command.addAll(List.of("node", "image"));
        Process process = new ProcessBuilder(command).redirectError(ProcessBuilder.Redirect.INHERIT).start();
        CompletableFuture<String> out = CompletableFuture.supplyAsync(() -> {
            try (var stream = process.getInputStream()) {
                return new String(stream.readAllBytes(), StandardCharsets.UTF_8);
            } catch (java.io.IOException e) {
                return "";
            }
        });
        if (!process.waitFor(IMAGE_BUILD_MINUTES, TimeUnit.MINUTES)) {
            process.destroyForcibly();
            throw new AssertionError("jcalico node image did not finish within " + IMAGE_BUILD_MINUTES + " minutes");
        }
        assertEquals(0, process.exitValue(), "jcalico node image failed: " + out.join());
        return out.join();
    }

    private void assertMatrix() {
        List<Probe> probes = new ArrayList<>();
        List<Boolean> expected = new ArrayList<>();
        for (String from : endpoints.keySet()) {
            for (String to : endpoints.keySet()) {
                if (!from.equals(to)) {
                    boolean allowed = from.split("-")[0].equals(to.split("-")[0]);
                    probes.addAll(List.of(Probe.ping(ns(from), address(to, 4)), Probe.ping(ns(from), address(to, 6)),
                            Probe.tcp(ns(from), address(to, 4), 80)));
                    expected.addAll(List.of(allowed, allowed, allowed));
                }
            }
        }
        Connectivity.assertMatrix(probes, expected);
    }

    private String ns(String workload) {
        return lab.layout().workload(workload);
    }

    private IpAddress address(String workload, int version) {
        return endpoints.get(workload).nets(version).get(0).network();
    }
}
