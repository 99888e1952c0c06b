package org.jcalico.agent;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import org.jcalico.kernel.CommandRunner;
import org.jcalico.model.Cidr;
import org.jcalico.model.ResourceCodec;
import org.jcalico.model.StoredForm;
import org.jcalico.model.WorkloadEndpoint;
import org.jcalico.testing.JavaProcess;
import org.junit.jupiter.api.Test;

/** The agent's JVM options are ones the JDK that runs it takes: a JVM refuses to start on one it does not know. */
class JvmCommandTest {
    /**
     * The demo's and the attach bench's steps run as a user's: through the launcher, whose `container add` the node's
     * agent serves in its warm JVM; a cold JVM of the agent's options only where there is no launcher (the tests).
     */
    @Test
    void aLabsStepsRunThroughTheLauncherWhenThereIsOne() {
        assertEquals(List.of("/opt/jc/jcalico"), JvmCommand.asUserRuns("/opt/jc"));
        assertEquals(JvmCommand.jcalico(), JvmCommand.asUserRuns(null));
    }

    @Test
    void theAgentsJvmStartsWithItsOptions() {
        List<String> command = new ArrayList<>(JvmCommand.jcalico().subList(0, 1));
        command.addAll(JvmCommand.AGENT_FLAGS);
        command.addAll(List.of("-XX:+PrintFlagsFinal", "-version"));
        CommandRunner.Result result = CommandRunner.local().run(command);
        assertEquals(0, result.exitCode(), result.stderr());
        boolean compact = result.stdout().lines().anyMatch(line -> line.matches("\\s*bool UseCompactObjectHeaders\\s+= true.*"));
        assertTrue(compact, "8-byte object headers");
        assertEquals(8L << 20, flag(result.stdout(), "InitialHeapSize"), "an idle agent's heap starts at 8 MB: from 16 MB its"
                + " young generation, touched whole, kept 1.5-2.5 MB more resident (docs/agent.md, \"Memory\", session 32)");
        assertEquals(512L << 20, flag(result.stdout(), "MaxHeapSize"), "and grows to 512 MB, for 500,000 endpoints");
    }

    /**
     * In the agent's JVM a stored endpoint is read by the first tier's full compilation (tier 1), never the optimizing
     * compiler's: C2 gives the method up at once, and it is then compiled at the first tier, which no method C2 takes
     * ever is. Before, C2 compiled it (tier 4), up to a second of a core during a big cluster's listing (docs/agent.md,
     * "Start-up of the agent", session 44). Run: 100,000 endpoints decoded from their stored bytes, as the listing does.
     */
    @Test
    void theAgentsJvmReadsStoredEndpointsWithFirstTierCode() throws IOException, InterruptedException {
        String out = compilations(StoredEndpointReads.class);
        // JvmCommand.FIRST_TIER_ONLY, spelled out: a rename of the method fails here rather than leaving C2 to it again
        String method = " org.jcalico.model.StoredRecords::endpoint ";
        List<String> compiled = out.lines().filter(line -> line.contains(method) && !line.contains(" made not entrant")).toList();
        assertTrue(out.contains("decoded 100000"), out);
        assertTrue(compiled.stream().anyMatch(line -> line.matches("\\s*\\d+\\s+\\d+\\s+1\\s+.*")),
                "compiled by the first tier in full: " + compiled);
        // a compilation's line comes when it starts, and again with COMPILE SKIPPED when given up: by its id
        Set<String> optimized = compiled.stream().filter(line -> line.matches("\\s*\\d+\\s+\\d+\\s+4\\s+.*"))
                .map(line -> line.trim().split("\\s+")[1]).collect(Collectors.toSet());
        Set<String> givenUp = compiled.stream().filter(line -> line.contains("COMPILE SKIPPED"))
                .map(line -> line.trim().split("\\s+")[1]).collect(Collectors.toSet());
        assertEquals(givenUp, optimized, "never by C2: " + compiled);
    }

    /**
     * In the agent's JVM a method that runs a few hundred times, as most of an agent's start does once and then never
     * again, stays interpreted rather than compiled with its profiling (tier 3) and kept in the code cache, and its
     * metadata in native memory, for the agent's life; a method that runs hot is still optimized (tier 4). Before, the
     * JVM's default thresholds compiled some 2,670 methods in an idle agent's first 30 s, where 1,740 now (docs/agent.md,
     * "Memory", session 64).
     */
    @Test
    void theAgentsJvmLeavesLukewarmMethodsInterpretedAndOptimizesHotOnes() throws IOException, InterruptedException {
        String out = compilations(Lukewarm.class);
        assertTrue(out.contains("ran 700 and 200000"), out);
        List<String> lukewarm = out.lines().filter(line -> line.contains("JvmCommandTest$Lukewarm::lukewarm ")).toList();
        assertEquals(List.of(), lukewarm, "a method run 700 times, compiled");
        assertTrue(out.lines().anyMatch(line -> line.contains("JvmCommandTest$Lukewarm::hot ")
                && line.matches("\\s*\\d+\\s+\\d+\\s+\\S*\\s*4\\s+.*")), "a method run 200,000 times, optimized: " + out);
    }

