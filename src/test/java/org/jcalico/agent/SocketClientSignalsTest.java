package org.jcalico.agent;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The socket client ignores SIGPIPE for its own writes; the launcher it runs again when the command is to run here
 * (no agent listening) must not inherit that: ignored there, a command piped into `head` met "Broken pipe" errors in
 * every tool the launcher started instead of ending quietly, as it does when run without an agent.
 */
class SocketClientSignalsTest {
    private static final long SIGPIPE_BIT = 1L << (13 - 1);

    @Test
    void theLauncherRunAgainHereGetsSigpipeAsItWas() throws Exception {
        Path dir = Files.createTempDirectory("jcalico-socket-client");
        Path launcher = dir.resolve("launcher");
        try {
            Files.writeString(launcher, "#!/bin/sh\ngrep '^SigIgn:' /proc/self/status\n");
            Files.setPosixFilePermissions(launcher, PosixFilePermissions.fromString("rwx------"));
            Path client = Path.of("src/main/resources/org/jcalico/agent/socket-client.pl");
            // nobody listens at the socket: the client runs the launcher again, here
            Process process = new ProcessBuilder("perl", client.toString(), dir.resolve("agent.sock").toString(), "/v1/run",
                    "host", launcher.toString(), "0", "container", "list").redirectErrorStream(true).start();
            String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
            assertTrue(process.waitFor(30, TimeUnit.SECONDS));
            assertTrue(output.startsWith("SigIgn:"), output);
            long ignored = Long.parseLong(output.substring("SigIgn:".length()).strip(), 16);
            assertEquals(0, ignored & SIGPIPE_BIT, "SIGPIPE ignored in the launcher run again: " + output);
        } finally {
            Files.deleteIfExists(launcher);
            Files.delete(dir);
        }
    }
}
