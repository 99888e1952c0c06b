package org.jcalico.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * `pool list` and `container list` in a JVM of their own, as the launcher starts them, take every class from their
 * start-up cache, which holds only what they load: none loaded from a jar, none made at run time (method handles of
 * core reflection, of a record's equals or hashCode, the JDK's serializable lambdas), each of which costs a cold command
 * milliseconds (docs/agent.md, "Start-up of a command"). Nor any annotation proxy, which the JDK 25 cache cannot keep:
 * the lists read their records without Jackson's mapper, whose reading of the records' annotations made 7 and 13 of
 * them. Nor do they start the JDK's CLDR locale provider, whose first calendar cost more than any other single step,
 * nor initialise {@code java.math.BigDecimal}, which Jackson's streaming parser did.
 */
class LauncherStartupIT {
    @TempDir
    Path dir;

    private static final List<List<String>> LISTS = List.of(List.of("pool", "list"), List.of("container", "list"));

    @Test
    void theListsTakeEveryClassFromTheCache() throws IOException, InterruptedException {
        for (List<String> command : LISTS) {
            List<String> lines = logged("class+load", command);
            assertTrue(lines.stream().anyMatch(line -> line.contains("org.jcalico.cli.Main source: shared objects file")),
                    "the cache is used: " + lines.size() + " lines");
            List<String> notCached = lines.stream()
                    .filter(line -> !line.endsWith("source: shared objects file"))
                    .filter(line -> !line.contains("source: jrt:/"))
                    .toList();
            assertEquals(List.of(), notCached, String.join(" ", command) + ": classes made at run time or read from a jar");
            // the JVM loads every class of the cache at its start: one recorded through picocli's model held picocli's
            // 170 classes and the class-file API that its reflection spun, and one whose training linked ResourceCodec
            // held Jackson's 275 (its code names the mapper, the nodes and their exceptions), none of which a list uses
            List<String> unused = lines.stream().filter(line -> line.startsWith("picocli.") || line.startsWith("com.fasterxml.")).toList();
            assertEquals(List.of(), unused, String.join(" ", command) + ": picocli's or Jackson's classes loaded");
            // their own cache, which holds what they load (1,550 classes), not the everyday commands' (3,400)
            assertTrue(lines.size() < 1_700, String.join(" ", command) + ": " + lines.size() + " classes loaded");
            // the JDK's CLDR locale provider: its first Calendar (SQLite's and Jackson's date formats) was about 20 ms
            List<String> cldr = lines.stream().filter(line -> line.startsWith("sun.util.cldr.")).toList();
            assertEquals(List.of(), cldr, String.join(" ", command) + ": CLDR's locale provider started");
        }
    }

    /**
     * A list in another shape than PlainList's (its help, a wrong option, -o) runs through picocli, whose classes the
     * lists' cache does not hold: the launcher gives it the everyday commands' cache, from which it takes every class.
     */
    @Test
    void aListOfAnotherShapeTakesTheEverydayCache() throws IOException, InterruptedException {
        List<String> command = List.of("pool", "list", "--help");
        List<String> lines = logged("class+load", command);
        List<String> notCached = lines.stream()
                .filter(line -> !line.endsWith("source: shared objects file"))
                .filter(line -> !line.contains("source: jrt:/"))
                .toList();
        assertEquals(List.of(), notCached, String.join(" ", command) + ": classes made at run time or read from a jar");
    }