    /**
     * In the agent's JVM the date formats that its libraries make at its start (Jackson's first mapper, SQLite's
     * connection) start the JDK's built-in English data, as every command's JVM does, not CLDR: CLDR's adapter, its
     * metadata and its list of 1,153 locales stayed in an idle agent's heap and cache, 0.5-0.8 MiB of its RSS
     * (docs/agent.md, "Session 69 (p-idle4)").
     */
    @Test
    void theAgentsJvmFormatsDatesWithoutStartingTheCldrLocaleData() throws IOException, InterruptedException {
        Process process = new ProcessBuilder(JavaProcess.withAgentFlags(List.of("-Xlog:class+load"), DateFormats.class))
                .redirectErrorStream(true).start();
        String out = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertEquals(0, process.waitFor(), out);
        assertTrue(out.contains("formatted 1970-01-01 00:00:00.000 1.5"), out);
        assertEquals(List.of(), out.lines().filter(line -> line.contains(" sun.util.cldr.")).toList(), "CLDR's classes loaded");
    }

    /** Makes the date formats that an agent's libraries make at its start, and formats with them. */
    static final class DateFormats {
        public static void main(String[] args) {
            String jackson = new com.fasterxml.jackson.databind.ObjectMapper().getDateFormat().getClass().getSimpleName();
            String sqlite = org.sqlite.date.FastDateFormat.getInstance("yyyy-MM-dd HH:mm:ss.SSS",
                    java.util.TimeZone.getTimeZone("UTC")).format(0L);
            System.out.println(String.format("formatted %s %.1f by %s", sqlite, 1.5, jackson));
        }
    }

    /** Runs one method 700 times and another 200,000 times, then waits for the compilers' queue to drain. */
    static final class Lukewarm {
        public static void main(String[] args) throws InterruptedException {
            long sum = 0;
            for (int i = 0; i < 700; i++) {
                sum += lukewarm(i);
            }
            for (int i = 0; i < 200_000; i++) {
                sum += hot(i);
            }
            Thread.sleep(1000);
            System.out.println("ran 700 and 200000 " + (sum != 0 ? "" : " "));
        }

        static long lukewarm(int i) {
            return Integer.toString(i).hashCode() * 31L + i;
        }

        static long hot(int i) {
            return Integer.toString(i).hashCode() * 17L + i;
        }
    }

    /** Decodes one stored endpoint 100,000 times, as a big cluster's listing decodes its endpoints. */
    static final class StoredEndpointReads {
        public static void main(String[] args) {
            WorkloadEndpoint endpoint = new WorkloadEndpoint("node-0002", "sim", "sim-2-5", "node-0002-sim-2-5-eth0",
                    "jc0123456789a", null, List.of(Cidr.parse("10.128.0.5/32")), List.of(), List.of("group-19"), null, null,
                    null, null);
            byte[] stored = ResourceCodec.toJson(endpoint).getBytes(StandardCharsets.UTF_8);
            int decoded = 0;
            for (int i = 0; i < 100_000; i++) {
                if (StoredForm.fromJson(stored, 0, stored.length).equals(endpoint)) {
                    decoded++;
                }
            }
            System.out.println("decoded " + decoded);
        }
    }

    /** What MAIN printed, run to its end in a JVM of the agent's options that prints each compilation as it starts. */
    private static String compilations(Class<?> main) throws IOException, InterruptedException {
        Process process = new ProcessBuilder(JavaProcess.withAgentFlags(List.of("-XX:+PrintCompilation"), main))
                .redirectErrorStream(true).start();
        String out = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertEquals(0, process.waitFor(), out);
        return out;
    }

    /** A numeric flag's value as -XX:+PrintFlagsFinal prints it. */
    /**
     * The agent's and its supervisor's JVMs start with interned-string and symbol tables of 4,096 buckets (32 KB each),
     * not the default 65,536 and 32,768 (768 KB between them, written at the start whatever the JVM then holds: an
     * idle agent's native memory, docs/agent.md, "Memory", session 63). Read from what the JVM itself reports of its
     * tables when it exits.
     */
    @Test
    void theAgentsAndTheSupervisorsTablesOfStringsAndSymbolsStartSmall() {
        for (List<String> flags : List.of(JvmCommand.AGENT_FLAGS, JvmCommand.SUPERVISOR_FLAGS)) {
            List<String> command = new ArrayList<>(JvmCommand.jcalico().subList(0, 1));
            command.addAll(flags);
            command.addAll(List.of("-XX:+PrintStringTableStatistics", "-version"));
            CommandRunner.Result result = CommandRunner.local().run(command);
            assertEquals(0, result.exitCode(), result.stderr());
            List<String> buckets = (result.stdout() + result.stderr()).lines()
                    .filter(line -> line.startsWith("Number of buckets") && line.contains("bytes")).toList();
            assertEquals(2, buckets.size(), "the symbols' and the strings' tables reported: " + result.stdout() + result.stderr());
            for (String line : buckets) {
                long bytes = Long.parseLong(line.replaceAll(".*=\\s*(\\d+) bytes.*", "$1"));
                assertTrue(bytes <= 32 * 1024, "a table's buckets at the start of a JVM of " + flags + ": " + line);
            }
        }
    }

    private static long flag(String printed, String name) {
        return printed.lines().map(String::trim).filter(line -> line.matches("\\S+\\s+" + name + "\\s+=.*"))
                .mapToLong(line -> Long.parseLong(line.split("\\s+")[3])).findFirst()
                .orElseThrow(() -> new AssertionError(name + " not printed"));
    }

    @Test
    void theSupervisorsJvmStartsWithItsOptions() {
        List<String> command = new ArrayList<>(JvmCommand.supervisor(org.jcalico.datastore.DatastoreUrl.DEFAULT).subList(0, 1));
        command.addAll(JvmCommand.SUPERVISOR_FLAGS);
        command.add("-version");
        CommandRunner.Result result = CommandRunner.local().run(command);
        assertEquals(0, result.exitCode(), result.stderr());
        assertTrue(result.stderr().contains("interpreted mode"), result.stderr());
    }
}
