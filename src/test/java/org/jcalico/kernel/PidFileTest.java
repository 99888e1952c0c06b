package org.jcalico.kernel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.InputStreamReader;
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

    /**
     * A detached daemon's parent is init, which reaps it when it gets to it: 1.5 s after its exit on the CI machine,
     * where every BIRD and agent stop waited that long (session 51). Here the daemon's parent never reaps it (sh has
     * become a `sleep` that waits for nothing), so on session 50's code the stop waited its 10 s, killed the zombie and
     * waited 10 s more.
     */
    @Test
    void aDaemonThatHasExitedIsStoppedThoughItsParentHasNotReapedIt() throws Exception {
        Process parent = new ProcessBuilder("sh", "-c", "sleep 30 & echo $!; exec sleep 60").start();
        try {
            long pid = Long.parseLong(new BufferedReader(new InputStreamReader(parent.getInputStream())).readLine().strip());
            ProcessHandle daemon = ProcessHandle.of(pid).orElseThrow();
            long start = System.nanoTime();
            daemon.destroy();
            PidFile.awaitExitOrKill(daemon, 10);
            long tookMillis = (System.nanoTime() - start) / 1_000_000;
            assertTrue(tookMillis < 5_000, "a stopped daemon is seen to have exited at once, not after " + tookMillis + " ms");
            assertTrue(PidFile.exited(daemon), "and has exited");
        } finally {
            parent.destroyForcibly();
        }
    }
}
