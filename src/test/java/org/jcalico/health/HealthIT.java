package org.jcalico.health;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.jcalico.kernel.CommandRunner;
import org.jcalico.kernel.Namespaces;
import org.jcalico.testing.Eventually;
import org.jcalico.testing.LabFixture;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * One two-host lab with real BIRD for a node's health, logs and checksystem: h1's /readiness (and `node status`,
 * which must say the same) turns not ready when its BIRD is killed and when its peer h2 goes down, and ready again
 * when they are back; the health listener follows FelixConfiguration; the log level changes without a restart;
 * `node checksystem` passes on a lab host and fails, changing nothing, in a bare namespace set up to fail.
 */
@Tag("kernel")
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class HealthIT {
    private static LabFixture fixture;

    @BeforeAll
    static void up() {
        fixture = LabFixture.up("jch1", 2);
        assertTrue(Eventually.within(30, () -> ready(1) && ready(2)), "both hosts ready: " + page(1, 9099, "/readiness"));
    }

    @AfterAll
    static void down() {
        if (fixture != null) {
            fixture.close();
        }
    }

    private static LabFixture.Page page(int index, int port, String path) {
        return fixture.page(index, port, path);
    }

    private static boolean ready(int index) {
        return page(index, 9099, "/readiness").code() == 200;
    }

    private static CommandRunner.Result status(int index) {
        return fixture.run("h" + index, "node", "status");
    }

    private static Path felixLog(int index) {
        return fixture.layout().logDir().resolve(fixture.layout().nodeName(index)).resolve("felix.log");
    }

    @Test
    @Order(1)
    void readyWithEveryConditionAndLiveAndNodeStatusAgrees() {
        LabFixture.Page readiness = page(1, 9099, "/readiness");
        assertEquals(200, readiness.code(), readiness.body());
        for (String condition : List.of("datastore", "apply", "bird", "bgp")) {
            assertTrue(readiness.body().contains("{\"name\":\"" + condition + "\",\"ok\":true"), readiness.body());
        }
        assertTrue(readiness.body().contains(fixture.layout().hostV4(2).toString()) || readiness.body().contains("sessions established"),
                readiness.body());
        LabFixture.Page liveness = page(1, 9099, "/liveness");
        assertEquals(200, liveness.code(), liveness.body());
        CommandRunner.Result status = status(1);
        assertEquals(0, status.exitCode(), status.stdout());
        assertTrue(status.stdout().contains("readiness: ready"), status.stdout());
    }

    @Test
    @Order(2)
    void killedBirdMakesTheNodeNotReadyUntilTheAgentRestartsItAndItsSessionIsBack() throws IOException {
        Path pidFile = fixture.layout().runDir().resolve(fixture.layout().nodeName(1)).resolve("bird.pid");
        String pid = Files.readString(pidFile).strip();
        CommandRunner.local().run("kill", "-9", pid).check();
        assertTrue(Eventually.within(10, () -> page(1, 9099, "/readiness").code() == 503), "not ready once BIRD is killed");
        LabFixture.Page notReady = page(1, 9099, "/readiness");
        assertTrue(notReady.body().contains("\"ok\":false"), notReady.body());
        assertTrue(Eventually.within(45, () -> ready(1)), "ready again: " + page(1, 9099, "/readiness").body());
        assertEquals(0, status(1).exitCode(), status(1).stdout());
    }

    @Test
    @Order(3)
    void aPeerThatGoesDownMakesTheNodeNotReadyNamingThePeerUntilItIsBack() {
        fixture.jc("h2", "node", "stop");
        String peer = fixture.layout().hostV4(2).toString();
        assertTrue(Eventually.within(15, () -> page(1, 9099, "/readiness").code() == 503), "not ready without h2");
        LabFixture.Page notReady = page(1, 9099, "/readiness");
        assertTrue(notReady.body().contains("{\"name\":\"bgp\",\"ok\":false") && notReady.body().contains(peer), notReady.body());
        assertTrue(notReady.body().contains("{\"name\":\"bird\",\"ok\":true"), "h1's own BIRD is fine: " + notReady.body());
        CommandRunner.Result status = status(1);
        assertEquals(1, status.exitCode(), status.stdout());
        assertTrue(status.stdout().contains("readiness: not ready") && status.stdout().contains(peer), status.stdout());
        fixture.lab().startAgent(2);
        assertTrue(Eventually.within(45, () -> ready(1) && ready(2)), "ready again: " + page(1, 9099, "/readiness").body());
    }

    @Test
    @Order(4)
    void theLogLevelFollowsFelixConfigurationWithoutARestart() {
        // the lab's log directory outlives the lab: this agent's lines are those since it started
        String agentStarted = "agent for node " + fixture.layout().nodeName(1) + " starting";
        assertFalse(after(read(felixLog(1)), agentStarted).contains(" DEBUG "), "info by default");
        apply("Debug");
        assertTrue(Eventually.within(10, () -> after(read(felixLog(1)), agentStarted).contains(" DEBUG ")), "debug lines appear");
        assertTrue(after(read(felixLog(1)), agentStarted).contains("log level changed from=info to=debug"), read(felixLog(1)));
        apply("Info");
        assertTrue(Eventually.within(10, () -> after(read(felixLog(1)), agentStarted).contains("log level changed from=debug to=info")));
        // a change the agent handles (its batch and pass are logged at debug) shows that the debug lines are gone
        fixture.apply("h1", LabFixture.globalConfiguration("resyncIntervalSeconds: 11\n"));
        sleepSeconds(2);
        String tail = after(read(felixLog(1)), "log level changed from=debug to=info");
        assertFalse(tail.contains(" DEBUG "), "no debug line after the change back: " + tail);
    }

    @Test
    @Order(5)
    void theHealthListenerMovesWithItsPortAndStopsWhenDisabled() throws InterruptedException, IOException {
        String own = "kind: FelixConfiguration\nname: node." + fixture.layout().nodeName(1) + "\n";
        fixture.apply("h1", own + "healthPort: 9199\n");
        assertTrue(Eventually.within(10, () -> page(1, 9199, "/readiness").code() == 200), "served on the new port");
        assertEquals(0, page(1, 9099, "/readiness").code(), "and no longer on the old one");
        assertEquals(200, page(2, 9099, "/readiness").code(), "h2 keeps the global port");
        Process squatter = new ProcessBuilder(CommandRunner.inNamespace(fixture.layout().host(1))
                .command(List.of("busybox", "nc", "-l", "-p", "9299"))).start();
        try {
            assertTrue(Eventually.within(5, () -> fixture.in(fixture.layout().host(1), "ss", "-Hltn", "sport = :9299").stdout()
                    .contains(":9299")));
            fixture.apply("h1", own + "healthPort: 9299\n");
            String warning = "warning: cannot serve the health pages on 127.0.0.1:9299";
            assertTrue(Eventually.within(10, () -> status(1).stdout().contains(warning)), "a port taken is shown: " + status(1).stdout());
            assertEquals(0, status(1).exitCode(), "and costs the node nothing else: " + status(1).stdout());
        } finally {
            squatter.destroyForcibly().waitFor();
        }
        fixture.apply("h1", own + "healthEnabled: false\n");
        assertTrue(Eventually.within(10, () -> page(1, 9199, "/readiness").code() == 0 && !status(1).stdout().contains("warning:")),
                "not served when disabled, and no warning left: " + status(1).stdout());
    }

    @Test
    @Order(6)
    void checksystemPassesOnALabHostWhoseBirdHoldsTheBgpPort() {
        CommandRunner.Result result = fixture.run("h1", "node", "checksystem");
        assertEquals(0, result.exitCode(), result.stdout() + result.stderr());
        assertTrue(result.stdout().contains("held by this node's BIRD"), result.stdout());
        assertFalse(result.stdout().contains("FAIL"), result.stdout());
    }

    @Test
    @Order(7)
    void checksystemFailsWithoutForwardingBehindABlanketDropAndWithThePortTakenAndChangesNothing() throws Exception {
        String bare = fixture.layout().prefix() + "bare";
        Namespaces.create(bare);
        Process squatter = null;
        try {
            CommandRunner host = CommandRunner.inNamespace(bare);
            host.run("ip", "link", "set", "lo", "up").check();
            for (String rule : List.of("-N jc-FORWARD", "-A FORWARD -j DROP", "-A FORWARD -j jc-FORWARD")) {
                host.run(("iptables " + rule).split(" ")).check();
            }
            squatter = new ProcessBuilder(host.command(List.of("busybox", "nc", "-l", "-p", "179"))).start();
            assertTrue(Eventually.within(5, () -> host.run("ss", "-Hltn", "sport = :179").stdout().contains(":179")));
            java.util.function.Supplier<String> state = () -> host.run("iptables-save").stdout().replaceAll("(?m)^#.*\n", "")
                    + host.run("ipset", "list").stdout() + host.run("ip", "-d", "link").stdout();
            String before = state.get();
            List<String> command = new java.util.ArrayList<>(List.of("env", "JCALICO_NODENAME=bare",
                    "JCALICO_RUN_DIR=" + fixture.layout().runDir()));
            command.addAll(org.jcalico.agent.JvmCommand.jcalico());
            command.addAll(List.of("node", "checksystem"));
            CommandRunner.Result result = host.run(command);
            assertEquals(1, result.exitCode(), result.stdout() + result.stderr());
            List<String> failed = result.stdout().lines().filter(line -> line.startsWith("FAIL")).toList();
            assertEquals(3, failed.size(), result.stdout());
            assertTrue(failed.get(0).contains("net.ipv4.ip_forward") && failed.get(0).contains("fix: sysctl -w"), result.stdout());
            assertTrue(failed.get(1).contains("iptables FORWARD") && failed.get(1).contains("ahead of jcalico"), result.stdout());
            assertTrue(failed.get(2).contains("BGP port 179") && failed.get(2).contains("busybox"), result.stdout());
            assertTrue(result.stdout().lines().anyMatch(line -> line.startsWith("OK") && line.contains("kernel NFLOG")), result.stdout());
            assertEquals(before, state.get(), "checksystem changed nothing");
            assertEquals("0", host.run("sysctl", "-n", "net.ipv4.ip_forward").stdout().strip());
        } finally {
            if (squatter != null) {
                squatter.destroyForcibly().waitFor();
            }
            Namespaces.delete(bare);
        }
    }

    private static void apply(String level) {
        fixture.apply("h1", "apiVersion: projectcalico.org/v3\nkind: FelixConfiguration\nmetadata:\n  name: default\nspec:\n"
                + "  logSeverityScreen: " + level + "\n");
    }

    private static String read(Path file) {
        try {
            return Files.readString(file);
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    private static String after(String text, String marker) {
        int at = text.lastIndexOf(marker);
        return at < 0 ? "" : text.substring(at);
    }

    private static void sleepSeconds(int seconds) {
        try {
            Thread.sleep(seconds * 1000L);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
