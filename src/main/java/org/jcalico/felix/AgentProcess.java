package org.jcalico.felix;

import java.io.IOException;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.jcalico.kernel.PidFile;
import org.jcalico.model.ValidationException;

/** Starting the agent in the background, finding it by its pid file, and stopping it. */
public final class AgentProcess {
    private static final long START_TIMEOUT_MILLIS = 20_000;
    private static final long STOP_TIMEOUT_MILLIS = 10_000;
    private final AgentPaths paths;

    public AgentProcess(AgentPaths paths) {
        this.paths = paths;
    }

    /** The running agent's process, if its pid file names a live one. */
    public Optional<ProcessHandle> running() {
        return PidFile.liveProcess(paths.pidFile());
    }

    /** Marks this process as the node's agent; the pid file goes when the JVM exits. */
    public void claim() {
        running().filter(handle -> handle.pid() != ProcessHandle.current().pid()).ifPresent(handle -> {
            throw new ValidationException("an agent for this node is already running (pid " + handle.pid() + ")");
        });
        try {
            Files.createDirectories(paths.runDir());
            Files.writeString(paths.pidFile(), ProcessHandle.current().pid() + "\n");
            paths.pidFile().toFile().deleteOnExit();
        } catch (IOException e) {
            throw new ValidationException("cannot write " + paths.pidFile() + ": " + e.getMessage());
        }
    }

    /**
     * Starts {@code agentCommand} (a foreground agent) detached from this terminal and waits until it reports being
     * in sync; returns its pid. If it dies or does not get there in time, it is stopped and the reason thrown.
     */
    public long startInBackground(List<String> agentCommand) {
        running().ifPresent(handle -> {
            throw new ValidationException("an agent for this node is already running (pid " + handle.pid() + ")");
        });
        AgentStatusFile statusFile = new AgentStatusFile(paths.statusFile(), "");
        Process process;
        try {
            Files.createDirectories(paths.logDir());
            Files.createDirectories(paths.runDir());
            Files.deleteIfExists(paths.statusFile());
            List<String> command = new ArrayList<>(List.of("setsid"));
            command.addAll(agentCommand);
            process = new ProcessBuilder(command).redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.appendTo(paths.console().toFile()))
                    .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null"))).start();
        } catch (IOException e) {
            throw new ValidationException("cannot start the agent: " + e.getMessage());
        }
        long deadline = System.currentTimeMillis() + START_TIMEOUT_MILLIS;
        while (System.currentTimeMillis() < deadline) {
            AgentStatusFile.Status status = statusFile.read();
            if (status != null && status.state().running()) {
                return process.pid();
            }
            if (!process.isAlive()) {
                throw new ValidationException("the agent exited at start (status " + process.exitValue() + "): "
                        + lastLine() + " (see " + paths.log() + ")");
            }
            sleep(20);
        }
        process.destroy();
        throw new ValidationException("the agent did not get in sync within " + START_TIMEOUT_MILLIS / 1000
                + " s; stopped it (see " + paths.log() + ")");
    }

    /** Stops the agent and waits for it to exit; empty if none was running. */
    public Optional<Long> stop() {
        Optional<ProcessHandle> handle = running();
        if (handle.isEmpty()) {
            return Optional.empty();
        }
        handle.get().destroy();
        long deadline = System.currentTimeMillis() + STOP_TIMEOUT_MILLIS;
        while (handle.get().isAlive() && System.currentTimeMillis() < deadline) {
            sleep(20);
        }
        if (handle.get().isAlive()) {
            handle.get().destroyForcibly();
        }
        return Optional.of(handle.get().pid());
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

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
