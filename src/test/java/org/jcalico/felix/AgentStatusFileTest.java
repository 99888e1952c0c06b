package org.jcalico.felix;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AgentStatusFileTest {
    @Test
    void warningsAreAskedAtEveryWriteAndAFileWithoutThemStillReads(@TempDir Path dir) throws Exception {
        AgentStatusFile file = new AgentStatusFile(dir.resolve("status.json"), "h1");
        AtomicReference<String> problem = new AtomicReference<>("cannot serve the health pages on 127.0.0.1:9099");
        file.addWarning(problem::get);
        file.write(AgentStatusFile.State.in_sync, 2, 0, 0, null, 0);
        assertEquals(List.of("cannot serve the health pages on 127.0.0.1:9099"), file.read().warnings());
        assertEquals(AgentStatusFile.State.in_sync, file.read().state(), "a warning is no change of state");
        problem.set(null);
        file.write(AgentStatusFile.State.in_sync, 2, 0, 0, null, 0);
        assertEquals(List.of(), file.read().warnings());
        assertEquals(file.read(), file.last(), "the agent's own copy is what it wrote");
        Files.writeString(dir.resolve("status.json"), "{\"node\":\"h1\",\"pid\":1,\"state\":\"in_sync\",\"programmed\":0,"
                + "\"failed\":0,\"problem\":null,\"updatedAtMillis\":0}");
        assertEquals(List.of(), file.read().warnings(), "as an agent of an earlier release wrote it");
    }

    /**
     * A pass's status built with a listener's old address and written after the configuration closed the listener and
     * refreshed the file must not put the old address back: the next agent of the node would serve where the cluster
     * turned the pages off (AgentRestartIT met it once under load: "no health page where the cluster turned it off").
     */
    @Test
    void aStatusBuiltBeforeAListenerClosedDoesNotLandAfterTheRefreshThatRecordsIt(@TempDir Path dir) throws Exception {
        AgentStatusFile file = new AgentStatusFile(dir.resolve("status.json"), "h1");
        AtomicReference<AgentStatusFile.Served> health = new AtomicReference<>(new AgentStatusFile.Served("127.0.0.1", 9099));
        CountDownLatch building = new CountDownLatch(1);
        CountDownLatch closed = new CountDownLatch(1);
        file.addPage("health", () -> {
            AgentStatusFile.Served now = health.get();
            if (Thread.currentThread().getName().equals("pass")) {
                building.countDown();
                try {
                    // the pass's status is being built with the old address while the listener closes
                    closed.await(2, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
            return now;
        });
        file.write(AgentStatusFile.State.in_sync, 1, 0, 0, null, 0);
        Thread pass = Thread.ofPlatform().name("pass").start(() -> file.write(AgentStatusFile.State.in_sync, 1, 0, 0, null, 0));
        assertTrue(building.await(5, TimeUnit.SECONDS));
        health.set(null);
        Thread refresh = Thread.ofPlatform().name("config").start(file::refresh);
        refresh.join(500);
        closed.countDown();
        pass.join();
        refresh.join();
        assertEquals(Map.of(), file.read().pages(), "the health pages turned off, as the last refresh recorded");
    }

    @Test
    void theStateAloneReadsAsTheWholeStatusDoes(@TempDir Path dir) throws Exception {
        AgentStatusFile file = new AgentStatusFile(dir.resolve("status.json"), "h1");
        assertNull(file.readState(), "no file yet");
        file.addWarning(() -> "a warning, in a list after the state");
        for (AgentStatusFile.State state : AgentStatusFile.State.values()) {
            file.write(state, 3, 0, 1, "a problem {with \"state\": in_sync}", 0);
            assertEquals(file.read().state(), file.readState());
        }
        Files.writeString(dir.resolve("status.json"), "{\"problem\":{\"state\":\"in_sync\"},\"state\":\"starting\"}");
        assertEquals(AgentStatusFile.State.starting, file.readState(), "only the status's own field");
        Files.writeString(dir.resolve("status.json"), "{\"node\":\"h1\",\"sta");
        assertNull(file.readState(), "a file cut short");
    }

    /**
     * `node start` retires an earlier agent's report: it cannot pass for the new agent's (not in sync), but what that
     * agent programmed is what the kernel holds until the new one's first pass, and the new one starts from it.
     */
    @Test
    void anEarlierAgentsReportIsRetiredWithWhatItProgrammed(@TempDir Path dir) throws Exception {
        AgentStatusFile earlier = new AgentStatusFile(dir.resolve("status.json"), "h1");
        earlier.write(AgentStatusFile.State.in_sync, 4, 2, 1, null, 77);
        long syncedAt = earlier.read().syncedAtMillis();
        new AgentStatusFile(dir.resolve("status.json"), "").retire();
        AgentStatusFile.Status retired = earlier.read();
        assertEquals(List.of(AgentStatusFile.State.stopped, 4, 2, 1, syncedAt, 77L),
                List.of(retired.state(), retired.programmed(), retired.isolated(), retired.failed(), retired.syncedAtMillis(),
                        retired.appliedRevision()));
        AgentStatusFile next = new AgentStatusFile(dir.resolve("status.json"), "h1");
        next.writeOutOfSync(AgentStatusFile.State.starting, null);
        assertEquals(List.of(AgentStatusFile.State.starting, 4, 1, syncedAt, 77L),
                List.of(next.read().state(), next.read().programmed(), next.read().failed(), next.read().syncedAtMillis(),
                        next.read().appliedRevision()));
        assertEquals(77, new AgentStatusFile(dir.resolve("status.json"), "h1").appliedRevision(),
                "the revision through which the earlier agent applied every change, for the next agent's start");
        String line = next.read().endpoints(syncedAt + 42_000);
        assertTrue(line.contains("(42 s ago); the kernel keeps enforcing what was programmed then, endpoints: 4 programmed, 2 isolated, 1 failed"), line);

        Files.writeString(dir.resolve("status.json"), "{\"node\":\"h1\",\"pid\":1,\"state\":\"starting\",\"programmed\":0,"
                + "\"failed\":0,\"problem\":null,\"updatedAtMillis\":0}");
        assertEquals("endpoints: none programmed yet", earlier.read().endpoints(0), "as an agent of an earlier release wrote it");
        assertEquals(0, earlier.read().appliedRevision(), "no revision known from an agent of an earlier release");
    }

    /**
     * Where the pages are to be served is recorded at every write and at a refresh (the configuration moved or closed
     * a listener), kept across a retirement and readFor, and gone for a listener turned off: what the next agent
     * serves at before it reads the configuration.
     */
    @Test
    void thePagesAddressesAreRecordedAsTheConfigurationGivesThem(@TempDir Path dir) {
        AgentStatusFile file = new AgentStatusFile(dir.resolve("status.json"), "h1");
        AtomicReference<AgentStatusFile.Served> health = new AtomicReference<>(new AgentStatusFile.Served("127.0.0.1", 9099));
        file.addPage("health", health::get);
        file.addPage("metrics", () -> new AgentStatusFile.Served("::1", 9091));
        file.write(AgentStatusFile.State.in_sync, 1, 0, 0, null, 0);
        assertEquals(java.util.Map.of("health", new AgentStatusFile.Served("127.0.0.1", 9099),
                "metrics", new AgentStatusFile.Served("::1", 9091)), file.read().pages());

        health.set(null);
        file.refresh();
        assertEquals(java.util.Map.of("metrics", new AgentStatusFile.Served("::1", 9091)), file.read().pages(),
                "turned off: no later agent serves it");
        assertEquals(AgentStatusFile.State.in_sync, file.read().state(), "a refresh changes no state");

        new AgentStatusFile(dir.resolve("status.json"), "h1").retire();
        assertEquals(java.util.Map.of("metrics", new AgentStatusFile.Served("::1", 9091)), file.read().pages(), "retired");
        assertEquals(file.read().pages(), file.readFor(4_000_000).pages(), "a new agent's view of the earlier file");
    }
}
