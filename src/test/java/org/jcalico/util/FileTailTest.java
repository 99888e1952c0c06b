package org.jcalico.util;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The end of a growing log: whole lines only, bounded by bytes and by count. */
class FileTailTest {
    @TempDir Path dir;

    @Test
    void aLineCutByTheWindowIsDroppedAndTheCountKeepsTheNewest() throws Exception {
        Path log = dir.resolve("felix.log");
        Files.writeString(log, "first line\nsecond\nthird\n");
        assertEquals(List.of("second", "third"), FileTail.lines(log, 10, "second\nthird\n".length() + 3));
        assertEquals(List.of("third"), FileTail.lines(log, 1, 1 << 20));
        assertEquals("first line\nsecond\nthird\n", FileTail.text(log, 1 << 20));
    }

    @Test
    void aMissingFileIsEmpty() throws Exception {
        assertEquals(List.of(), FileTail.lines(dir.resolve("none"), 5, 100));
        assertEquals("", FileTail.text(dir.resolve("none"), 100));
    }
}
