package org.jcalico.kernel;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The processes this JVM started to change a kernel (its tools: iptables-restore, nft ...), remembered until
 * {@link #GRACE_NANOS} after they ended: a commit to nf_tables names its task, which a short-lived tool has usually
 * ended and been reaped by when the commit's notification is read ({@link NfTablesCommits}), so its ancestry can no
 * longer be read. A pid is reused only after the kernel has handed out every other (pid_max, 32,768 at least): not
 * within seconds short of a fork bomb.
 */
final class OwnProcesses {
    static final long GRACE_NANOS = 5_000_000_000L;
    /** By pid: when the process ended (System.nanoTime), or Long.MAX_VALUE while it runs. */
    private static final Map<Long, Long> ENDS = new ConcurrentHashMap<>();

    private OwnProcesses() {
    }

    /** Remembers a process just started; returns it. */
    static Process started(Process process) {
        long now = System.nanoTime();
        ENDS.values().removeIf(end -> end != Long.MAX_VALUE && now - end > GRACE_NANOS);
        long pid = process.pid();
        ENDS.put(pid, Long.MAX_VALUE);
        process.onExit().thenRun(() -> ENDS.replace(pid, Long.MAX_VALUE, System.nanoTime()));
        return process;
    }

    /** Whether PID is a process this JVM started that runs or ended within the grace. */
    static boolean recent(long pid) {
        Long end = ENDS.get(pid);
        return end != null && (end == Long.MAX_VALUE || System.nanoTime() - end <= GRACE_NANOS);
    }
}
