package org.jcalico.agent;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.jcalico.log.Log;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A served command whose arguments make a request over the agent socket's bound (1 MiB) is refused by the agent (413)
 * before anything runs: the launcher runs it here, as it does with no agent. Before, the user read "error: the
 * agent's socket answered HTTP 413 (see its log)", and the log said nothing.
 */
class SocketClientOversizeTest {
    @TempDir Path dir;

    @Test
    void aCommandTooLargeForTheSocketRunsHere() throws Exception {
        AtomicInteger served = new AtomicInteger();
        Path launcher = dir.resolve("launcher");
        Files.writeString(launcher, "#!/bin/sh\necho \"here JCALICO_NO_AGENT=$JCALICO_NO_AGENT args=$#\"\n");
        Files.setPosixFilePermissions(launcher, PosixFilePermissions.fromString("rwx------"));
        Path socket = dir.resolve("run/agent.sock");
        try (ControlServer server = ControlServer.start(socket, Map.of("/v1/run", body -> {
            served.incrementAndGet();
            return "served\0\0000\0".getBytes(StandardCharsets.UTF_8);
        }), Log.open(dir.resolve("felix.log"), false, "info"))) {
            List<String> command = new ArrayList<>(List.of("perl", "src/main/resources/org/jcalico/agent/socket-client.pl",
                    socket.toString(), "/v1/run", "host", launcher.toString(), "0", "container", "label"));
            // ten arguments of 120 KiB (each under the kernel's bound of 128 KiB for one argument): 1.2 MiB
            for (int i = 0; i < 10; i++) {
                command.add("x".repeat(120 * 1024));
            }
            Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
            String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
            assertTrue(process.waitFor(30, TimeUnit.SECONDS));
            assertEquals("here JCALICO_NO_AGENT=1 args=12", output);
            assertEquals(0, process.exitValue());
            assertEquals(0, served.get(), "the agent ran nothing");
        }
    }
}
