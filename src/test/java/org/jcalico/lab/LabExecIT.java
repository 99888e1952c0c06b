package org.jcalico.lab;

import static org.junit.jupiter.api.Assertions.assertAll;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.jcalico.agent.AgentPaths;
import org.jcalico.agent.JvmCommand;
import org.jcalico.testing.Eventually;
import org.jcalico.testing.LabFixture;
import org.jcalico.testing.TestNamespaces;
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

    /**
     * A lab's logs are its own run's, and an agent started in a lab host by `lab exec` logs there too. Old code: the
     * log directory an earlier lab of the name left stayed, so a test waiting for a line of a host's felix.log could
     * meet that run's (CompilerPriorityIT did in session 48's CI run), and `lab exec h1 -- jcalico node start` logged
     * to /var/log/jcalico/h1, beside every other lab's h1, not to the lab's directory. And a test's lab, closed, leaves
     * neither (session 67: every test's lab left its logs in /var/log/jcalico for good).
     */
    @Test
    void aLabsLogsAreItsOwnRunsAndItsHostsAgentsLogThere() throws Exception {
        org.jcalico.lab.LabLayout layout = new org.jcalico.lab.LabLayout(TestNamespaces.lab("jcll"), 1);
        Path felixLog = AgentPaths.of(layout.nodeName(1), layout.runDir(), layout.logDir()).log();
        Path previous = layout.previousLogDir();
        Files.createDirectories(felixLog.getParent());
        Files.writeString(felixLog, "an earlier run's line\n");
        try (LabFixture fixture = LabFixture.up("jcll", 1, false)) {
            String afterUp = Files.readString(felixLog);
            assertAll(() -> assertTrue(!afterUp.contains("an earlier run's line"),
                            "the lab's felix.log is this run's: " + afterUp.lines().limit(3).toList()),
                    () -> assertTrue(Files.readString(previous.resolve(layout.nodeName(1)).resolve("felix.log")).contains("an earlier run's line"),
                            "the earlier run's is kept aside"));
            assertTrue(outputOf(fixture, "node", "stop").startsWith("stopped the agent for node h1"));
            long before = felixLog.toFile().length();
            String started = outputOf(fixture, "node", "start");
            assertTrue(started.strip().endsWith("log: " + felixLog), started);
            assertTrue(Eventually.within(30, () -> felixLog.toFile().length() > before), "the agent started by lab exec logs there");
        }
        // a test's lab leaves no logs behind, neither its run's nor the earlier run's (LabFixture.close)
        assertFalse(Files.exists(layout.logDir()) || Files.exists(previous), "the lab's logs are gone with it: "
                + layout.logDir() + " " + Files.exists(layout.logDir()) + ", " + previous + " " + Files.exists(previous));
    }

    /** What `lab exec h1 -- jcalico ARGS` printed to its standard output (and error, after it). */
    private static String outputOf(LabFixture fixture, String... args) throws Exception {
        List<String> command = new ArrayList<>(JvmCommand.jcalico());
        command.addAll(List.of(args));
        Process process = new ProcessBuilder(labExec(fixture, command.toArray(String[]::new))).redirectErrorStream(true).start();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(process.waitFor(60, TimeUnit.SECONDS), output);
        return output;
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
