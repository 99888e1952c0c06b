package org.jcalico.testing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.jcalico.datastore.embedded.EmbeddedDatastore;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A JVM a test starts loads SQLite's library from where the build unpacked it: one that unpacked its own copy into
 * the temporary directory left it there when the test killed it (as the race tests do), 1 MB each time.
 */
class JavaProcessTest {
    @TempDir
    Path dir;

    @Test
    void aKilledTestJvmLeavesNoSqliteLibraryInTheTemporaryDirectory() throws Exception {
        assertTrue(CommandJvm.passedOn().contains("-Dorg.sqlite.lib.path=" + System.getProperty("org.sqlite.lib.path")),
                "the build's copy of SQLite's library is there to give: " + CommandJvm.passedOn());
        Process process = JavaProcess.builder(OpenStoreMain.class, dir.resolve("held.db").toString())
                .redirectError(ProcessBuilder.Redirect.INHERIT).start();
        try {
            BufferedReader output = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
            assertEquals(OpenStoreMain.OPEN, output.readLine());
            List<String> sqlite = Files.readAllLines(Path.of("/proc", Long.toString(process.pid()), "maps")).stream()
                    .filter(line -> line.contains("sqlitejdbc")).map(line -> line.substring(line.indexOf('/'))).distinct().toList();
            assertEquals(1, sqlite.size(), "SQLite's library mapped once: " + sqlite);
            // the build's copy (target/native), not one of the driver's unpacked "sqlite-VERSION-UUID-" copies
            assertEquals(Path.of(System.getProperty("org.sqlite.lib.path"), System.getProperty("org.sqlite.lib.name"))
                    .toRealPath().toString(), sqlite.getFirst(), "the library given by path");
        } finally {
            process.destroyForcibly();
            assertTrue(process.waitFor(30, TimeUnit.SECONDS));
        }
    }

    /** Opens an embedded store, says so, and holds it until killed. */
    static final class OpenStoreMain {
        static final String OPEN = "open";

        public static void main(String[] args) throws Exception {
            org.jcalico.cli.Main.quietLibraryLogging();
            try (EmbeddedDatastore store = EmbeddedDatastore.open(Path.of(args[0]))) {
                System.out.println(OPEN);
                Thread.sleep(60_000);
            }
        }
    }
}
