package org.jcalico.kernel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A session started ahead of its first batch: the batch then goes to that process, not to one started with it. */
class ToolSessionTest {
    /** The timer waits nearly all its life: a virtual thread, so that no platform thread's stack is held for it. */
    @Test
    void theTimerHoldsNoPlatformThread() throws Exception {
        assertTrue(ToolSession.TIMERS.schedule(() -> Thread.currentThread().isVirtual(), 0, TimeUnit.MILLISECONDS).get(),
                "the timer's task ran on a virtual thread");
    }

    @Test
    void aPreparedSessionRunsBeforeItsFirstBatchAndTakesIt(@TempDir Path dir) throws Exception {
        // in a directory of the test's: a tool the session prepared after the last batch may still write it at the end
        Path started = dir.resolve("started");
        // each start of the tool appends a line; the tool then echoes its input
        ToolSession session = new ToolSession(List.of("sh", "-c", "echo start >> \"$1\"; exec cat", "-", started.toString()),
                (tool, ok) -> { }, 10);
        try {
            session.prepare();
            long deadline = System.nanoTime() + 10_000_000_000L;
            while (!Files.exists(started) && System.nanoTime() < deadline) {
                Thread.sleep(10);
            }
            assertTrue(Files.exists(started), "the tool started without a batch");
            assertEquals(List.of("done"), session.exchange("done\n", "done"::equals));
            session.prepare();
            assertEquals(List.of("again"), session.exchange("again\n", "again"::equals));
            assertEquals(List.of("start"), Files.readAllLines(started), "one process took both batches");
        } finally {
            session.end();
        }
    }

    /**
     * A tool that prints without end in answer to a batch is stopped at the bound, not at the timeout: the lines it
     * printed were kept until then and filled the heap of the agent holding them.
     */
    @Test
    void aToolPrintingWithoutEndIsStoppedAtTheBound() {
        ToolSession session = new ToolSession(List.of("sh"), (tool, ok) -> { }, 60);
        try {
            ToolSession.Ended ended = assertTimeoutPreemptively(Duration.ofSeconds(20),
                    () -> assertThrows(ToolSession.Ended.class, () -> session.exchange("yes\n", "done"::equals)));
            assertTrue(ended.getMessage().contains("it printed more than 1 MiB"), ended.getMessage());
            assertTrue(ended.output().size() <= ToolSession.MAX_ANSWER_BYTES / 2, "kept " + ended.output().size() + " lines");
        } finally {
            session.end();
        }
    }
}

