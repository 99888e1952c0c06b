package org.jcalico.testing;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import org.jcalico.datastore.embedded.EmbeddedDatastore;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The test suite's own mains, each in a JVM of its own over an embedded store (whose SQLite driver logs through SLF4J),
 * print nothing on their error output: they name SLF4J's quiet provider as jcalico's entry point does, so that no
 * "no providers" warning lands in their tests' output.
 */
class QuietTestMainsTest {
    @TempDir
    Path dir;

    @Test
    void testMainsOverAnEmbeddedStorePrintNoWarning() throws Exception {
        Path file = dir.resolve("quiet.db");
        try (EmbeddedDatastore store = EmbeddedDatastore.open(file)) {
            store.create("/counter", "0");
        }
        String url = "embedded:" + file;
        List<ProcessBuilder> mains = List.of(
                JavaProcess.builder(org.jcalico.datastore.embedded.StoreWriterMain.class, file.toString(), "counter", "1"),
                JavaProcess.builder(org.jcalico.ipam.ConcurrentAllocatorMain.class, url, "n1", "0", "a")
                        // it waits for a line (the race test's start) or the end of its input
                        .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null"))),
                JavaProcess.builder(org.jcalico.ipam.IpamRaceMain.class, url).redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null"))));
        for (ProcessBuilder main : mains) {
            Process process = main.redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
            String errors = new String(process.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
            assertEquals(0, process.waitFor(), main.command().getLast() + ": " + errors);
            assertEquals("", errors, String.join(" ", main.command().subList(main.command().size() - 3, main.command().size())));
        }
    }
}
