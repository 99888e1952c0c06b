package org.jcalico.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ProcessMemoryTest {
    /** Two mappings of the AOT cache (one written in part), libjvm, a library, the heap and an anonymous mapping. */
    private static final List<String> SMAPS = List.of(
            "800000000-800e00000 rw-p 00001000 fd:01 1234                             /opt/jcalico/jcalico-agent.aot",
            "Size:              14336 kB",
            "Rss:               14000 kB",
            "Anonymous:         13000 kB",
            "800e00000-802000000 r--p 00e01000 fd:01 1234                             /opt/jcalico/jcalico-agent.aot",
            "Rss:               18000 kB",
            "Anonymous:             0 kB",
            "e0000000-e0700000 rw-p 00000000 00:00 0 ",
            "Rss:                6000 kB",
            "Anonymous:          6000 kB",
            "7f0000000000-7f0000400000 r-xp 00000000 fd:01 99                         /usr/lib/jvm/jdk/lib/server/libjvm.so",
            "Rss:               17000 kB",
            "Anonymous:          1000 kB",
            "7f0000400000-7f0000500000 r-xp 00000000 fd:01 98                         /usr/lib/x86_64-linux-gnu/libc.so.6",
            "Rss:                1500 kB",
            "7f0000600000-7f0000700000 rw-p 00000000 00:00 0",
            "Rss:                3000 kB",
            "Anonymous:          3000 kB",
            "VmFlags: rd wr mr mw me ac");

    @Test
    void eachMappingsResidentPagesCountInOnePartAndTheCachesWrittenPagesAreNamed() {
        Map<String, Long> parts = ProcessMemory.residentByPart(SMAPS, 0xe0000000L, 0x100000000L);

        assertEquals(List.of("java heap", "AOT cache", ProcessMemory.WRITTEN, "libjvm", "other files", "other anonymous"),
                List.copyOf(parts.keySet()));
        assertEquals(List.of(6000L, 32000L, 13000L, 17000L, 1500L, 3000L), List.copyOf(parts.values()));
        assertEquals("java heap 5.9, AOT cache 31.3, of it written 12.7, libjvm 16.6, other files 1.5, other anonymous 2.9",
                ProcessMemory.describe(parts));
    }

    /** Session 66's scale reading, 146 MiB after the full GC: within 150 MiB, over 150 decimal MB (143.1 MiB). */
    @Test
    void anRssIsPrintedInBothUnitsAndJudgedAgainstTheTargetReadBothWays() {
        long kilobytes = 146 * 1024;

        assertEquals("146 MiB (153 MB)", ProcessMemory.inBothUnits(kilobytes));
        assertEquals("target <= 150 MiB: met; <= 150 MB (143.1 MiB): NOT met", ProcessMemory.verdict(kilobytes, 150));
        assertEquals("target <= 150 MiB: met; <= 150 MB (143.1 MiB): met", ProcessMemory.verdict(143 * 1024, 150));
    }

    @Test
    void theClassesLineSaysHowManyCameFromTheAotCache() {
        String metaspace = String.join("\n", "6682:",
                "Metaspace        used 6887K, committed 7360K, reserved 1114112K",
                " class space     used 1452K, committed 1664K, reserved 1048576K",
                "",
                "Total Usage - 270 loaders, 5544 classes (4014 shared):",
                "  Non-Class:  521 chunks,      7.61 MB capacity,    5.55 MB ( 73%) committed");

        assertEquals("5,544 classes, 4,014 of them from the AOT cache, 1,530 not; 270 class loaders",
                ProcessMemory.classes(metaspace));
        assertEquals("classes: not in jcmd VM.metaspace's report", ProcessMemory.classes("6682:\nMetaspace used 6887K"));
    }
}
