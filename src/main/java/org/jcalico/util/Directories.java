package org.jcalico.util;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.stream.Stream;

/** Removing a directory tree that jcalico made (a lab's state, a benchmark's scratch space). */
public final class Directories {
    private Directories() {
    }

    /** Removes the directory and everything under it; nothing to do when it is not there. */
    public static void delete(Path directory) {
        if (directory == null || !Files.exists(directory)) {
            return;
        }
        try (Stream<Path> paths = Files.walk(directory)) {
            paths.sorted(Comparator.reverseOrder()).forEach(path -> path.toFile().delete());
        } catch (IOException e) {
            throw new IllegalStateException("cannot remove " + directory + ": " + e.getMessage(), e);
        }
    }
}
