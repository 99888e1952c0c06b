package org.jcalico.felix.dataplane;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;
import static org.jcalico.model.DataplaneDriver.IPTABLES;
import static org.jcalico.model.DataplaneDriver.NFTABLES;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.jcalico.felix.ColdStart;
import org.jcalico.felix.calc.HostStateCalculator;
import org.jcalico.felix.calc.Snapshot;
import org.jcalico.kernel.CommandRunner;
import org.jcalico.model.Cidr;
import org.jcalico.model.DataplaneDriver;
import org.jcalico.model.FelixConfiguration;
import org.jcalico.model.Policy;
import org.jcalico.model.Profile;
import org.jcalico.model.ResourceCodec;
import org.jcalico.model.Rule;
import org.jcalico.model.WorkloadEndpoint;
import org.jcalico.testing.DockerFixture;
import org.jcalico.testing.Eventually;
import org.jcalico.testing.KernelTests;
import org.jcalico.testing.TestNamespaces;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * A dockerd beside the agent with its own firewall (`--iptables=true`, docker.io's default) inserts its FORWARD rules
 * above whatever FORWARD holds, at each start: `-i docker0 ! -o docker0 -j ACCEPT` for its containers' traffic out,
 * and for a published port `-o docker0 -j DOCKER` whose accept takes any sender. Neither may open a path past a
 * workload's policy, at no moment: not after dockerd starts behind the agent, not after dockerd restarts while the
 * agent runs (before the agent's next pass), not after the agent restarts (docs/docker.md, "Session 64 (t-docker)").
 * Its containers keep their own connectivity: NAT to the outside, and a workload whose policy admits them.
 */
@Tag("kernel")
class DockerFirewallKernelTest {
    private static final String PREFIX = TestNamespaces.named("jcqs-dfw-");
    private static final Path ROOT = Path.of(System.getProperty("java.io.tmpdir"), TestNamespaces.named("jcqs-dfw"));
    private static final Profile OPEN = new Profile("open", List.of(), Map.of(), List.of(Rule.allow()), List.of(Rule.allow()));
    /** w1 admits clients only and sends to no docker container; w3, open, admits anyone. */
    private static final List<Policy> WEB = ResourceCodec.decodeAll("""
            kind: GlobalNetworkPolicy
            metadata: {name: web}
            spec:
              order: 10
              selector: app == "web"
              ingress: [{action: Allow, source: {selector: app == "client"}}, {action: Deny}]
              egress: [{action: Deny, destination: {nets: [172.17.0.0/16]}}, {action: Allow}]
            """).stream().map(Policy.class::cast).toList();

    @BeforeAll
    static void kernel() {
        KernelTests.assumeKernel();
        assumeTrue(CommandRunner.local().run("dockerd", "--version").ok(), "dockerd is not installed");
    }

    /**
     * One lab and one dockerd for both drivers (a dockerd's start is most of the time): the node runs the iptables
     * driver, then moves to nftables, each through dockerd's restart and the agent's.
     */
    @Test
    void dockersOwnRulesOpenNoPathPastAWorkloadsPolicyOnEitherDriver() throws Exception {
        DockerFixture.removeLeftovers(ROOT);
        try (WorkloadHost lab = new WorkloadHost(PREFIX)) {
            lab.workload(1);
            CommandRunner w2 = lab.workload(2);
            lab.workload(3);
            lab.uplink(0);
            Dataplane agent = new Dataplane(lab.host());
            assertTrue(agent.start().failures().isEmpty());
            assertEquals(Map.of(), agent.apply(new HostStateCalculator().calculate(snapshot(IPTABLES))).failures());
            lab.awaitLinksPassPackets();
            assertTrue(WorkloadHost.pings(w2, 1), "w2, a client, reaches w1");

            try (DockerFixture docker = DockerFixture.start(PREFIX + "host", ROOT, null, true)) {
                System.out.printf("dockerd ready in %d ms, busybox image imported in %d ms%n", docker.startMillis(),
                        docker.imageMillis());
                docker.docker("run", "-d", "--name", "dc", "--restart", "always", "-p", "8080:80", DockerFixture.IMAGE,
                        // it ends on dockerd's SIGTERM (pid 1 ignores it untrapped: a restart then waited 20 s)
                        "sh", "-c", "trap 'exit 0' TERM; while true; do echo hi | nc -l -p 80 & wait $!; done").check();
                // and a container on a bridge network of the user's, which docker hooks into FORWARD likewise
                docker.docker("network", "create", "--subnet", "172.18.0.0/16", "dnet").check();
                docker.docker("run", "-d", "--name", "dn", "--net", "dnet", "--restart", "always", DockerFixture.IMAGE,
                        "sh", "-c", "trap 'exit 0' TERM; while true; do sleep 1 & wait $!; done").check();
                String forward = lab.host().run("iptables", "-S", "FORWARD").check().stdout();
                assertTrue(forward.indexOf("-i docker0 ! -o docker0 -j ACCEPT") < forward.indexOf("-j jc-FORWARD"),
                        "dockerd put its rules above jcalico's hook: " + forward);
                assertNoPathPastPolicy(docker, "dockerd started after the agent");
                CommandRunner started = container(docker, "dc");
                assertTrue(Eventually.within(10, () -> reaches(started, "192.168.9.2")),
                        "the container reaches the outside through docker's NAT");

                for (DataplaneDriver driver : List.of(IPTABLES, NFTABLES)) {
                    Snapshot snapshot = snapshot(driver);
                    agent.resync(new HostStateCalculator().calculate(snapshot));
                    assertNoPathPastPolicy(docker, driver + ": the agent's next pass");
                    assertTrue(reaches(container(docker, "dc"), "10.65.0.3"), driver + ": the container reaches w3, which admits it");

                    docker.restart();
                    assertNoPathPastPolicy(docker, driver + ": dockerd restarted while the agent runs");

                    agent = new Dataplane(lab.host());
                    assertTrue(agent.start().failures().isEmpty());
                    assertEquals(Map.of(), agent.resync(() -> ColdStart.guard(snapshot),
                            () -> new HostStateCalculator().calculate(snapshot)).failures());
                    assertNoPathPastPolicy(docker, driver + ": the agent restarted");
                    assertTrue(reaches(container(docker, "dc"), "10.65.0.3"), driver + ": the container reaches w3 after the restart");
                }
                assertFalse(lab.host().run("iptables-save", "-t", "security").check().stdout().contains("jc-"),
                        "the iptables driver's check went with its rules");
            } finally {
                DockerFixture.removeLeftovers(ROOT);
            }
        }
    }

    /**
     * Neither container (dc on docker0, dn on dnet) reaches w1 by ping, nor w1 dc's published port by TCP (probed at
     * once: a refused probe waits its whole second).
     */
    private static void assertNoPathPastPolicy(DockerFixture docker, String when) throws Exception {
        CommandRunner container = container(docker, "dc");
        CommandRunner onNetwork = container(docker, "dn");
        String address = docker.docker("inspect", "--format", "{{.NetworkSettings.IPAddress}}", "dc").check().stdout().strip();
        CommandRunner w1 = CommandRunner.inNamespace(PREFIX + "w1");
        CompletableFuture<String> answer = CompletableFuture.supplyAsync(
                () -> w1.run("busybox", "nc", "-w", "1", address, "80").stdout());
        CompletableFuture<Boolean> fromNetwork = CompletableFuture.supplyAsync(() -> reaches(onNetwork, "10.65.0.1"));
        assertFalse(reaches(container, "10.65.0.1"), when + ": the container reaches w1, which admits clients only");
        assertFalse(fromNetwork.get(), when + ": the container on a user's bridge network reaches w1, which admits clients only");
        assertFalse(answer.get().contains("hi"), when + ": w1 reaches the container's published port past its egress policy");
    }

    /** The network namespace of the running container NAME (started again by dockerd after its restart). */
    private static CommandRunner container(DockerFixture docker, String name) throws InterruptedException {
        List<String> pid = new ArrayList<>();
        assertTrue(Eventually.within(10, () -> {
            String running = docker.docker("inspect", "--format", "{{.State.Pid}}", name).stdout().strip();
            pid.clear();
            pid.add(running);
            return !running.isEmpty() && !running.equals("0");
        }), "container " + name + " runs");
        return CommandRunner.atPath("/proc/" + pid.get(0) + "/ns/net");
    }

    private static boolean reaches(CommandRunner from, String address) {
        return from.run("busybox", "ping", "-4", "-c", "1", "-W", "1", address).ok();
    }

    /** w1 (web), w2 (client) and w3 (other) on h1, under the profile open and WEB. */
    private static Snapshot snapshot(DataplaneDriver driver) {
        List<WorkloadEndpoint> all = new ArrayList<>();
        List<String> apps = List.of("web", "client", "other");
        for (int number = 1; number <= 3; number++) {
            all.add(new WorkloadEndpoint("h1", null, "c" + number, "w" + number, "jcw" + number, null,
                    List.of(Cidr.parse("10.65.0." + number + "/32")), List.of(), List.of("open"),
                    null, null, Map.of("app", apps.get(number - 1)), null, null, List.of()));
        }
        return Snapshot.of("h1", FelixConfiguration.DEFAULTS.withDataplaneDriver(driver), all, Map.of("open", OPEN))
                .withPolicy(List.of(), WEB, List.of(), Map.of());
    }
}
