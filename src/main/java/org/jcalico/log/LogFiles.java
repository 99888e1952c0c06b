package org.jcalico.log;

import java.io.IOException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Set;

/**
 * How a node's log files are made: closed to users outside root's group (0640) whatever the mask of the process that
 * makes them, since what a node logs (its denied flows above all) is no other local user's to read, and a file open
 * inside the closed log directory is open again once the directory is, or the file linked or moved elsewhere.
 */
public final class LogFiles {
    /** A new log file's mode: 0640. */
    public static final FileAttribute<Set<PosixFilePermission>> MODE =
            PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-r-----"));

    private LogFiles() {
    }

    /**
     * A process's output appended to FILE, which is made first with {@link #MODE} if there is none: a redirect would
     * have the JVM make it with the mask of the process starting it (0644 under the usual 022).
     */
    public static ProcessBuilder.Redirect appendTo(Path file) throws IOException {
        try {
            Files.createFile(file, MODE);
        } catch (FileAlreadyExistsException e) {
            // an earlier run's: its mode is the log directory's to close (RunDirectory.logs)
        }
        return ProcessBuilder.Redirect.appendTo(file.toFile());
    }
}
