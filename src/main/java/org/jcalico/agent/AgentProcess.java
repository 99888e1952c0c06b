package org.jcalico.agent;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;
import org.jcalico.felix.AgentStatusFile;
import org.jcalico.kernel.PidFile;
import org.jcalico.log.LogFiles;
import org.jcalico.model.ValidationException;

/**
 * A node's agent and its supervisor as processes: starting them in the background, finding them by their pid files
 * (only the very processes that wrote them, see PidFile), and stopping them.
 */
public final class AgentProcess {
    /**
     * How long a start waits for the agent to get in sync unless told otherwise (`node start --timeout`): an agent on
     * a small cluster gets there in a few seconds; a big cluster's first listing, or a loaded machine, may need longer,
     * and a script that wants to know sooner may say less (docs/agent.md, session 51).
     */
    public static final java.time.Duration START_TIMEOUT = java.time.Duration.ofSeconds(20);
    private static final long STOP_TIMEOUT_MILLIS = 10_000;
    /** The claims this process holds (by lock file), for its life: a channel closed, or collected, lets its lock go. */
    private static final Map<Path, FileChannel> CLAIMS = new ConcurrentHashMap<>();
    private final AgentPaths paths;

    public AgentProcess(AgentPaths paths) {
        this.paths = paths;
    }

    /** The running agent, if its pid file names a live agent process. */
    public Optional<ProcessHandle> running() {
        return PidFile.liveProcess(paths.pidFile(), AgentOptions::isAgentCommand);
    }

    /** The running supervisor, if any. */
    public Optional<ProcessHandle> supervisor() {
        return PidFile.liveProcess(paths.supervisorPidFile(), AgentOptions::isAgentCommand);
    }

    /** Marks this process as the node's agent; the pid file goes when the JVM exits. */
    public void claim() {
        claim(paths.pidFile(), this::running, "an agent");
    }

    /** Marks this process as the node's supervisor. */
    void claimSupervisor() {
        claim(paths.supervisorPidFile(), this::supervisor, "a supervisor");
    }

    /**
     * The pid file is written after the check that it names no live process: two processes a moment apart (a
     * supervisor's restart and an agent run by hand, two by hand) both passed the check, and both ran. The claim is
     * also a lock on the file beside it (agent.lock, supervisor.lock: {@link HeldFile}), taken before the check and held
     * for this process's life, so that of two claims one fails, whatever their timing.
     */
    private void claim(Path pidFile, Supplier<Optional<ProcessHandle>> running, String what) {
        try {
            RunDirectory.secure(paths.runDir());
        } catch (IOException e) {
            throw new ValidationException("cannot write " + pidFile + ": " + e.getMessage());
        }
        Path lock = pidFile.resolveSibling(pidFile.getFileName().toString().replaceFirst("\\.pid$", ".lock"));
        if (!CLAIMS.containsKey(lock)) {
            CLAIMS.put(lock, HeldFile.take(lock).orElseThrow(() -> new ValidationException(what
                    + " for this node is already running (another process holds " + lock + ")")));
        }
        running.get().filter(handle -> handle.pid() != ProcessHandle.current().pid()).ifPresent(handle -> {
            throw new ValidationException(what + " for this node is already running (pid " + handle.pid() + ")");
        });
        try {
            PidFile.writeSelf(pidFile);
            pidFile.toFile().deleteOnExit();
        } catch (IOException e) {
            throw new ValidationException("cannot write " + pidFile + ": " + e.getMessage());
        }
        try {
            // before the log is opened: root appends to whatever felix.log names
            RunDirectory.logs(paths.logDir(), "--log-dir");
        } catch (IOException e) {
            throw new ValidationException("cannot log to " + paths.logDir() + ": " + e.getMessage());
        }
    }

    /**
     * Starts the supervisor with these options, detached from this terminal, and waits until its agent reports being
     * in sync; returns the agent's pid. If the agent dies or does not get there in time, both are stopped and the
     * reason thrown.
     */
    public long startInBackground(AgentOptions options, java.time.Duration timeout) {
        try (StartHold start = prepareStart()) {
            Process process;
            try {
                List<String> command = new ArrayList<>(List.of("setsid"));
                command.addAll(options.command(AgentOptions.Role.SUPERVISOR));
                process = new ProcessBuilder(command).redirectErrorStream(true)
                        .redirectOutput(LogFiles.appendTo(paths.console()))
                        .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null"))).start();
            } catch (IOException e) {
                throw new ValidationException("cannot start the agent: " + e.getMessage());
            }
            return awaitInSync(() -> process.isAlive() ? Optional.empty() : Optional.of("status " + process.exitValue()),
                    this::stop, timeout);
        }
    }

