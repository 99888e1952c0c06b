package org.jcalico.workload;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Optional;

/**
 * The process that holds an intent record: its pid with its start time (a reused pid starts later) and the boot it
 * runs in (after a reboot every earlier holder is dead). Judged only on the node the intent is for, which is where
 * its commands run; all of that node's jcalico processes share one pid namespace.
 */
public record Owner(String bootId, long pid, long startMillis) {
    private static final Path BOOT_ID = Path.of("/proc/sys/kernel/random/boot_id");
    /**
     * This process, read once: its pid, start and boot never change while it runs, and reading them (procfs files
     * behind ProcessHandle.info()) cost 0.1-2 ms at each intent an agent's docker plugin wrote or removed.
     */
    private static final Owner CURRENT = read(ProcessHandle.current());

    public static Owner current() {
        return CURRENT;
    }

    private static Owner read(ProcessHandle self) {
        return new Owner(readBootId(), self.pid(), startOf(self));
    }

    /** Whether the process still runs (false for a process of an earlier boot, or a later one with the same pid). */
    public boolean alive() {
        if (!bootId.equals(readBootId())) {
            return false;
        }
        Optional<ProcessHandle> process = ProcessHandle.of(pid);
        return process.isPresent() && process.get().isAlive() && startOf(process.get()) == startMillis;
    }

    public boolean runsHere() {
        return equals(current());
    }

    private static long startOf(ProcessHandle process) {
        return process.info().startInstant().map(Instant::toEpochMilli).orElse(0L);
    }

    private static String readBootId() {
        try {
            return Files.readString(BOOT_ID).strip();
        } catch (IOException e) {
            return "unknown";
        }
    }
}
