package org.jcalico.kernel;

import java.io.IOException;

/**
 * A person's command that stops with this process: {@link #stop} from a shutdown hook either prevents its start or,
 * once it has started, kills it with what it started. Start and stop exclude each other, so a stop that comes while
 * the command starts waits for the start and then kills it: no command outlives a stop.
 */
final class AttachedCommand {
    private final ProcessBuilder builder;
    private Process process;
    private boolean stopped;

    AttachedCommand(ProcessBuilder builder) {
        this.builder = builder;
    }

    synchronized Process start() throws IOException {
        if (stopped) {
            throw new IOException("stopped before it started");
        }
        process = OwnProcesses.started(builder.start());
        return process;
    }

    synchronized void stop() {
        stopped = true;
        if (process != null) {
            ProcessTree.kill(process);
        }
    }
}
