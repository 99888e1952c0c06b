package org.jcalico.kernel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A pid file names a process only while that very process lives: not a later one that reuses its pid. */
class PidFileTest {
    @TempDir
    Path dir;

    @Test
    void namesOnlyTheProcessThatWroteItWithTheExpectedCommandLine() throws Exception {
        Path file = dir.resolve("agent.pid");
        PidFile.writeSelf(file);
        long self = ProcessHandle.current().pid();
        assertEquals(Optional.of(self), PidFile.liveProcess(file, args -> true).map(ProcessHandle::pid));
        assertEquals(Optional.empty(), PidFile.liveProcess(file, args -> false), "another command line");

        String[] fields = Files.readString(file).strip().split(" ");
        Files.writeString(file, fields[0] + " " + (Long.parseLong(fields[1]) + 1) + "\n");
        assertEquals(Optional.empty(), PidFile.liveProcess(file, args -> true), "the same pid, started at another time");

        Process sleep = new ProcessBuilder("sleep", "30").start();
        try {
            Files.writeString(file, sleep.pid() + "\n");
            assertEquals(Optional.empty(), PidFile.liveProcess(file, args -> args.getFirst().endsWith("bird")),
                    "an unrelated process named by a pid file without a start time (as BIRD writes it)");
            assertTrue(PidFile.liveProcess(file, args -> args.equals(List.of("sleep", "30"))).isPresent());
        } finally {
            sleep.destroyForcibly();
        }
        Files.writeString(file, "garbage\n");
        assertEquals(Optional.empty(), PidFile.liveProcess(file, args -> true));
        assertEquals(Optional.empty(), PidFile.liveProcess(dir.resolve("missing.pid"), args -> true));
    }
}
