package org.jcalico.kernel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** A tool started by the long-lived shell answers as one the runner starts: its exit status, its error, its input whole. */
class ToolShellTest {
    private static final List<String> ECHO_INPUT_TO_STDERR = List.of("sh", "-c", "echo out; cat >&2; exit 3");

    @Test
    void exitStatusAndErrorAreTheToolsWhateverItsInputOrOutputLooksLike() {
        ToolShell shell = CommandRunner.local().shell();
        // lines that look like the shell's own markers are the tool's, an argument with a quote stays one argument
        String input = "a 'quoted' $HOME `x` \\\n@jcalico-input\n@jcalico-exit 0\n";
        CommandRunner.Result result = shell.run(ECHO_INPUT_TO_STDERR, input);
        assertEquals(3, result.exitCode());
        assertEquals(input.strip(), result.stderr().strip(), "stdout is not kept, stderr is the input as given");
        assertEquals(0, shell.run(List.of("sh", "-c", "printf \"%s\" \"$1\" >&2", "-", "it's"), "").exitCode());
        assertEquals("it's", shell.run(List.of("sh", "-c", "printf \"%s\" \"$1\" >&2; exit 1", "-", "it's"), "").stderr().strip());
        // more input than the shell takes goes to a process of its own, with the same answer
        String large = "x".repeat(ToolShell.MAX_INPUT) + "\n";
        CommandRunner.Result big = shell.run(List.of("sh", "-c", "wc -c >&2; exit 4"), large);
        assertEquals(4, big.exitCode());
        assertEquals(String.valueOf(large.length()), big.stderr().strip());
    }

    @Test
    void aShellStartedWithAnEnvironmentGivesItToEveryToolItStarts() {
        ToolShell shell = CommandRunner.local().shell(List.of("env", "JCALICO_SHELL_TEST=it's set", "sh"));
        try {
            for (int i = 0; i < 2; i++) {
                assertEquals("it's set", shell.run(List.of("sh", "-c", "printf %s \"$JCALICO_SHELL_TEST\" >&2"), "").stderr());
            }
        } finally {
            shell.end();
        }
    }

    @Test
    void aControlCharacterInTheInputIsRefusedAndNothingRuns() throws Exception {
        ToolShell shell = CommandRunner.local().shell();
        Path ran = Files.createTempFile("jcalico-toolshell", "");
        Files.delete(ran);
        // a carriage return or escape in an input line never reaches a tool, through the shell as through the runner
        for (String input : List.of("a\rb\n", "a\u001b[2Jb\n")) {
            assertThrows(KernelException.class, () -> shell.run(List.of("sh", "-c", "touch \"$1\"", "-", ran.toString()), input));
        }
        assertFalse(Files.exists(ran), "the tool did not run");
    }

    @Test
    void aShellThatEndsBeforeItAnswersIsNoAnswer() {
        ToolShell shell = CommandRunner.local().shell();
        assertThrows(ToolSession.Ended.class, () -> shell.run(List.of("sh", "-c", "kill -9 $PPID"), ""));
        assertEquals(0, shell.run(List.of("true"), "").exitCode(), "the next run has a fresh shell");
    }

    /**
     * A tool that hangs under the shell (an iptables-restore waiting for the xtables lock) is stopped with the shell at
     * the timeout. It held the shell's output open, and the caller (the agent's loop) waited for as long as it lived.
     */
    @Test
    void aToolHungUnderTheShellIsStoppedWithItAtTheTimeout() throws Exception {
        ToolShell shell = CommandRunner.local().withTimeout(2).shell();
        Path pidFile = Files.createTempFile("jcalico-hung", ".pid");
        try {
            ToolSession.Ended ended = assertTimeoutPreemptively(Duration.ofSeconds(10), () -> assertThrows(ToolSession.Ended.class,
                    () -> shell.run(List.of("sh", "-c", "echo $$ > \"$1\"; exec sleep 30", "-", pidFile.toString()), "")));
            assertTrue(ended.getMessage().contains("did not answer within 2 s"), ended.getMessage());
            long pid = Long.parseLong(Files.readString(pidFile).strip());
            Optional<ProcessHandle> tool = ProcessHandle.of(pid);
            tool.ifPresent(handle -> handle.onExit().orTimeout(5, TimeUnit.SECONDS).join());
        } finally {
            Files.delete(pidFile);
        }
    }
}

