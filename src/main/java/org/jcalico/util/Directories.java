package org.jcalico.util;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.stream.Stream;

/** Removing a directory tree that jcalico made (a lab's state, a benchmark's scratch space). */
public final class Directories {
    private Directories() {
    }

    /**
     * Removes each directory directly in PARENT whose name starts with PREFIX and that this process's user owns: the
     * scratch space that a killed run of the same prefix left. A link, and another user's directory (in /tmp, say), is
     * left as it is.
     */
    public static void deleteOwn(Path parent, String prefix) throws IOException {
        Object self = Files.getAttribute(Path.of("/proc/self"), "unix:uid");
        try (Stream<Path> entries = Files.list(parent)) {
            for (Path entry : entries.filter(path -> path.getFileName().toString().startsWith(prefix)).toList()) {
                if (Files.isDirectory(entry, LinkOption.NOFOLLOW_LINKS)
                        && self.equals(Files.getAttribute(entry, "unix:uid", LinkOption.NOFOLLOW_LINKS))) {
                    delete(entry);
                }
            }
        }
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
