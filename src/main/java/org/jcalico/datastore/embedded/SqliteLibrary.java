package org.jcalico.datastore.embedded;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.time.Instant;
import java.util.jar.JarEntry;
import java.util.jar.JarFile;
import org.sqlite.util.OSInfo;

/**
 * SQLite's native library for this machine, taken out of its JDBC driver's jar. Given to a JVM by path
 * ({@code org.sqlite.lib.path}), it spares the driver unpacking a private copy into the temporary directory at every
 * start, a copy that a JVM killed leaves behind (1 MB each). The launcher (./jcalico) unpacks the same entry in bash.
 */
public final class SqliteLibrary {
    /** The library's file name, in the driver's jar and where it is unpacked. */
    public static final String FILE = "libsqlitejdbc.so";

    private SqliteLibrary() {
    }

    /** Its entry in the driver's jar: the driver's own folder name for this machine ("Linux/x86_64"). */
    public static String entry() {
        return "org/sqlite/native/" + OSInfo.getNativeLibFolderPathForCurrentOS() + "/" + FILE;
    }

    /** How old a scratch file must be to be taken for a killed copy's rather than one under way: a copy takes ms. */
    private static final Duration STALE = Duration.ofMinutes(1);

    /**
     * Copies the library out of JAR to TARGET, through a scratch file beside it renamed into place, so that a JVM
     * starting meanwhile never maps half a library; false, with nothing written, when JAR does not hold it. A copy
     * killed (kill -9) leaves its scratch file behind: the next copy into the same place removes it.
     */
    public static boolean extract(Path jar, Path target) throws IOException {
        try (JarFile file = new JarFile(jar.toFile())) {
            JarEntry found = file.getJarEntry(entry());
            if (found == null) {
                return false;
            }
            Path dir = Files.createDirectories(target.toAbsolutePath().getParent());
            sweepKilledCopies(dir);
            Path partial = Files.createTempFile(dir, FILE, ".partial");
            try (InputStream in = file.getInputStream(found)) {
                Files.copy(in, partial, StandardCopyOption.REPLACE_EXISTING);
                Files.move(partial, target, StandardCopyOption.ATOMIC_MOVE);
            } finally {
                Files.deleteIfExists(partial);
            }
            return true;
        }
    }

    private static void sweepKilledCopies(Path dir) throws IOException {
        Instant before = Instant.now().minus(STALE);
        try (DirectoryStream<Path> scratch = Files.newDirectoryStream(dir, FILE + "*.partial")) {
            for (Path file : scratch) {
                try {
                    if (Files.getLastModifiedTime(file).toInstant().isBefore(before)) {
                        Files.deleteIfExists(file);
                    }
                } catch (NoSuchFileException e) {
                    // swept by another copy meanwhile
                }
            }
        }
    }
}
