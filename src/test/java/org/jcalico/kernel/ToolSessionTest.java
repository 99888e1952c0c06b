package org.jcalico.kernel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

/** A session started ahead of its first batch: the batch then goes to that process, not to one started with it. */
class ToolSessionTest {
    @Test
    void aPreparedSessionRunsBeforeItsFirstBatchAndTakesIt() throws Exception {
        Path started = Files.createTempFile("jcalico-toolsession", "");
        Files.delete(started);
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
            Files.deleteIfExists(started);
        }
    }
}
