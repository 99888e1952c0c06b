package org.jcalico.kernel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * A tool the agent runs cannot stall it or fill its heap: a process the tool left behind holding its output, a tool
 * that neither reads its input nor exits, a tool printing without end. Each runs in the caller's own namespace and
 * changes nothing in the kernel. Without the bounds each of them held its caller far past the assertion's limit (the
 * first for the leftover's 30 s, the second until the leftover sleep's end, the third until the heap was full).
 */
class CommandRunnerTest {
    @Test
    void aProcessTheToolLeftBehindHoldingItsOutputDoesNotHoldTheCaller() throws Exception {
        Path pidFile = Files.createTempFile("jcalico-leftover", ".pid");
        try {
            // the sleeper inherits the tool's standard output and error, and keeps them open after the tool has exited
            CommandRunner.Result result = assertTimeoutPreemptively(Duration.ofSeconds(10), () -> CommandRunner.local()
                    .run("sh", "-c", "sleep 30 & echo $! > \"$1\"; echo done", "-", pidFile.toString()));
            assertTrue(result.ok(), result.describe());
            assertEquals("done\n", result.stdout());
        } finally {
            String pid = Files.readString(pidFile).strip();
            if (!pid.isEmpty()) {
                ProcessHandle.of(Long.parseLong(pid)).ifPresent(ProcessHandle::destroyForcibly);
            }
            Files.delete(pidFile);
        }
    }

    @Test
    void aToolThatNeitherReadsItsInputNorExitsTimesOut() {
        // more than the pipe holds: the write blocks until the tool reads or goes
        String input = "line of input that nobody reads\n".repeat(1 << 15);
        CommandRunner.Result result = assertTimeoutPreemptively(Duration.ofSeconds(10),
                () -> CommandRunner.local().withTimeout(2).run(List.of("sleep", "30"), input));
        assertEquals(124, result.exitCode(), result.describe());
        assertTrue(result.stderr().contains("timed out after 2 s"), result.stderr());
    }

    @Test
    void aToolPrintingWithoutEndIsStoppedAndItsOutputNotKept() {
        CommandRunner.Result result = assertTimeoutPreemptively(Duration.ofSeconds(10),
                () -> CommandRunner.local().withTimeout(30).run("yes"));
        assertFalse(result.ok());
        assertEquals("", result.stdout());
        assertTrue(result.describe().contains("printed more than 64 MiB on its standard output"), result.describe());
    }

    @Test
    void anOutputOverTheBoundFailsTheRunEvenWhenTheToolSucceeds() {
        // a dump cut short at the bound must not pass for the whole dump
        CommandRunner.Result result = CommandRunner.local()
                .run("head", "-c", Integer.toString(CommandRunner.MAX_OUTPUT_BYTES + 1), "/dev/zero");
        assertFalse(result.ok(), "an over-long output is not taken");
        CommandRunner.Result within = CommandRunner.local()
                .run("head", "-c", Integer.toString(CommandRunner.MAX_OUTPUT_BYTES), "/dev/zero");
        assertTrue(within.ok(), within.describe());
        assertEquals(CommandRunner.MAX_OUTPUT_BYTES, within.stdout().length());
    }
}
