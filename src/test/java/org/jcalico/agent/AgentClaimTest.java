package org.jcalico.agent;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.concurrent.TimeUnit;
import org.jcalico.model.ValidationException;
import org.jcalico.testing.JavaProcess;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A claim of the node's agent (or supervisor) checked that no pid file names a live one, then wrote its own: two
 * claims a moment apart (a supervisor's restart and an agent run by hand, or two by hand) both passed the check, and
 * two agents ran. The claim now holds a lock for its process's life, taken before the check. Held here by another
 * process, as a claim that has checked and not yet written its pid file holds it, the second claim must fail and
 * write nothing, whatever the timing.
 */
class AgentClaimTest {
    @TempDir Path dir;

    @Test
    void aClaimThatAnotherProcessHoldsRefusesASecondAndWritesNothing() throws Exception {
        AgentPaths paths = AgentPaths.of("h1", dir.resolve("run"), dir.resolve("log"));
        Files.createDirectories(paths.runDir());
        Process holder = JavaProcess.builder(Holder.class, paths.runDir().resolve("agent.lock").toString()).start();
        try {
            assertEquals("held", holder.inputReader().readLine());
            ValidationException refused = assertThrows(ValidationException.class, () -> new AgentProcess(paths).claim());
            assertTrue(refused.getMessage().startsWith("an agent for this node is already running"), refused.getMessage());
            assertFalse(Files.exists(paths.pidFile()), "a pid file written by the refused claim");
        } finally {
            holder.getOutputStream().close();
            assertTrue(holder.waitFor(30, TimeUnit.SECONDS));
        }
        new AgentProcess(paths).claim();
        assertEquals(String.valueOf(ProcessHandle.current().pid()), Files.readString(paths.pidFile()).split("\\s+")[0],
                "once the holder is gone, the claim goes through");
    }

    /** Holds the lock on the file named until its standard input ends. */
    public static final class Holder {
        public static void main(String[] args) throws IOException {
            try (FileChannel channel = FileChannel.open(Path.of(args[0]), StandardOpenOption.CREATE, StandardOpenOption.WRITE)) {
                channel.lock();
                System.out.println("held");
                System.out.flush();
                System.in.readAllBytes();
            }
        }
    }
}
