package org.jcalico.felix;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.management.HotSpotDiagnosticMXBean;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import org.jcalico.agent.JvmCommand;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * In a JVM with the agent's options: the start runs with a young generation sized for it, and once the start's peak is
 * given back the heap is what it was sized to before (docs/agent.md, "Start-up of the agent", session 34).
 */
class StartPeakTest {
    @Test
    void theStartHasAYoungGenerationOfItsOwnAndGivesItBack() throws IOException, InterruptedException {
        List<String> jvm = new ArrayList<>(JvmCommand.jcalico().subList(0, 1));
        jvm.addAll(JvmCommand.AGENT_FLAGS);
        jvm.addAll(List.of("-cp", System.getProperty("java.class.path"), Probe.class.getName()));
        Process process = new ProcessBuilder(jvm).redirectErrorStream(true).start();
        String out = new String(process.getInputStream().readAllBytes());
        assertEquals(0, process.waitFor(), out);
        String[] lines = out.strip().split("\n");
        String[] before = lines[0].split(" ");
        String[] during = lines[1].split(" ");
        String[] after = lines[2].split(" ");
        // -Xms8m: 1.5 MB of young generation, eden 1.3 MB, the size the agent's start had to itself until session 34
        assertTrue(Long.parseLong(before[0]) < 2 << 20, out);
        // what is in use before its collection bounds the room from above: here 2 MB in use for 1.3 MB live, eden 8.4 MB
        assertTrue(Long.parseLong(during[0]) >= 6 << 20, "the start's eden: " + out);
        // given back: the old generation sized to what is live again, the young one a quarter of it
        assertTrue(Long.parseLong(after[0]) < 2 << 20, "eden after the start: " + out);
        assertTrue(Long.parseLong(after[1]) < 16 << 20, "heap committed after the start: " + out);
        // the free ratios the agent runs with are its own again
        assertEquals(before[2] + " " + before[3], during[2] + " " + during[3], out);
    }

    /**
     * Once the start's peak is given back, the process no longer holds the pages of the read-only files it mapped (the
     * JVM's library, the AOT cache's read-only part): they are read again from the page cache when touched, with the
     * same content; a mapping this process wrote into (copy-on-write) keeps what it wrote (docs/agent.md, "Memory",
     * session 37).
     */
    @Test
    void givingThePeakBackLetsGoOfReadOnlyFilePagesAndKeepsEveryonesContent(@TempDir Path dir) throws IOException {
        // named as a library: the agent lets go only of files mapped for its life (libraries, its AOT cache)
        Path file = dir.resolve("libpages.so");
        byte[] content = new byte[8 << 20];
        for (int i = 0; i < content.length; i++) {
            content[i] = (byte) (i * 31 + i / 4096);
        }
        Files.write(file, content);
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
            MappedByteBuffer read = channel.map(FileChannel.MapMode.READ_ONLY, 0, content.length);
            MappedByteBuffer written = channel.map(FileChannel.MapMode.PRIVATE, 0, content.length);
            long sum = 0;
            for (int i = 0; i < content.length; i += 4096) {
                sum += read.get(i);
                written.put(i, (byte) 7);
            }
            assertTrue(residentKilobytes(file, "r--s") > 7 << 10, "read-only mapping not resident: " + sum);

            StartPeak.giveBack();

            assertTrue(residentKilobytes(file, "r--s") < 1 << 10, "read-only mapping still resident");
            assertTrue(residentKilobytes(file, "rw-p") > 7 << 10, "copy-on-write mapping let go");
            for (int i = 0; i < content.length; i += 997) {
                assertEquals(content[i], read.get(i), "read-only mapping at " + i);
                assertEquals(i % 4096 == 0 ? 7 : content[i], written.get(i), "copy-on-write mapping at " + i);
            }
        }
    }

    /** The resident kB of this process's mappings of FILE with PERMISSIONS, from /proc/self/smaps. */
    private static long residentKilobytes(Path file, String permissions) throws IOException {
        long resident = 0;
        boolean in = false;
        for (String line : Files.readAllLines(Path.of("/proc/self/smaps"))) {
            if (line.matches("^[0-9a-f]+-[0-9a-f]+ .*")) {
                in = line.endsWith(" " + file) && line.split(" ")[1].equals(permissions);
            } else if (in && line.startsWith("Rss:")) {
                resident += Long.parseLong(line.replaceAll("\\D", ""));
            }
        }
        return resident;
    }

    /** Prints eden's and the heap's committed bytes and the free ratios: before, after makeRoom, after giveBack. */
    static final class Probe {
        public static void main(String[] args) {
            print();
            StartPeak.makeRoom();
            print();
            List<byte[]> garbage = new ArrayList<>();
            for (int i = 0; i < 200_000; i++) {
                garbage.add(new byte[100]);
                if (garbage.size() > 1_000) {
                    garbage.clear();
                }
            }
            StartPeak.giveBack();
            print();
        }

        private static void print() {
            long eden = ManagementFactory.getMemoryPoolMXBeans().stream().filter(pool -> pool.getName().contains("Eden"))
                    .mapToLong(pool -> pool.getUsage().getCommitted()).sum();
            HotSpotDiagnosticMXBean vm = ManagementFactory.getPlatformMXBean(HotSpotDiagnosticMXBean.class);
            System.out.println(eden + " " + Runtime.getRuntime().totalMemory() + " " + vm.getVMOption("MinHeapFreeRatio").getValue()
                    + " " + vm.getVMOption("MaxHeapFreeRatio").getValue());
        }
    }
}
