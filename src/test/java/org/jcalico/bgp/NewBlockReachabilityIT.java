package org.jcalico.bgp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.function.Supplier;
import org.jcalico.kernel.CommandRunner;
import org.jcalico.lab.Probe;
import org.jcalico.model.IpAddress;
import org.jcalico.testing.Eventually;
import org.jcalico.testing.LabFixture;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * Issue #11's promise for the first container of a new IPAM block: reachable from the other hosts the moment
 * `container add` returns, which needs the block's route advertised over BGP by then, not just the local kernel
 * programmed. Two lab hosts with real BIRDs; every add is the first of its block (/30 blocks, one address each). Every
 * other add is made while h1's BIRD is slower than its agent (stopped for a second, as a loaded machine may hold it),
 * so that whether the command waits for BGP does not rest on which of the two wins a race.
 */
@Tag("kernel")
class NewBlockReachabilityIT {
    private static final int ADDS = 16;
    /** Well within the agent's bound on the wait for BGP (AdvertisementWait.WAIT_MILLIS), well above an add's time. */
    private static final long BIRD_STOPPED_MILLIS = 1000;
    /** Well above that bound, and an add's time on a loaded machine. */
    private static final long BIRD_BEHIND_MILLIS = 5000;

    @Test
    void everyNewBlocksFirstAddIsReachableFromTheOtherHostWhenTheCommandReturns() throws Exception {
        try (LabFixture fixture = LabFixture.up("jcnb", 2)) {
            fixture.jc("h1", "pool", "add", "10.71.0.0/24", "--block-size", "30");
            // h2's own workload takes the pool's first block; h1's adds below take blocks from .80 on
            fixture.addWorkload("h2", "far", "nb");
            String far = fixture.layout().workload("far");
            String runDir = fixture.layout().runDir().toString();
            assertTrue(Eventually.within(60, () -> fixture.run("h1", "node", "status", "--run-dir", runDir).ok()
                    && fixture.run("h2", "node", "status", "--run-dir", runDir).ok()), "BGP sessions up");
            CommandRunner h2 = CommandRunner.inNamespace(fixture.layout().host(2));
            // as a user runs it: through the launcher, which hands it to h1's agent
            String launcher = Path.of("jcalico").toAbsolutePath().toString();
            List<String> late = new ArrayList<>();
            Path birdPid = fixture.layout().runDir().resolve("h1").resolve("bird.pid");
            for (int i = 0; i < ADDS; i++) {
                IpAddress address = IpAddress.parse("10.71.0." + (80 + 4 * i + 1));
                String block = "10.71.0." + (80 + 4 * i) + "/30";
                String workload = fixture.lab().workload("w" + i);
                // the add, and at once when it returns, on the other host: a single ping answers, and its kernel routes
                // the block to h1 (the agent waits until h1's BIRD has written the update to its session with h2;
                // h2's BIRD then takes it in its next round, which the ping's start leaves it)
                Supplier<String> addAndCheck = () -> {
                    CommandRunner.Result added = fixture.lab().exec("h1", List.of(launcher, "container", "add",
                            "netns:" + workload, address.toString(), "--profile", "nb"));
                    assertEquals(0, added.exitCode(), "container add " + address + ": " + added.stderr() + added.stdout());
                    // the agent saw BIRD export the block, rather than giving up waiting for it
                    assertFalse(added.stdout().contains("warning:"), "container add " + address + ": " + added.stdout());
                    boolean answered = Probe.ping(far, address).succeeds();
                    String route = h2.run("ip", "-4", "route", "show", block).stdout().strip();
                    return route.contains("via " + fixture.layout().hostV4(1)) && answered ? null
                            : address + " (h2's route: '" + route + "', ping answered: " + answered + ")";
                };
                String problem;
                if (i % 2 == 1) {
                    long bird = Long.parseLong(Files.readString(birdPid).strip());
                    CommandRunner.local().run("kill", "-STOP", Long.toString(bird)).check();
                    CompletableFuture<String> checked;
                    try {
                        checked = CompletableFuture.supplyAsync(addAndCheck);
                        Thread.sleep(BIRD_STOPPED_MILLIS);
                    } finally {
                        CommandRunner.local().run("kill", "-CONT", Long.toString(bird)).check();
                    }
                    problem = checked.join();
                    problem = problem == null ? null : problem + " [h1's BIRD stopped for the add's first second]";
                } else {
                    problem = addAndCheck.get();
                }
                if (problem != null) {
                    late.add(problem);
                }
            }
            assertTrue(late.isEmpty(), late.size() + " of " + ADDS + " new blocks' first containers were not reachable"
                    + " from h2 when 'container add' returned: " + late);

            // a BIRD that stays behind longer than the agent waits for it holds the add back no longer than that, and
            // the command says what the other hosts cannot reach yet; once BIRD is back, the report says nothing more
            IpAddress slow = IpAddress.parse("10.71.0.201");
            long bird = Long.parseLong(Files.readString(birdPid).strip());
            CommandRunner.local().run("kill", "-STOP", Long.toString(bird)).check();
            try {
                long start = System.nanoTime();
                CommandRunner.Result added = fixture.lab().exec("h1", List.of(launcher, "container", "add",
                        "netns:" + fixture.lab().workload("slow"), slow.toString(), "--profile", "nb"));
                long took = (System.nanoTime() - start) / 1_000_000;
                assertEquals(0, added.exitCode(), added.stderr() + added.stdout());
                assertTrue(added.stdout().contains("warning: programmed here, but BGP does not yet advertise 10.71.0.200/30"
                        + " to the other hosts"), added.stdout());
                assertTrue(took < BIRD_BEHIND_MILLIS, "the add returned while BIRD was still stopped: " + took + " ms");
            } finally {
                CommandRunner.local().run("kill", "-CONT", Long.toString(bird)).check();
            }
            assertTrue(Eventually.within(10, () -> !fixture.jc("h1", "container", "list").contains("not yet advertise")),
                    "once BIRD exports the block, the report says nothing more: " + fixture.jc("h1", "container", "list"));
            assertTrue(Probe.ping(far, slow).succeeds(), "and h2 reaches the container");
        }
    }
}
