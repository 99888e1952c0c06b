package org.jcalico.agent;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.jcalico.kernel.CommandRunner;
import org.jcalico.model.Cidr;
import org.jcalico.model.ResourceCodec;
import org.jcalico.model.WorkloadEndpoint;
import org.jcalico.testing.JavaProcess;
import org.junit.jupiter.api.Test;

/** The agent's JVM options are ones the JDK that runs it takes: a JVM refuses to start on one it does not know. */
class JvmCommandTest {
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
        assertTrue(out.contains("decoded 100000"), out);
        // JvmCommand.FIRST_TIER_ONLY, spelled out: a rename of the method fails here rather than leaving C2 to it again
        assertFirstTierOnly(out, "org.jcalico.model.StoredRecords::endpoint");
    }

    /**
     * The JDK's loops over a list with a consumer (List.of(...).forEach, a stream's over an immutable list, and a stream's map), which
     * every part of the agent runs with consumers of its own, are never compiled by C2 in the agent's JVM: compiled for
     * the first calculation's consumers, inlined, C2 took up to 12 s of a core on one of them, often in the seconds after
     * in sync, and an uncommon trap of another consumer sent it back to do it again (docs/agent.md, "Session 55
     * (p-start)"). Run: a few consumers over lists, as many times as C2 needs to take a loop.
     */
    @Test
    void theAgentsJvmLoopsOverListsWithFirstTierCode() throws IOException, InterruptedException {
        String out = compilations(ListLoops.class);
        assertTrue(out.contains("summed "), out);
        assertFirstTierOnly(out, "java.lang.Iterable::forEach");
        assertFirstTierOnly(out, "java.util.AbstractList$RandomAccessSpliterator::forEachRemaining");
        assertFirstTierOnly(out, "java.util.stream.ReferencePipeline$3$1::accept");
    }

    /** What MAIN printed, run in a JVM with the agent's options, its compilations among it (-XX:+PrintCompilation). */
    private static String compilations(Class<?> main) throws IOException, InterruptedException {
        Process process = new ProcessBuilder(JavaProcess.withAgentFlags(List.of("-XX:+PrintCompilation"), main))
                .redirectErrorStream(true).start();
        String out = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertEquals(0, process.waitFor(), out);
        return out;
    }

    /**
     * METHOD (as -XX:+PrintCompilation names it) was compiled by the first tier in full and never by C2: a compilation's
     * line comes when it starts, and again with COMPILE SKIPPED when given up, by its id.
     */
    private static void assertFirstTierOnly(String printed, String method) {
        List<String> compiled = printed.lines().filter(line -> line.contains(" " + method + " ") && !line.contains(" made not entrant"))
                .toList();
        assertTrue(compiled.stream().anyMatch(line -> line.matches("\\s*\\d+\\s+\\d+\\s+[% ]*1\\s+.*")),
                method + " compiled by the first tier in full: " + compiled);
        Set<String> optimized = compiled.stream().filter(line -> line.matches("\\s*\\d+\\s+\\d+\\s+[% ]*4\\s+.*"))
                .map(JvmCommandTest::compileId).collect(Collectors.toSet());
        Set<String> givenUp = compiled.stream().filter(line -> line.contains("COMPILE SKIPPED"))
                .map(JvmCommandTest::compileId).collect(Collectors.toSet());
        assertEquals(givenUp, optimized, method + " never by C2: " + compiled);
    }

    /** A compilation's id: the number before its flags and level, after a time stamp that a skipped one's line may lack. */
    private static String compileId(String line) {
        Matcher matcher = Pattern.compile("\\s*(?:\\d+\\s+)?(\\d+)\\s+[%sbn! ]*[0-4]\\s").matcher(line);
        assertTrue(matcher.lookingAt(), line);
        return matcher.group(1);
    }

    /** Sums lists of numbers through a few consumers, looped and streamed, as the agent's passes do with theirs. */
    static final class ListLoops {
        public static void main(String[] args) {
            List<Long> numbers = java.util.stream.LongStream.range(0, 1_000).boxed().toList();
            long[] sum = new long[1];
            for (int i = 0; i < 3_000; i++) {
                numbers.forEach(number -> sum[0] += number);
                numbers.forEach(number -> sum[0] ^= number);
                numbers.stream().forEach(number -> sum[0] -= number >> 1);
                numbers.stream().forEach(number -> sum[0] += number & 7);
                numbers.stream().map(number -> number * 3).forEach(number -> sum[0] += number);
            }
            System.out.println("summed " + sum[0]);
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
                if (ResourceCodec.fromJson(stored, 0, stored.length).equals(endpoint)) {
                    decoded++;
                }
            }
            System.out.println("decoded " + decoded);
        }
    }

    /** A numeric flag's value as -XX:+PrintFlagsFinal prints it. */
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