    /**
     * A page fault costs 15-30 us on a VM with page-table isolation: a list's heap and code cache come in huge pages
     * where the kernel gives them on request (THP `madvise` or `always`), and the cache's method profiles are not
     * replayed (a thread that woke at each class initialised, half of a list's system calls and most of its context
     * switches, for profiles that the first compiler tier does not use; docs/agent.md, "Start-up of a command").
     */
    @Test
    void theListsRunInHugePagesWithoutReplayingProfiles() throws IOException, InterruptedException {
        String datastore = "embedded:" + dir.resolve("store.db");
        assertEquals(0, run(null, null, null, "--datastore", datastore, "internal", "train-startup-cache"));
        Path log = dir.resolve("pagesize.log");
        Path flags = dir.resolve("flags.txt");
        assertEquals(0, run(log, "-Xlog:pagesize=info:file=" + log + ":none -XX:+PrintFlagsFinal", flags,
                "--datastore", datastore, "pool", "list"));
        if (!Files.readString(Path.of("/sys/kernel/mm/transparent_hugepage/enabled")).contains("[never]")) {
            List<String> heap = Files.readAllLines(log).stream().filter(line -> line.startsWith("Heap:")).toList();
            assertTrue(heap.size() == 1 && heap.getFirst().endsWith("page_size=2M"), "the heap in huge pages: " + heap);
        }
        assertTrue(Files.readAllLines(flags).stream().anyMatch(line -> line.matches("\\s*bool AOTReplayTraining\\s+= false.*")),
                "profiles not replayed");
    }

    /**
     * Classes whose initialisation a cold list cannot afford, each a cost found by `-Xlog:class+init` (docs/agent.md,
     * "Start-up of a command", session 33): {@code java.math.BigDecimal}, whose static table of 5^(2^n) squares
     * numbers of up to 150,000 bits in the interpreter (28 ms of CPU), which Jackson's streaming parser initialised;
     * {@code sun.util.calendar.ZoneInfoFile}, the JDK's time-zone database read and parsed (6-8 ms), for the default
     * time zone that SQLite's date format asked for; {@code picocli.CommandLine$Model$CommandSpec}, the first class of
     * picocli's model of jcalico and the list, built and parsed with in 15-21 ms (PlainList runs the lists without it).
     */
    @Test
    void theListsInitialiseNoCostlyClass() throws IOException, InterruptedException {
        for (List<String> command : LISTS) {
            List<String> lines = logged("class+init", command);
            assertTrue(lines.stream().anyMatch(line -> line.contains("'org/jcalico/cli/Table'")), "the log holds the list's classes");
            List<String> costly = lines.stream()
                    .filter(line -> line.contains("'java/math/BigDecimal'") || line.contains("'sun/util/calendar/ZoneInfoFile'")
                            || line.contains("'picocli/CommandLine$Model$CommandSpec'"))
                    .toList();
            assertEquals(List.of(), costly, String.join(" ", command) + ": costly classes initialised");
        }
    }

    /**
     * What the JVM logged with TAGS of a list COMMAND run by the launcher on the training's store (a pool, a block, an
     * endpoint with labels and a named port, its status), recorded first when it is not there.
     */
    private List<String> logged(String tags, List<String> command) throws IOException, InterruptedException {
        String datastore = "embedded:" + dir.resolve("store.db");
        if (Files.notExists(dir.resolve("store.db"))) {
            assertEquals(0, run(null, null, null, "--datastore", datastore, "internal", "train-startup-cache"));
        }
        Path log = dir.resolve(String.join("-", command) + "-" + tags + ".log");
        List<String> args = new ArrayList<>(List.of("--datastore", datastore));
        args.addAll(command);
        assertEquals(0, run(log, "-Xlog:" + tags + "=info:file=" + log + ":none", null, args.toArray(String[]::new)),
                String.join(" ", command));
        return Files.readAllLines(log);
    }

    /** The launcher with the JVM options OPTIONS when LOG is not null, its output into OUTPUT (when not null); its exit status. */
    private int run(Path log, String options, Path output, String... args) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of(Path.of("jcalico").toAbsolutePath().toString()));
        command.addAll(List.of(args));
        ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true);
        builder.environment().put("JCALICO_NO_AGENT", "1");
        builder.environment().remove("JCALICO_DATASTORE");
        if (log != null) {
            builder.environment().put("JDK_JAVA_OPTIONS", options);
        }
        Process process = builder.start();
        String printed = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        int status = process.waitFor();
        if (status != 0) {
            System.err.println(printed);
        }
        if (output != null) {
            Files.writeString(output, printed);
        }
        return status;
    }
}
