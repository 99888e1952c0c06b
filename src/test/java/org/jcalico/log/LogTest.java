package org.jcalico.log;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LogTest {
    @TempDir Path dir;

    @Test
    void oneLineHasTimeLevelMessageAndFieldsQuotedWhereNeeded() {
        assertEquals("2026-11-22T10:15:30.123Z INFO  log level changed from=info to=debug",
                Log.line(Instant.parse("2026-11-22T10:15:30.123Z"), Log.Level.INFO, "log level changed", "from", "info", "to", "debug"));
        assertEquals("2026-11-22T10:15:30.123Z WARN  two lines? reason=\"a \\\"b\\\"=c\"",
                Log.line(Instant.parse("2026-11-22T10:15:30.123Z"), Log.Level.WARN, "two\nlines?", "reason", "a \"b\"=c"));
    }

    /** Whatever a message, a field or an exception's message holds, the file gets lines without control characters. */
    @Test
    void controlCharactersAreWrittenOutInTheMessageTheFieldsAndTheTrace() throws IOException {
        Path file = dir.resolve("felix.log");
        Log log = Log.open(file, false, "info");
        log.warn("container \u001b]0;owned\u0007c1 refused", "reason", "a\rb\u202ec");
        log.error("failed", new IllegalStateException("key \u001b[2J"));
        String text = Files.readString(file);
        assertTrue(text.contains("WARN  container \\x1b]0;owned\\x07c1 refused reason=\"a\\rb\\u202ec\"\n"), text);
        assertTrue(text.contains("    java.lang.IllegalStateException: key \\x1b[2J\n    at org.jcalico.log.LogTest."), text);
        assertTrue(text.chars().noneMatch(c -> c < 0x20 && c != '\n'), "no control character but the lines' ends");
    }

    @Test
    void theLevelChangesWhileTheLogIsOpen() throws IOException {
        Path file = dir.resolve("felix.log");
        Log log = Log.open(file, false, "info");
        log.debug("hidden at info");
        assertTrue(log.setLevel(Log.Level.DEBUG));
        log.debug("shown at debug");
        assertFalse(log.setLevel(Log.Level.DEBUG), "no change");
        log.setLevel(Log.Level.WARN);
        log.info("hidden at warn");
        log.warn("shown at warn");
        String text = Files.readString(file);
        assertFalse(text.contains("hidden"), text);
        assertTrue(text.contains("DEBUG shown at debug") && text.contains("WARN  shown at warn"), text);
    }
}
