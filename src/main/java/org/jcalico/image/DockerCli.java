package org.jcalico.image;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.jcalico.kernel.CommandRunner;
import org.jcalico.kernel.KernelException;

/**
 * Debian's docker client (/usr/bin/docker, never another one on the PATH), talking to the daemon that DOCKER_HOST
 * names, as every docker command the user types would. Quick calls go through {@link CommandRunner}; the long steps
 * of an image build through {@link #longStep}, which has no minute's limit and keeps the tool's output in a log.
 */
public final class DockerCli {
    static final String DOCKER = "/usr/bin/docker";
    private final CommandRunner runner;
    private final List<String> daemon;

    /** The client for the daemon its environment names (DOCKER_HOST, else the default socket). */
    public DockerCli(CommandRunner runner) {
        this.runner = runner;
        this.daemon = List.of();
    }

    /** The client for the daemon at host ("unix:///PATH"), whatever this process's environment says. */
    public DockerCli(CommandRunner runner, String host) {
        this.runner = runner;
        this.daemon = List.of("--host", host);
    }

    /** Whether the client is installed and its daemon answers. */
    public boolean available() {
        return Files.isExecutable(Path.of(DOCKER)) && run("version", "--format", "{{.Server.Version}}").ok();
    }

    public CommandRunner.Result run(String... args) {
        return runner.run(command(args));
    }

    /** The whole command line of a docker command, for a step that may take minutes (see {@link #longStep}). */
    List<String> command(String... args) {
        List<String> command = new ArrayList<>(List.of(DOCKER));
        command.addAll(daemon);
        command.addAll(List.of(args));
        return command;
    }

    /** A label of an image or container, or empty if there is no such object or no such label. */
    public Optional<String> label(String object, String label) {
        CommandRunner.Result result = run("inspect", "--format", "{{index .Config.Labels \"" + label + "\"}}", object);
        String value = result.stdout().strip();
        return result.ok() && !value.isEmpty() && !value.equals("<no value>") ? Optional.of(value) : Optional.empty();
    }

    /**
     * Runs a tool that may take minutes (mmdebstrap, jlink, docker import), its output appended to log; throws with
     * the log's last line when it fails.
     */
    static void longStep(List<String> command, Path log) {
        try {
            Files.createDirectories(log.getParent());
            Process process = new ProcessBuilder(command).redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()))
                    .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null"))).start();
            if (!process.waitFor(30, TimeUnit.MINUTES)) {
                process.destroyForcibly();
                throw new KernelException(command.getFirst() + ": timed out after 30 minutes (see " + log + ")");
            }
            if (process.exitValue() != 0) {
                List<String> lines = Files.readAllLines(log);
                String last = lines.isEmpty() ? "exit status " + process.exitValue() : lines.getLast().strip();
                throw new KernelException(Path.of(command.getFirst()).getFileName() + ": " + last + " (see " + log + ")");
            }
        } catch (IOException e) {
            throw new KernelException("cannot run " + command.getFirst() + ": " + e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new KernelException(command.getFirst() + ": interrupted");
        }
    }
}
