package org.jcalico.agent;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.jcalico.felix.AgentStatusFile;
import org.jcalico.log.Log;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The supervisor's restart of a dead agent against its stop. */
class SupervisorTest {
    @TempDir
    Path dir;

    /**
     * `node stop` (the supervisor's SIGTERM) while the supervisor starts the next agent after one died: the stop is
     * made to come exactly then, from inside the second agent's start, on a thread of its own, and the start goes on
     * only once that stop has returned or waits for it. The JVM halts when its shutdown hook (the stop) returns, so an
     * agent still alive then runs on with no supervisor: the next `node start` found it ("an agent for this node is
     * already running"). Fails without session 40's lock (dd1bf0e8): the stop ended the dead agent and returned
     * before the second one started.
     */
    @Test
    void aStopDuringTheRestartOfADeadAgentLeavesNoAgentRunning() throws Exception {
        Path statusPath = dir.resolve("status.json");
        Files.writeString(statusPath, "{\"state\":\"in_sync\"}");
        List<Runnable> stops = new CopyOnWriteArrayList<>();
        List<Process> agents = new CopyOnWriteArrayList<>();
        CompletableFuture<Void> stopped = new CompletableFuture<>();
        CompletableFuture<Process> second = new CompletableFuture<>();
        Supervisor.AgentStarter starter = () -> {
            if (agents.isEmpty()) {
                agents.add(new InSyncThenKilled());
                return agents.getLast();
            }
            Thread stop = Thread.ofPlatform().start(() -> {
                stops.getFirst().run();
                stopped.complete(null);
            });
            while (stop.getState() != Thread.State.BLOCKED && stop.getState() != Thread.State.TERMINATED) {
                Thread.onSpinWait();
            }
            agents.add(new ProcessBuilder("sleep", "600").start());
            second.complete(agents.getLast());
            return agents.getLast();
        };
        CompletableFuture<Integer> supervised = CompletableFuture.supplyAsync(() -> Supervisor.supervise(
                Log.open(dir.resolve("supervisor.log"), false, "info"), new AgentStatusFile(statusPath, "n1"), starter, stops::add));
        try {
            Process restarted = second.get(60, TimeUnit.SECONDS);
            stopped.get(60, TimeUnit.SECONDS);
            assertFalse(restarted.isAlive(), "no agent is left running once the stop returns");
            assertEquals(0, supervised.get(30, TimeUnit.SECONDS), "and the supervisor ends");
        } finally {
            agents.forEach(Process::destroyForcibly);
        }
        assertTrue(Files.readString(dir.resolve("supervisor.log")).contains("restarting it in"), "it restarted the first");
    }

    /** An agent that is running (the status file says in sync) at the supervisor's first look, and killed -9 after it. */
    private static final class InSyncThenKilled extends Process {
        private int waits;

        @Override
        public synchronized boolean waitFor(long timeout, TimeUnit unit) {
            return ++waits > 1;
        }

        @Override
        public synchronized int waitFor() {
            waits++;
            return exitValue();
        }

        @Override
        public synchronized int exitValue() {
            if (waits <= 1) {
                throw new IllegalThreadStateException("running");
            }
            return 137;
        }

        @Override
        public void destroy() {
            // killed already
        }

        @Override
        public long pid() {
            return 0;
        }

        @Override
        public OutputStream getOutputStream() {
            return OutputStream.nullOutputStream();
        }

        @Override
        public InputStream getInputStream() {
            return InputStream.nullInputStream();
        }

        @Override
        public InputStream getErrorStream() {
            return InputStream.nullInputStream();
        }
    }
}
