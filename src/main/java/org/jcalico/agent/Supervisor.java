package org.jcalico.agent;

import java.io.File;
import java.io.IOException;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import org.jcalico.felix.AgentStatusFile;
import org.jcalico.log.Log;
import org.jcalico.log.LogFiles;

/**
 * Keeps a node's agent running: starts it, and starts it again whenever it exits without being asked to (an internal
 * error, kill -9, out of memory), after a back-off that grows while it keeps failing. Meanwhile the kernel keeps the
 * routes and rules the agent last programmed, and the new agent adopts BIRD and repairs any drift at its start. A
 * first agent that exits before it ever got in sync is not restarted: `node start` reports why instead. Stopping the
 * supervisor (SIGTERM, as `node stop` does) stops its agent.
 */
public final class Supervisor {
    static final long FIRST_BACKOFF_MILLIS = 250;
    static final long MAX_BACKOFF_MILLIS = 30_000;
    /** An agent that ran this long was healthy: the next failure starts the back-off anew. */
    static final long HEALTHY_MILLIS = 60_000;
    private static final long STOP_TIMEOUT_MILLIS = 10_000;
    /** What {@link #waitFor} returns when the agent got in sync, with problems or without (no exit status is this low). */
    private static final int IN_SYNC = Integer.MIN_VALUE;

    private Supervisor() {
    }

    /** Runs until stopped; returns the first agent's exit status if it never got in sync. */
    public static int run(AgentOptions options) {
        AgentPaths paths = options.paths();
        new AgentProcess(paths).claimSupervisor();
        ProcessBuilder agent = new ProcessBuilder(options.command(AgentOptions.Role.AGENT)).redirectErrorStream(true)
                .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")));
        // agent.out made closed again if it is gone by a restart (the supervisor keeps the mask it was started with:
        // setting it would link the foreign function API into its start, ~60 ms of CPU before its agent starts)
        return supervise(Log.open(paths.log(), false, "info"), new AgentStatusFile(paths.statusFile(), options.node()),
                () -> agent.redirectOutput(LogFiles.appendTo(paths.console())).start(),
                stop -> Runtime.getRuntime().addShutdownHook(new Thread(stop)));
    }

    /** Starts the next agent. */
    interface AgentStarter {
        Process start() throws IOException;
    }

    /**
     * The supervision, with its edges given: how an agent starts, and where the stop is hooked ({@link #run}: the
     * JVM's shutdown, which halts the JVM once the stop returns, so any agent the stop did not end runs on
     * unsupervised). The agent supervision test drives a stop into the start of an agent through them.
     */
    static int supervise(Log log, AgentStatusFile statusFile, AgentStarter starter, Consumer<Runnable> onStop) {
        AtomicBoolean stopping = new AtomicBoolean();
        AtomicReference<Process> current = new AtomicReference<>();
        // Starting an agent and stopping are one step each under this lock: a stop that came while an agent was being
        // started would otherwise end the one before it and leave the new one running after the supervisor is gone
        Object starting = new Object();
        onStop.accept(() -> {
            Process agent;
            synchronized (starting) {
                stopping.set(true);
                agent = current.get();
            }
            if (agent != null) {
                agent.destroy();
                try {
                    if (!agent.waitFor(STOP_TIMEOUT_MILLIS, TimeUnit.MILLISECONDS)) {
                        agent.destroyForcibly();
                    }
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
        });
        boolean everInSync = false;
        long backoff = FIRST_BACKOFF_MILLIS;
        while (!stopping.get()) {
            long started = System.currentTimeMillis();
            Process agent;
            try {
                synchronized (starting) {
                    if (stopping.get()) {
                        break;
                    }
                    agent = starter.start();
                    current.set(agent);
                }
            } catch (IOException e) {
                log.error("supervisor: cannot start the agent: " + e.getMessage() + "; retrying in " + backoff + " ms");
                AgentProcess.sleep(backoff);
                backoff = Math.min(2 * backoff, MAX_BACKOFF_MILLIS);
                continue;
            }
            int status;
            try {
                status = waitFor(agent, everInSync ? null : statusFile);
                everInSync |= status == IN_SYNC;
                if (status == IN_SYNC) {
                    status = waitFor(agent, null);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                agent.destroy();
                return 0;
            }
            if (stopping.get()) {
                break;
            }
            if (!everInSync) {
                log.error("supervisor: the agent exited with status " + status + " before it got in sync; not restarting it");
                return status;
            }
            backoff = System.currentTimeMillis() - started > HEALTHY_MILLIS ? FIRST_BACKOFF_MILLIS : backoff;
            log.error("supervisor: the agent (pid " + agent.pid() + ") exited with status " + status
                    + " without being asked to; restarting it in " + backoff + " ms");
            AgentProcess.sleep(backoff);
            backoff = Math.min(2 * backoff, MAX_BACKOFF_MILLIS);
        }
        return 0;
    }

    /**
     * The agent's exit status; or IN_SYNC as soon as the status file says it programs the host, in sync or degraded
     * (as `node start` waits for), when one is given to watch.
     */
    private static int waitFor(Process agent, AgentStatusFile watched) throws InterruptedException {
        while (true) {
            if (agent.waitFor(watched == null ? 1000 : 50, TimeUnit.MILLISECONDS)) {
                return agent.exitValue();
            }
            if (watched != null) {
                AgentStatusFile.State state = watched.readState();
                if (state != null && state.running()) {
                    return IN_SYNC;
                }
            }
        }
    }
}
