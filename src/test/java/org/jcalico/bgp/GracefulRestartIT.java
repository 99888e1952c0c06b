package org.jcalico.bgp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.jcalico.kernel.CommandRunner;
import org.jcalico.model.IpAddress;
import org.jcalico.model.ResourceCodec;
import org.jcalico.model.WorkloadEndpoint;
import org.jcalico.testing.ContinuousPing;
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
 * BGP graceful restart between two lab hosts (docs/architecture.md): while one host's BIRD restarts, killed or with
 * its node stopped and started, a workload on the other host pinging one on it every 20 ms loses nothing, and a route
 * withdrawn meanwhile still goes away once the new BIRD is up.
 */
@Tag("kernel")
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class GracefulRestartIT {
    private static final int INTERVAL_MILLIS = 20;
    private static final Map<String, WorkloadEndpoint> ENDPOINTS = new HashMap<>();
    private static LabFixture fixture;

    @BeforeAll
    static void up() {
        fixture = LabFixture.up("jcd4", 2);
        fixture.jc("h1", "pool", "add", "10.74.0.0/16");
        add("red-1", "h1");
        add("red-2", "h2");
        assertTrue(Eventually.within(30, () -> statusOk(1) && statusOk(2)), "BGP sessions up on both hosts");
    }

    @AfterAll
    static void down() {
        if (fixture != null) {
            fixture.close();
        }
    }

    @Test
    @Order(1)
    void birdKilledLosesNoCrossHostPacket() throws Exception {
        String before = birdPid(1);
        ContinuousPing ping = ContinuousPing.start(ns("red-2"), address("red-1"), INTERVAL_MILLIS);
        Thread.sleep(500);
        fixture.in(fixture.layout().host(1), "kill", "-KILL", before).check();
        assertTrue(Eventually.within(30, () -> !before.equals(birdPid(1)) && statusOk(1) && statusOk(2)),
                "the agent restarted BIRD and the session is back: " + fixture.run("h1", "node", "status").stdout());
        Thread.sleep(1500);
        ContinuousPing.Counts counts = ping.stop();
        System.out.println("BIRD " + before + " killed on h1, now " + birdPid(1) + "; ping every " + INTERVAL_MILLIS
                + " ms from h2: " + counts);
        assertEquals(0, counts.lost(), "no ping from h2 to h1 lost while h1's BIRD restarted: " + counts);
    }

    @Test
    @Order(2)
    void nodeStopAndStartLosesNoCrossHostPacketAndDropsWhatWasRemovedMeanwhile() throws Exception {
        // an address of h2's block (the /26 of red-2's address) used on h1: h1 advertises it as a host route, which
        // h2 installs via h1
        String red2 = address("red-2").toString();
        int last = Integer.parseInt(red2.substring(red2.lastIndexOf('.') + 1));
        String borrowed = red2.substring(0, red2.lastIndexOf('.') + 1) + (last / 64 * 64 + 50);
        add("borrow-1", "h1", borrowed);
        String via = "via " + fixture.layout().hostV4(1);
        CommandRunner h2 = CommandRunner.inNamespace(fixture.layout().host(2));
        assertTrue(Eventually.within(10, () -> h2.run("ip", "route", "show", borrowed).stdout().contains(via)),
                "h2 routes the borrowed address to h1: " + h2.run("ip", "route").stdout());

        ContinuousPing ping = ContinuousPing.start(ns("red-2"), address("red-1"), INTERVAL_MILLIS);
        Thread.sleep(500);
        String stopped = fixture.jc("h1", "node", "stop", "--name", fixture.layout().nodeName(1), "--run-dir",
                fixture.layout().runDir().toString());
        assertTrue(stopped.contains("stopped BIRD for a graceful restart"), stopped);
        long stoppedAt = ping.elapsedMillis();
        fixture.jc("h1", "container", "remove", "netns:" + ns("borrow-1"));
        long removedAt = ping.elapsedMillis();
        Thread.sleep(1000);
        assertTrue(h2.run("ip", "route", "show", borrowed).stdout().contains(via),
                "h2 keeps h1's routes (stale) while h1's BIRD is down: " + h2.run("ip", "route").stdout());
        long startAt = ping.elapsedMillis();
        fixture.lab().startAgent(1);
        long startedAt = ping.elapsedMillis();
        assertTrue(Eventually.within(30, () -> statusOk(1) && statusOk(2)),
                "h1's node is back: " + fixture.run("h1", "node", "status").stdout());
        long backAt = ping.elapsedMillis();
        Thread.sleep(1500);
        ContinuousPing.Counts counts = ping.stop();
        System.out.println("node stop + node start on h1: ping every " + INTERVAL_MILLIS + " ms from h2: " + counts
                + "; stopped at " + stoppedAt + " ms, workload removed at " + removedAt + ", node start from " + startAt
                + " to " + startedAt + ", sessions up at " + backAt);
        assertEquals(0, counts.lost(), "no ping from h2 to h1 lost across node stop and node start: " + counts);
        assertTrue(Eventually.within(10, () -> !h2.run("ip", "route", "show", borrowed).stdout().contains(via)),
                "the route of the workload removed while BIRD was down is gone from h2: " + h2.run("ip", "route").stdout());
    }

    private static void add(String workload, String host, String... addresses) {
        String namespace = fixture.lab().workload(workload);
        List<String> args = new java.util.ArrayList<>(List.of("container", "add", "netns:" + namespace, "--profile", "red"));
        args.addAll(List.of(addresses));
        fixture.jc(host, args.toArray(String[]::new));
        for (var resource : ResourceCodec.decodeAll(fixture.jc(host, "container", "list", "-o", "json"))) {
            WorkloadEndpoint endpoint = (WorkloadEndpoint) resource;
            if (endpoint.containerId().equals("netns:" + namespace)) {
                ENDPOINTS.put(workload, endpoint);
                return;
            }
        }
        throw new AssertionError(workload + " not listed");
    }

    private static String ns(String workload) {
        return fixture.layout().workload(workload);
    }

    private static IpAddress address(String workload) {
        return ENDPOINTS.get(workload).nets(4).get(0).network();
    }

    /** `node status` succeeds: agent in sync, BIRD running, every session established. */
    private static boolean statusOk(int host) {
        return fixture.run("h" + host, "node", "status", "--run-dir", fixture.layout().runDir().toString()).ok();
    }

    private static String birdPid(int host) {
        Path file = fixture.layout().runDir().resolve(fixture.layout().nodeName(host)).resolve("bird.pid");
        try {
            return Files.exists(file) ? Files.readString(file).strip() : "";
        } catch (java.io.IOException e) {
            return "";
        }
    }
}
