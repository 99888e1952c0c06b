package org.jcalico.agent;

import java.nio.channels.FileChannel;
import java.nio.file.Path;
import org.jcalico.model.ValidationException;

/**
 * One start of a node's agent at a time (`node start`, `node run`), held from the check that none runs until the agent
 * started is in sync or stopped: two starts a moment apart both passed that check (the first's supervisor, a JVM
 * starting, had not yet written its pid file), each started a supervisor, the second supervisor found the first's and
 * exited, and its start's cleanup stopped the node's agent and supervisor, the first's: both commands failed and no
 * agent ran (docs/agent.md, "Session 68 (t-hunt)"). A lock on RUN/NODE/start.lock (fcntl, which no child process
 * inherits and the kernel releases with its process: a killed start holds nothing); a start that finds it held fails
 * at once and changes nothing.
 */
public final class StartHold implements AutoCloseable {
    private final FileChannel channel;

    private StartHold(FileChannel channel) {
        this.channel = channel;
    }

    /** The node's start, for this process until closed; refused while another process (or this one) holds it. */
    static StartHold take(Path runDir) {
        return new StartHold(HeldFile.take(runDir.resolve("start.lock")).orElseThrow(() -> new ValidationException(
                "another start of this node's agent is under way; it says how it went"
                        + " (or see `jcalico node status` once it is done)")));
    }

    @Override
    public void close() {
        HeldFile.close(channel);
    }
}
