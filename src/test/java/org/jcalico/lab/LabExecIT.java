package org.jcalico.lab;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.jcalico.agent.JvmCommand;
import org.jcalico.testing.Eventually;
import org.jcalico.testing.LabFixture;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/** `jcalico lab exec`: a person's command in a lab host, as they would run it in a shell there. */
@Tag("kernel")
class LabExecIT {
    /**
     * The command is attached: its output shows as it comes and its input is this one's, it runs for as long as it
     * does (no time limit: `lab exec h1 -- jcalico ui` serves until stopped), its exit status is lab exec's, and
     * stopping lab exec stops it with it. Old code: the output came only when the command ended, the command was
     * killed after 60 s with "timed out after 60 s" (no `error:`, exit 124), and a lab exec killed meanwhile left its
     * command running.
     */
    @Test
    void theCommandRunsAttachedUntilItEndsOrLabExecIsStopped() throws Exception {
        try (LabFixture fixture = LabFixture.up("jcle", 1, false)) {
            Process exec = new ProcessBuilder(labExec(fixture, "sh", "-c", "echo started; exec sleep 3017")).start();
            CompletableFuture<String> first = CompletableFuture.supplyAsync(() -> {
                try {
                    return new BufferedReader(new InputStreamReader(exec.getInputStream(), StandardCharsets.UTF_8)).readLine();
                } catch (java.io.IOException e) {
                    return e.toString();
                }
            });
            String line;
            try {
                line = first.get(20, TimeUnit.SECONDS);
            } catch (java.util.concurrent.TimeoutException e) {
                line = "nothing within 20 s";
            }
            boolean sleeping = Eventually.within(5, () -> !sleepers().isEmpty());
            exec.destroy(); // SIGTERM, as `kill` or a service manager sends
            boolean ended = exec.waitFor(20, TimeUnit.SECONDS);
            boolean gone = Eventually.within(5, () -> sleepers().isEmpty());
            sleepers().forEach(ProcessHandle::destroyForcibly);
            assertEquals("started", line, "the command's output as it comes");
            assertTrue(sleeping, "the command runs in the host");
            assertTrue(ended, "lab exec ends when stopped");
            assertTrue(gone, "nothing left running: " + sleepers());

            Process cat = new ProcessBuilder(labExec(fixture, "sh", "-c", "cat; exit 7")).start();
            cat.getOutputStream().write("typed\n".getBytes(StandardCharsets.UTF_8));
            cat.getOutputStream().close();
            assertTrue(cat.waitFor(30, TimeUnit.SECONDS));
            assertEquals("typed\n", new String(cat.getInputStream().readAllBytes(), StandardCharsets.UTF_8), "its input is lab exec's");
            assertEquals(7, cat.exitValue(), "its exit status is lab exec's");
        }
    }

    private static List<String> labExec(LabFixture fixture, String... command) {
        List<String> cli = new ArrayList<>(JvmCommand.jcalico());
        cli.addAll(List.of("lab", "exec", "--name", fixture.layout().name(), "h1", "--"));
        cli.addAll(List.of(command));
        return cli;
    }

    private static List<ProcessHandle> sleepers() {
        return ProcessHandle.allProcesses().filter(process -> process.info().commandLine().orElse("").endsWith("sleep 3017")).toList();
    }
}
