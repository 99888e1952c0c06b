package org.jcalico.felix;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.jcalico.testing.JavaProcess;
import org.junit.jupiter.api.Test;

/**
 * In a JVM with the agent's options: what young collections promote between full collections stays bounded when the
 * agent asks between passes, where the serial collector alone grows the old generation up to the heap's maximum
 * (docs/agent.md, "Memory", session 59).
 */
class PromotedGarbageTest {
    @Test
    void aFullCollectionIsDueOnlyPastHalfWhatTheLastKeptAndAtLeastSixteenMegabytes() {
        assertFalse(PromotedGarbage.due(5L << 20, 5L << 20));
        assertFalse(PromotedGarbage.due(21L << 20, 5L << 20));
        assertTrue(PromotedGarbage.due(22L << 20, 5L << 20));
        assertFalse(PromotedGarbage.due(69L << 20, 46L << 20));
        assertTrue(PromotedGarbage.due(70L << 20, 46L << 20));
    }

    @Test
    void theOldGenerationStaysNearWhatIsAliveThroughManyResyncs() throws IOException, InterruptedException {
        String[] out = probe(true).strip().split("\n");
        long committed = Long.parseLong(out[out.length - 1].split(" ")[0]);
        // 32 MB alive: at most half of it again and what one resync promotes besides
        assertTrue(committed < 64L << 20, "old generation committed after 40 resyncs: " + String.join("\n", out));
    }

    @Test
    void withoutItTheSerialCollectorKeepsEveryPromotedByte() throws IOException, InterruptedException {
        // why the agent asks: the same loop, not asking, ends with several times what is alive committed (the premise
        // of PromotedGarbage; if a JDK ever collects the old generation before its maximum, this says so)
        String[] out = probe(false).strip().split("\n");
        long committed = Long.parseLong(out[out.length - 1].split(" ")[0]);
        assertTrue(committed > 128L << 20, "old generation committed after 40 resyncs: " + String.join("\n", out));
    }

    /** The probe's output, run in a JVM with the agent's options; BOUNDED: whether it asks after each resync. */
    private static String probe(boolean bounded) throws IOException, InterruptedException {
        return JavaProcess.outputWithAgentFlags(Probe.class, String.valueOf(bounded));
    }

    /**
     * 32 MB kept alive in small objects, the start's peak given back as the agent does, then 40 rounds of what a
     * resync of 100,000 set members allocates: a tool's 3.5 MB output read through a buffer that doubles, made a string,
     * and parsed into small objects; after each round, if asked, PromotedGarbage. Prints the old generation's committed
     * and used bytes after each round.
     */
    static final class Probe {
        public static void main(String[] args) {
            boolean bounded = Boolean.parseBoolean(args[0]);
            List<byte[]> live = new ArrayList<>();
            for (int i = 0; i < 32 << 10; i++) {
                live.add(new byte[1000]);
            }
            StartPeak.giveBack();
            PromotedGarbage garbage = new PromotedGarbage();
            byte[] chunk = new byte[1 << 14];
            for (int round = 0; round < 40; round++) {
                ByteArrayOutputStream output = new ByteArrayOutputStream();
                List<String> parsed = new ArrayList<>();
                for (int i = 0; i < 3_500_000 / chunk.length; i++) {
                    output.write(chunk, 0, chunk.length);
                }
                String text = new String(output.toByteArray(), StandardCharsets.ISO_8859_1);
                for (int i = 0; i < 100_000; i++) {
                    parsed.add(text.substring(i * 30, i * 30 + 18));
                }
                if (bounded) {
                    garbage.collectIfDue();
                }
                System.out.println(ManagementFactory.getMemoryPoolMXBeans().stream()
                        .filter(pool -> pool.getName().equals("Tenured Gen")).findFirst()
                        .map(pool -> pool.getUsage().getCommitted() + " " + pool.getUsage().getUsed()).orElseThrow()
                        + " " + live.size() + " " + parsed.size());
            }
        }
    }
}
