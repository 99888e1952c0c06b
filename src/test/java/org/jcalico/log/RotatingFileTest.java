package org.jcalico.log;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RotatingFileTest {
    @TempDir Path dir;

    private static byte[] line(int n) {
        return String.format("line %04d%n", n).getBytes(StandardCharsets.UTF_8);
    }

    /** The lines of FILE.keep ... FILE.1, FILE: oldest first. */
    private List<String> all(Path file, int keep) throws IOException {
        List<String> lines = new ArrayList<>();
        for (int n = keep; n >= 1; n--) {
            Path old = file.resolveSibling(file.getFileName() + "." + n);
            if (Files.exists(old)) {
                lines.addAll(Files.readAllLines(old));
            }
        }
        lines.addAll(Files.readAllLines(file));
        return lines;
    }

    @Test
    void aFullFileMovesToDotOneAndOnlyTheNewestFilesAreKept() throws IOException {
        Path file = dir.resolve("felix.log");
        try (RotatingFile log = new RotatingFile(file, 100, 2)) {
            IntStream.range(0, 50).forEach(n -> log.append(line(n)));
        }
        // 10 bytes a line, 10 lines a file: 0-19 dropped, 20-29 in .2, 30-39 in .1, 40-49 in the file
        assertFalse(Files.exists(dir.resolve("felix.log.3")));
        for (Path each : List.of(file, dir.resolve("felix.log.1"), dir.resolve("felix.log.2"))) {
            assertTrue(Files.size(each) <= 100, each + " holds " + Files.size(each) + " bytes");
        }
        assertEquals(IntStream.range(20, 50).mapToObj(n -> String.format("line %04d", n)).toList(), all(file, 2),
                "the newest lines, in order");
    }

    @Test
    void twoWritersOfOneFileLoseNoLineWhenEitherRotates() throws IOException {
        Path file = dir.resolve("felix.log");
        try (RotatingFile agent = new RotatingFile(file, 100, 20); RotatingFile supervisor = new RotatingFile(file, 100, 20)) {
            for (int n = 0; n < 60; n++) {
                (n % 3 == 0 ? supervisor : agent).append(line(n));
            }
        }
        assertEquals(IntStream.range(0, 60).mapToObj(n -> String.format("line %04d", n)).toList(), all(file, 20));
    }
}
