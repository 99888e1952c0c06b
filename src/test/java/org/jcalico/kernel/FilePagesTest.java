package org.jcalico.kernel;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import org.junit.jupiter.api.Test;

/** Which mappings the agent lets go of after its start: only pages that are the file's, never the process's own. */
class FilePagesTest {
    private static final String SMAPS = """
            800da0000-801e47000 r--p 00da0000 fe:00 5686227                          /work/target/jcalico-agent.aot
            Size:              17052 kB
            Rss:               17044 kB
            Anonymous:             0 kB
            VmFlags: rd mr mw me
            800001000-800da0000 rw-p 00001000 fe:00 5686227                          /work/target/jcalico-agent.aot
            Rss:               13948 kB
            Anonymous:         13732 kB
            7f629cce3000-7f629dd6f000 r-xp 002e3000 fe:00 1234                       /usr/lib/jvm/lib/server/libjvm.so
            Rss:               13144 kB
            Anonymous:             0 kB
            7f629e080000-7f629e16b000 r--p 01780000 fe:00 1234                       /usr/lib/jvm/lib/server/libjvm.so
            Rss:                 940 kB
            Anonymous:           940 kB
            7f628f400000-7f6297f33000 r--s 00000000 fe:00 99                         /usr/lib/jvm/lib/modules
            Rss:                1472 kB
            Anonymous:             0 kB
            7f6298000000-7f6298439000 rw-p 00000000 00:00 0
            Rss:                3568 kB
            Anonymous:          3568 kB
            7ffd1c3f2000-7ffd1c3f4000 r-xp 00000000 00:00 0                          [vdso]
            Rss:                   8 kB
            Anonymous:             0 kB
            7f629e200000-7f629e201000 r--p 00000000 fe:00 77                         /usr/lib/untouched.so
            Rss:                   0 kB
            Anonymous:             0 kB
            7f629e300000-7f629e400000 r--s 00000000 fe:00 78                         /tmp/a-buffer-mapped-for-a-while
            Rss:                1024 kB
            Anonymous:             0 kB
            7f629e400000-7f629e401000 r-xp 00000000 fe:00 79                         /usr/lib/x86_64-linux-gnu/libc.so.6
            Rss:                   4 kB
            Anonymous:             0 kB
            """;

    @Test
    void onlyReadOnlyFilePagesThatThisProcessNeverWroteAreLetGo() {
        List<FilePages.Mapping> mappings = FilePages.parse(SMAPS.lines().toList());
        assertEquals(10, mappings.size());
        assertEquals(List.of("/work/target/jcalico-agent.aot r--p 17044", "/usr/lib/jvm/lib/server/libjvm.so r-xp 13144",
                        "/usr/lib/jvm/lib/modules r--s 1472", "/usr/lib/x86_64-linux-gnu/libc.so.6 r-xp 4"),
                mappings.stream().filter(FilePages.Mapping::releasable)
                        .map(mapping -> mapping.file() + " " + mapping.permissions() + " " + mapping.residentKb()).toList());
        assertEquals(0x800da0000L, mappings.getFirst().start());
        assertEquals(0x801e47000L, mappings.getFirst().end());
    }
}
