package org.jcalico.kernel;

import java.util.List;

/**
 * Stops a tool jcalico gave up on together with the processes it started: a tool hung under the long-lived shell (an
 * iptables-restore waiting for the xtables lock, say) holds the shell's output open after the shell is killed, and
 * whoever reads that output waited for as long as the tool lived.
 */
final class ProcessTree {
    private ProcessTree() {
    }

    /**
     * Kills the process and its descendants. They are listed first: once their parent is gone they belong to init
     * and are no longer found; the parent is killed next, so that it starts no more.
     */
    static void kill(Process process) {
        List<ProcessHandle> descendants = process.descendants().toList();
        process.destroyForcibly();
        descendants.forEach(ProcessHandle::destroyForcibly);
    }
}
