package org.jcalico.agent;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import org.jcalico.log.Log;
import org.jcalico.model.ValidationException;
import org.jcalico.testing.Unprivileged;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * An agent whose log root (`node start --log-dir`) is a sticky, world-writable directory, as /tmp is, where a local
 * user (nobody, through setpriv) made the node's log directory first and put in it a felix.log that is a link to a
 * file of root's: the agent, root, must not append its log to that file, nor start as if nothing were wrong.
 */
class AgentLogDirectoryTest {
    @TempDir Path dir;

    @Test
    void anAgentWhoseLogDirectoryIsSomeoneElsesRefusesToStartAndWritesNothingThrough() throws Exception {
        Path logRoot = Unprivileged.sharedDirectory(dir, "log");
        Path victim = Files.writeString(dir.resolve("shadow"), "");
        assertEquals(0, Unprivileged.run("mkdir", logRoot.resolve("h1").toString()).exitCode());
        Unprivileged.link(victim, logRoot.resolve("h1/felix.log"));
        AgentPaths paths = AgentPaths.of("h1", dir.resolve("run"), logRoot);

        ValidationException refused = assertThrows(ValidationException.class, () -> {
            // as AgentRuntime.run begins
            new AgentProcess(paths).claim();
            Log.open(paths.log(), false, "info").info("the agent starts");
        });
        assertTrue(refused.getMessage().contains(logRoot.resolve("h1").toString()), refused.getMessage());
        assertEquals("", Files.readString(victim), "nothing appended to the file the link names");
        assertThrows(ValidationException.class, () -> new AgentProcess(paths).prepareStart(), "nor prepared for a start");
    }

    /** Root's own log directory is taken, closed to other users (session 66, t-ui: the denied flows are in it). */
    @Test
    void rootsOwnLogDirectoryIsTakenAndClosedToOtherUsers() throws Exception {
        AgentPaths paths = AgentPaths.of("h1", dir.resolve("run"), dir.resolve("log"));
        new AgentProcess(paths).prepareStart().close();
        new AgentProcess(paths).claim();
        assertEquals("rwxr-x---", PosixFilePermissions.toString(Files.getPosixFilePermissions(paths.logDir())));
    }

    /**
     * What an older jcalico left open in the log directory (agent.out, bird.log, ulogd.log 0644; felix.log before
     * session 66; their rotated files) is closed at the next start, the group's read kept; a link there is not
     * followed to close the file it names.
     */
    @Test
    void filesAnOlderVersionLeftOpenAreClosedAtStart() throws Exception {
        AgentPaths paths = AgentPaths.of("h1", dir.resolve("run"), dir.resolve("log"));
        Files.createDirectories(paths.logDir());
        List<String> names = List.of("agent.out", "bird.log", "bird.log.1", "ulogd.log", "felix.log", "felix.log.2",
                "felix.log.lock", "cni.log", "denied-flows.jsonl", "denied-flows.jsonl.1");
        for (String name : names) {
            Files.setPosixFilePermissions(Files.writeString(paths.logDir().resolve(name), name),
                    PosixFilePermissions.fromString("rw-r--r--"));
        }
        Path elsewhere = Files.writeString(dir.resolve("elsewhere"), "");
        Files.setPosixFilePermissions(elsewhere, PosixFilePermissions.fromString("rw-r--r--"));
        Files.createSymbolicLink(paths.logDir().resolve("link"), elsewhere);

        new AgentProcess(paths).prepareStart().close();
        for (String name : names) {
            assertEquals("rw-r-----", PosixFilePermissions.toString(Files.getPosixFilePermissions(
                    paths.logDir().resolve(name))), name);
        }
        assertEquals("rw-r--r--", PosixFilePermissions.toString(Files.getPosixFilePermissions(elsewhere)),
                "the file a link names");
    }
}
