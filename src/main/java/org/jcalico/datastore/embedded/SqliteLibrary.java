package org.jcalico.datastore.embedded;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
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

    /**
     * Copies the library out of JAR to TARGET, through a scratch file beside it renamed into place, so that a JVM
     * starting meanwhile never maps half a library; false, with nothing written, when JAR does not hold it.
     */
    public static boolean extract(Path jar, Path target) throws IOException {
        try (JarFile file = new JarFile(jar.toFile())) {
            JarEntry found = file.getJarEntry(entry());
            if (found == null) {
                return false;
            }
            Files.createDirectories(target.toAbsolutePath().getParent());
            Path partial = Files.createTempFile(target.toAbsolutePath().getParent(), FILE, ".partial");
            try (InputStream in = file.getInputStream(found)) {
                Files.copy(in, partial, StandardCopyOption.REPLACE_EXISTING);
                Files.move(partial, target, StandardCopyOption.ATOMIC_MOVE);
            } finally {
                Files.deleteIfExists(partial);
            }
            return true;
        }
    }
}
