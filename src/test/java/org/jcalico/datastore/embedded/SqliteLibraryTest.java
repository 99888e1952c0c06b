package org.jcalico.datastore.embedded;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Instant;
import java.util.List;
import java.util.jar.JarFile;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SqliteLibraryTest {
    @TempDir
    Path dir;

    /**
     * An extract killed mid-copy leaves its scratch file (1 MB); the next one sweeps it once it is a minute old, and
     * leaves a younger one, which may be another JVM's copy under way.
     */
    @Test
    void anExtractSweepsAKilledOnesScratchFileAndLeavesOneUnderWay() throws Exception {
        Path jar = Path.of(org.sqlite.JDBC.class.getProtectionDomain().getCodeSource().getLocation().toURI());
        Path killed = Files.write(dir.resolve(SqliteLibrary.FILE + "123.partial"), new byte[] {1, 2});
        Files.setLastModifiedTime(killed, FileTime.from(Instant.now().minusSeconds(120)));
        Path underWay = Files.write(dir.resolve(SqliteLibrary.FILE + "456.partial"), new byte[] {3});
        Path target = dir.resolve(SqliteLibrary.FILE);

        assertTrue(SqliteLibrary.extract(jar, target));

        try (JarFile file = new JarFile(jar.toFile()); Stream<Path> left = Files.list(dir)) {
            assertArrayEquals(file.getInputStream(file.getJarEntry(SqliteLibrary.entry())).readAllBytes(), Files.readAllBytes(target));
            assertEquals(List.of(target, underWay), left.sorted().toList(), "the library and the copy under way, nothing else");
        }
    }
}
