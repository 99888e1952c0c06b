package org.jcalico.kernel;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The processes this JVM started to change a kernel (its tools: iptables-restore, nft ...), remembered until
 * {@link #GRACE_NANOS} after they were first seen ended: a commit to nf_tables names its task, which a short-lived tool
 * has usually ended and been reaped by when the commit's notification is read ({@link NfTablesCommits}), so its
 * ancestry can no longer be read. A pid is reused only after the kernel has handed out every other (pid_max, 32,768
 * at least): not within seconds short of a fork bomb. Ends are seen by {@link #sweep}, which each start and
 * {@link NfTablesCommits}' thread (at least once a second) run; no callback on a process's exit, which would run on
 * the common pool and start its thread in every agent.
 */
final class OwnProcesses {
    static final long GRACE_NANOS = 5_000_000_000L;
    private static final Map<Long, Started> STARTED = new ConcurrentHashMap<>();

    private OwnProcesses() {
    }

    /** Remembers a process just started; returns it. */
    static Process started(Process process) {
        sweep();
        STARTED.put(process.pid(), new Started(process));
        return process;
    }

    /** Whether PID is a process this JVM started that runs, or was first seen ended within the grace. */
    static boolean recent(long pid) {
        Started started = STARTED.get(pid);
        return started != null && (started.process.isAlive() || System.nanoTime() - started.endSeen <= GRACE_NANOS
                || started.endSeen == Long.MAX_VALUE);
    }

    /** Stamps the processes seen ended for the first time; forgets those ended beyond the grace. */
    static void sweep() {
        long now = System.nanoTime();
        STARTED.values().removeIf(started -> {
            if (started.process.isAlive()) {
                return false;
            }
            if (started.endSeen == Long.MAX_VALUE) {
                started.endSeen = now;
            }
            return now - started.endSeen > GRACE_NANOS;
        });
    }

    private static final class Started {
        final Process process;
        /** When the process was first seen ended (System.nanoTime); Long.MAX_VALUE until then. */
        volatile long endSeen = Long.MAX_VALUE;

        Started(Process process) {
            this.process = process;
        }
    }
}