    /**
     * Before an agent starts (here or in a container): none may run yet; its log directory and its run directory
     * (root's alone) are there, and an earlier agent's status is kept as stopped: no report of its counts as the new
     * agent's, but what it programmed stays what the kernel holds until the new one's first pass. Returns the node's
     * start ({@link StartHold}), to be held until the agent is in sync or stopped.
     */
    public StartHold prepareStart() {
        try {
            RunDirectory.secure(paths.runDir());
        } catch (IOException e) {
            throw new ValidationException("cannot prepare the agent's directories: " + e.getMessage());
        }
        StartHold start = StartHold.take(paths.runDir());
        try {
            running().or(this::supervisor).ifPresent(handle -> {
                throw new ValidationException("an agent for this node is already running (pid " + handle.pid() + ")");
            });
            RunDirectory.logs(paths.logDir(), "--log-dir");
            new AgentStatusFile(paths.statusFile(), "").retire();
            return start;
        } catch (IOException | IllegalStateException e) {
            start.close();
            throw new ValidationException("cannot prepare the agent's directories: " + e.getMessage());
        } catch (RuntimeException e) {
            start.close();
            throw e;
        }
    }

    /**
     * Waits until a just started agent reports being in sync and returns its pid. {@code exited} tells, while
     * waiting, whether what runs the agent has ended (and how); then, or after TIMEOUT, {@code stop}
     * stops what is left and the agent's last error is thrown. {@link #prepareStart} marked an earlier agent's
     * report stopped before, so that it does not count.
     */
    public long awaitInSync(java.util.function.Supplier<Optional<String>> exited, Runnable stop, java.time.Duration timeout) {
        AgentStatusFile statusFile = new AgentStatusFile(paths.statusFile(), "");
        long deadline = System.currentTimeMillis() + timeout.toMillis();
        while (System.currentTimeMillis() < deadline) {
            AgentStatusFile.Status status = statusFile.read();
            Optional<ProcessHandle> agent = running();
            if (status != null && status.state().running() && agent.isPresent()) {
                return agent.get().pid();
            }
            Optional<String> ended = exited.get();
            if (ended.isPresent()) {
                stop.run();
                throw new ValidationException("the agent exited at start (" + ended.get() + "): "
                        + lastLine() + " (see " + paths.log() + ")");
            }
            sleep(20);
        }
        stop.run();
        // what the agent itself reported while it waited (its store missing, the datastore unreachable), if anything
        AgentStatusFile.Status last = statusFile.read();
        String why = last == null || last.problem() == null || last.state() == AgentStatusFile.State.stopped ? ""
                : " (" + last.state() + ": " + last.problem() + ")";
        throw new ValidationException("the agent did not get in sync within " + timeout.toSeconds()
                + " s" + why + "; stopped it (see " + paths.log() + ")");
    }

    /** Stops the supervisor (so that nothing restarts the agent), then the agent; the agent's pid, if one ran. */
    public Optional<Long> stop() {
        Optional<ProcessHandle> agent = running();
        supervisor().ifPresent(AgentProcess::terminate);
        agent.ifPresent(AgentProcess::terminate);
        return agent.map(ProcessHandle::pid);
    }

    private static void terminate(ProcessHandle handle) {
        handle.destroy();
        long deadline = System.currentTimeMillis() + STOP_TIMEOUT_MILLIS;
        // exited, not reaped: a detached agent's parent is init, which reaps when it gets to it (PidFile.exited)
        while (!PidFile.exited(handle) && System.currentTimeMillis() < deadline) {
            sleep(20);
        }
        if (!PidFile.exited(handle)) {
            handle.destroyForcibly();
        }
    }

    private String lastLine() {
        for (var file : List.of(paths.console(), paths.log())) {
            try {
                List<String> lines = Files.readAllLines(file);
                for (int i = lines.size() - 1; i >= 0; i--) {
                    if (lines.get(i).contains("error")) {
                        return lines.get(i).strip();
                    }
                }
            } catch (IOException e) {
                // try the next file
            }
        }
        return "no error message";
    }

    static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
