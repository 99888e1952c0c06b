package org.jcalico.agent;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import org.jcalico.model.ValidationException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * One start of a node's agent at a time. Two `node start`s 0.3 s apart (by hand on be491ff5, twice, load 9-11): both
 * passed the check that no agent runs, the second's supervisor found the first's and exited, and its start's cleanup
 * stopped the first's agent: both said "error: the agent exited at start (status 143 / 1): error: a supervisor for this
 * node is already running" and no agent ran. Now the second start is refused while the first is under way, and
 * changes nothing (docs/agent.md, "Session 68 (t-hunt)").
 */
class StartHoldTest {
    @TempDir
    Path dir;

    @Test
    void aSecondStartIsRefusedWhileTheFirstIsUnderWayAndChangesNothing() throws Exception {
        AgentPaths paths = AgentPaths.of("h1", dir.resolve("run"), dir.resolve("log"));
        try (StartHold first = new AgentProcess(paths).prepareStart()) {
            Files.writeString(paths.statusFile(), "{\"node\":\"h1\",\"pid\":1,\"state\":\"starting\"}");
            String before = Files.readString(paths.statusFile());
            ValidationException refused = assertThrows(ValidationException.class, () -> new AgentProcess(paths).prepareStart());
            assertTrue(refused.getMessage().startsWith("another start of this node's agent is under way"), refused.getMessage());
            assertTrue(before.equals(Files.readString(paths.statusFile())), "the first start's status left as it was");
        }
        try (StartHold next = new AgentProcess(paths).prepareStart()) {
            assertFalse(next == null, "once the first is done, the next may start");
        }
    }
}
