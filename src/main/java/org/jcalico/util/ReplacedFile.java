package org.jcalico.util;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;

/**
 * A file written whole under a new name of its own and renamed over the old one, so that a reader sees the old text or
 * the new, never a part. The new name is random and made only if nothing has it: where others can add names (a
 * directory shared as /tmp is), a fixed one could be their link to a file of root's, which root would write through.
 */
public final class ReplacedFile {
    private ReplacedFile() {
    }

    /** Writes TEXT as FILE with PERMISSIONS ("rw-r--r--"), creating its directory if needed. */
    public static void write(Path file, String text, String permissions) throws IOException {
        Files.createDirectories(file.getParent());
        Path temporary = Files.createTempFile(file.getParent(), "." + file.getFileName(), ".new");
        try {
            Files.writeString(temporary, text);
            Files.setPosixFilePermissions(temporary, PosixFilePermissions.fromString(permissions));
            Files.move(temporary, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } finally {
            Files.deleteIfExists(temporary);
        }
    }
}
