package org.jcalico.kernel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.jcalico.testing.JavaProcess;
import org.junit.jupiter.api.Test;

class NativeHeapTest {
    private static final Linker LINKER = Linker.nativeLinker();
    private static final MethodHandle MALLOC = LINKER.downcallHandle(LINKER.defaultLookup().findOrThrow("malloc"),
            FunctionDescriptor.of(ValueLayout.ADDRESS, ValueLayout.JAVA_LONG));
    private static final MethodHandle FREE = LINKER.downcallHandle(LINKER.defaultLookup().findOrThrow("free"),
            FunctionDescriptor.ofVoid(ValueLayout.ADDRESS));

    /**
     * 64 MB in small blocks, written, then freed below a block kept to the end: glibc keeps the freed pages resident
     * (free only gives back the top of an arena), and the trim hands them back.
     */
    @Test
    void freedSmallBlocksLeaveTheProcessOnlyWhenTrimmed() throws Throwable {
        List<MemorySegment> blocks = new ArrayList<>();
        for (int i = 0; i < 64 * 1024; i++) {
            MemorySegment block = ((MemorySegment) MALLOC.invoke(1000L)).reinterpret(1000);
            block.fill((byte) 1);
            blocks.add(block);
        }
        MemorySegment pin = (MemorySegment) MALLOC.invoke(1000L);
        for (MemorySegment block : blocks) {
            FREE.invoke(block);
        }
        long freed = residentKilobytes();
        boolean trimmed = NativeHeap.trim();
        long after = residentKilobytes();
        FREE.invoke(pin);
        assertTrue(trimmed, "malloc_trim gave nothing back");
        assertTrue(freed - after > 32 * 1024, "resident before the trim " + freed + " kB, after " + after + " kB");
    }

    /**
     * Once large blocks are mapped apart, 64 MB of 32 KB blocks (a compiler arena's chunk size) freed between small
     * blocks that outlive them leave the process at once, without a trim; without the setting they stay resident in
     * the arena, since those small blocks keep their pages and a trim can give back only whole free pages. Each in a
     * JVM of its own with the agent's flags: the setting is the process's for good, and a test JVM's own allocations
     * and collections would move its RSS by as much as the blocks.
     */
    @Test
    void largeBlocksMappedApartLeaveTheProcessWhenFreed() throws IOException, InterruptedException {
        long apart = freedByProbe("apart");
        long arena = freedByProbe("arena");
        assertTrue(apart > 48 * 1024, "mapped apart, freed " + apart + " kB of 64 MB");
        assertTrue(arena < 16 * 1024, "in the arena, freed " + arena + " kB of 64 MB");
    }

    /** The kB that freeing the probe's large blocks took off its RSS. */
    private static long freedByProbe(String mode) throws IOException, InterruptedException {
        Process process = new ProcessBuilder(JavaProcess.withAgentFlags(List.of(), LargeBlocksProbe.class, mode))
                .redirectErrorStream(true).start();
        String out = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertEquals(0, process.waitFor(), out);
        String[] kilobytes = out.strip().split(" ");
        return Long.parseLong(kilobytes[0]) - Long.parseLong(kilobytes[1]);
    }

    /** Prints its RSS with 2,048 blocks of 32 KB written among small ones, and once they are freed (kB). */
    static final class LargeBlocksProbe {
        public static void main(String[] args) throws Throwable {
            if (args[0].equals("apart") && !NativeHeap.mapLargeBlocksApart()) {
                throw new IllegalStateException("mallopt refused");
            }
            List<MemorySegment> large = new ArrayList<>();
            List<MemorySegment> small = new ArrayList<>();
            for (int i = 0; i < 2 * 1024; i++) {
                MemorySegment block = ((MemorySegment) MALLOC.invoke(32L << 10)).reinterpret(32 << 10);
                block.fill((byte) 1);
                large.add(block);
                small.add((MemorySegment) MALLOC.invoke(64L));
            }
            long written = residentKilobytes();
            for (MemorySegment block : large) {
                FREE.invoke(block);
            }
            long freed = residentKilobytes();
            for (MemorySegment block : small) {
                FREE.invoke(block);
            }
            System.out.println(written + " " + freed);
        }
    }

    private static long residentKilobytes() throws IOException {
        return Files.readAllLines(Path.of("/proc/self/status")).stream().filter(line -> line.startsWith("VmRSS:"))
                .map(line -> Long.parseLong(line.replaceAll("\\D", ""))).findFirst().orElseThrow();
    }
}
