package org.jcalico.bgp;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import org.jcalico.kernel.CommandRunner;
import org.jcalico.kernel.KernelException;
import org.jcalico.kernel.PidFile;

/**
 * The node's BIRD: started on first configuration, reconfigured in place (`birdc configure`) when the configuration
 * changes, restarted if it died. It runs detached from the agent, so BGP sessions survive an agent restart; a new
 * agent adopts the running BIRD through its pid file.
 */
public final class BirdDaemon {
    private final Path runDir;
    private final CommandRunner runner;
    private String applied;

    public BirdDaemon(Path runDir, CommandRunner runner) {
        this.runDir = runDir;
        this.runner = runner;
    }

    public Path socket() {
        return runDir.resolve("bird.ctl");
    }

    private Path configFile() {
        return runDir.resolve("bird.conf");
    }

    private Path pidFile() {
        return runDir.resolve("bird.pid");
    }

    /**
     * Makes BIRD run with this configuration; returns what was done ("started", "reconfigured", "restarted") or
     * empty when nothing was needed.
     */
    public Optional<String> ensure(String config) {
        boolean alive = process().isPresent();
        if (alive && config.equals(applied)) {
            return Optional.empty();
        }
        write(config);
        if (alive) {
            CommandRunner.Result result = runner.run("birdc", "-s", socket().toString(), "configure");
            if (!result.ok() || !result.stdout().contains("Reconfigur")) {
                throw new KernelException("birdc configure: " + (result.stdout() + result.stderr()).strip());
            }
            applied = config;
            return Optional.of("reconfigured");
        }
        boolean restart = applied != null;
        runner.run("setsid", "bird", "-c", configFile().toString(), "-s", socket().toString(), "-P", pidFile().toString())
                .check();
        applied = config;
        return Optional.of(restart ? "restarted after it died" : "started");
    }

    /**
     * BIRD's verdict on a configuration, without applying it (`bird -p`): empty if it would accept it, else BIRD's
     * message, which names the refused line ("bird: FILE:LINE:COLUMN reason").
     */
    public Optional<String> check(String config) {
        Path candidate = runDir.resolve("bird.conf.check");
        writeTo(candidate, config);
        CommandRunner.Result result = runner.run("bird", "-p", "-c", candidate.toString());
        return result.ok() ? Optional.empty() : Optional.of((result.stdout() + result.stderr()).strip());
    }

    /** The BIRD started for this run directory: BIRD's pid file has no start time, so its command line must name the file. */
    public Optional<ProcessHandle> process() {
        return PidFile.liveProcess(pidFile(), args -> args.getFirst().endsWith("bird")
                && PidFile.contains(args, java.util.List.of("-P", pidFile().toString())));
    }

    /** Stops BIRD; its kernel routes stay (persist) until the next BIRD or the admin removes them. */
    public void stop() {
        process().ifPresent(handle -> {
            handle.destroy();
            handle.onExit().join();
        });
    }

    private void write(String config) {
        writeTo(configFile(), config);
    }

    private void writeTo(Path file, String config) {
        try {
            Files.createDirectories(runDir);
            Path temporary = file.resolveSibling(file.getFileName() + ".tmp");
            Files.writeString(temporary, config);
            Files.move(temporary, file, java.nio.file.StandardCopyOption.REPLACE_EXISTING,
                    java.nio.file.StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            throw new KernelException("cannot write " + file + ": " + e.getMessage());
        }
    }
}
