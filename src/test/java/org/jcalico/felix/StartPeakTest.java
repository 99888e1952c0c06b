package org.jcalico.felix;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.management.HotSpotDiagnosticMXBean;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.List;
import org.jcalico.testing.JavaProcess;
import org.junit.jupiter.api.Test;

/**
 * In a JVM with the agent's options: the start runs with a young generation sized for it, and once the start's peak is
 * given back the heap is what it was sized to before (docs/agent.md, "Start-up of the agent", session 34).
 */
class StartPeakTest {
    @Test
    void theStartHasAYoungGenerationOfItsOwnAndGivesItBack() throws IOException, InterruptedException {
        // 4 MB alive through it all, as an agent holds when it makes its room (its log: "3-4 MB used of ...")
        String out = probe(4);
        String[] lines = out.strip().split("\n");
        String[] before = lines[0].split(" ");
        String[] during = lines[1].split(" ");
        String[] after = lines[2].split(" ");
        // -Xms8m: 1.5 MB of young generation, eden 1.3 MB, the size the agent's start had to itself until session 34
        assertTrue(Long.parseLong(before[0]) < 2 << 20, out);
        // what is in use before its collection bounds the room from above: here 4 MB alive, eden about 35 MB (8.4 MB when
        // the room was 64 MB of old generation, until session 38; with nothing alive, 1.3 MB as until session 41, the
        // room is capped by the largest free ratio, 99 %, and a sixth of 130 MB is a 17 MB eden)
        assertTrue(Long.parseLong(during[0]) >= 20 << 20, "the start's eden: " + out);
        // the start's 256 MB of short-lived garbage (a listing's pages, the first calculation's temporaries) in a
        // handful of young collections (7 here): 30 in the 64 MB room's eden, each a pause that copies what is in flight
        assertTrue(Long.parseLong(during[4]) <= 12, "young collections in the start's room: " + out);
        // given back: the old generation sized to what is live again, the young one a sixth of it
        assertTrue(Long.parseLong(after[0]) < 2 << 20, "eden after the start: " + out);
        assertTrue(Long.parseLong(after[1]) < 16 << 20, "heap committed after the start: " + out);
        // the free ratios the agent runs with are its own again
        assertEquals(before[2] + " " + before[3], during[2] + " " + during[3], out);
    }

    @Test
    void theHeapKeptAfterTheStartIsMostlyOldGeneration() throws IOException, InterruptedException {
        String out = probe(32);
        String[] kept = out.strip().split("\n")[3].split(" ");
        long young = Long.parseLong(kept[0]);
        long old = Long.parseLong(kept[1]);
        // 32 MB live: an old generation of about 36 MB and a young generation a sixth of it (NewRatio=6), empty after
        // the collection but every page of it touched again by the next allocations; a quarter of it (NewRatio=4)
        // until session 41, 2-3 MB more of an agent's RSS for every 10 MB it keeps (docs/agent.md, "Memory")
        assertTrue(old >= 32 << 20, out);
        assertTrue(young * 11 <= old * 2, "young generation " + young + " for old generation " + old + ": " + out);
        // the start's room is as it was with NewRatio=4 and a 128 MB old generation: eden about 26 MB
        assertTrue(Long.parseLong(out.strip().split("\n")[1].split(" ")[0]) >= 24 << 20, "the start's eden: " + out);
    }

    @Test
    void theOldGenerationKeptAfterTheStartIsAtMostAFewPercentFree() throws IOException, InterruptedException {
        String[] kept = probe(32).strip().split("\n")[3].split(" ");
        long old = Long.parseLong(kept[1]);
        long oldUsed = Long.parseLong(kept[3]);
        // the full collection that gives the start back leaves 5 % of the old generation free (MaxHeapFreeRatio=5):
        // with 10 %, until session 42, 3 MB more of `bench scale`'s agent stayed committed and every page of it
        // resident (docs/agent.md, "Memory"); the changes after it promote into that room or grow the generation by it
        assertTrue((old - oldUsed) * 100 <= old * 6, "old generation " + old + " for " + oldUsed + " used");
    }

    /** The probe's output, run in a JVM with the agent's options, keeping LIVE MB alive. */
    private static String probe(int live) throws IOException, InterruptedException {
        return JavaProcess.outputWithAgentFlags(Probe.class, String.valueOf(live));
    }

    /**
     * Prints eden's and the heap's committed bytes and the free ratios: before, after makeRoom (with the young
     * collections that 256 MB of garbage took in the room), after giveBack, with the MB given kept alive through
     * all of it; then the young and the old generation's committed bytes, the objects kept alive and the old
     * generation's used bytes after giveBack.
     */
    static final class Probe {
        public static void main(String[] args) {
            System.out.println(state());
            List<byte[]> live = new ArrayList<>();
            for (int i = 0; i < Integer.parseInt(args[0]) << 10; i++) {
                live.add(new byte[1000]);
            }
            StartPeak.makeRoom();
            String room = state();
            long collections = youngCollections();
            List<byte[]> garbage = new ArrayList<>();
            // 256 MB in 1 KB arrays, 1 MB of them alive at a time
            for (int i = 0; i < 256 << 10; i++) {
                garbage.add(new byte[1000]);
                if (garbage.size() > 1_000) {
                    garbage.clear();
                }
            }
            System.out.println(room + " " + (youngCollections() - collections));
            StartPeak.giveBack();
            System.out.println(state());
            System.out.println(committed("Eden") + 2 * committed("Survivor") + " " + committed("Tenured") + " " + live.size() + " "
                    + ManagementFactory.getMemoryPoolMXBeans().stream().filter(each -> each.getName().contains("Tenured"))
                            .mapToLong(each -> each.getUsage().getUsed()).sum());
        }

        private static long committed(String pool) {
            return ManagementFactory.getMemoryPoolMXBeans().stream().filter(each -> each.getName().contains(pool))
                    .mapToLong(each -> each.getUsage().getCommitted()).sum();
        }

        private static long youngCollections() {
            return ManagementFactory.getGarbageCollectorMXBeans().stream().filter(gc -> gc.getName().equals("Copy"))
                    .mapToLong(gc -> gc.getCollectionCount()).sum();
        }

        private static String state() {
            long eden = ManagementFactory.getMemoryPoolMXBeans().stream().filter(pool -> pool.getName().contains("Eden"))
                    .mapToLong(pool -> pool.getUsage().getCommitted()).sum();
            HotSpotDiagnosticMXBean vm = ManagementFactory.getPlatformMXBean(HotSpotDiagnosticMXBean.class);
            return eden + " " + Runtime.getRuntime().totalMemory() + " " + vm.getVMOption("MinHeapFreeRatio").getValue()
                    + " " + vm.getVMOption("MaxHeapFreeRatio").getValue();
        }
    }
}
