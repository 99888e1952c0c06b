package org.jcalico.flows;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;
import org.jcalico.felix.program.DropLog;
import org.jcalico.kernel.CommandRunner;
import org.jcalico.kernel.KernelException;
import org.jcalico.kernel.PidFile;

/**
 * The node's ulogd: reads the denied-flow log's NFLOG group in the agent's network namespace and writes each packet
 * as a JSON line into a named pipe in the run directory, which the agent reads (no file of ulogd's grows on disk).
 * It is the agent's child, started when the log is on and stopped when it is off or the agent stops; one left by an
 * agent that died is stopped before a new one starts (only one reader may bind a group).
 */
final class Ulogd {
    private final Path runDir;
    private final Path logFile;
    private Process process;

    Ulogd(Path runDir, Path logFile) {
        this.runDir = runDir;
        this.logFile = logFile;
    }

    Path pipe() {
        return runDir.resolve("denied-flows.pipe");
    }

    private Path config() {
        return runDir.resolve("ulogd.conf");
    }

    private Path pidFile() {
        return runDir.resolve("ulogd.pid");
    }

    boolean running() {
        return process != null && process.isAlive();
    }

    /** The pipe, then ulogd writing to it (its open waits for the reader, who must be waiting on the pipe). */
    void makePipe() {
        if (Files.exists(pipe())) {
            return;
        }
        CommandRunner.Result made = CommandRunner.local().run("mkfifo", "-m", "600", pipe().toString());
        if (!made.ok()) {
            throw new KernelException("cannot make the pipe " + pipe() + ": " + made.stderr().strip());
        }
    }

    void start() {
        stopLeftover();
        try {
            Files.createDirectories(logFile.getParent());
            Files.writeString(config(), config(pluginDirectory(), DropLog.GROUP, pipe(), logFile));
            process = new ProcessBuilder("ulogd", "-c", config().toString(), "-p", pidFile().toString())
                    .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.appendTo(logFile.toFile()))
                    .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null"))).start();
        } catch (IOException e) {
            throw new KernelException("cannot start ulogd (is Debian's ulogd2 installed?): " + e.getMessage());
        }
    }

    void stop() {
        if (process != null) {
            stop(process.toHandle());
            process = null;
        }
    }

    /** A ulogd of this run directory that an agent before this one started. */
    private void stopLeftover() {
        PidFile.liveProcess(pidFile(), args -> args.getFirst().endsWith("ulogd")
                && PidFile.contains(args, List.of("-c", config().toString()))).ifPresent(Ulogd::stop);
    }

    private static void stop(ProcessHandle handle) {
        handle.destroy();
        PidFile.awaitExitOrKill(handle, 5);
    }

    /**
     * NFLOG -> BASE (headers) -> IP2STR (addresses as text) -> JSON, one line per packet, flushed at once. The kernel
     * would otherwise batch up to 100 packets or 1 s per message; the rate limit keeps one message per packet cheap.
     */
    static String config(Path plugins, int group, Path pipe, Path logFile) {
        return """
                # written by the jcalico agent (docs/observability.md, "Denied flows")
                [global]
                logfile="%2$s"
                loglevel=5
                plugin="%1$s/ulogd_inppkt_NFLOG.so"
                plugin="%1$s/ulogd_raw2packet_BASE.so"
                plugin="%1$s/ulogd_filter_IP2STR.so"
                plugin="%1$s/ulogd_output_JSON.so"
                stack=log1:NFLOG,base1:BASE,ip2str1:IP2STR,json1:JSON

                [log1]
                group=%3$d
                netlink_qthreshold=1
                netlink_socket_buffer_size=217088
                netlink_socket_buffer_maxsize=1085440

                [json1]
                sync=1
                file="%4$s"
                """.formatted(plugins, logFile, group, pipe);
    }

    /** Debian puts the plugins under /usr/lib/MULTIARCH/ulogd. */
    private static Path pluginDirectory() throws IOException {
        List<Path> candidates = new java.util.ArrayList<>(List.of(Path.of("/usr/lib/ulogd"), Path.of("/usr/lib64/ulogd")));
        try (Stream<Path> lib = Files.list(Path.of("/usr/lib"))) {
            lib.map(dir -> dir.resolve("ulogd")).forEach(candidates::add);
        }
        Optional<Path> found = candidates.stream().filter(dir -> Files.exists(dir.resolve("ulogd_output_JSON.so"))).findFirst();
        return found.orElseThrow(() -> new IOException("no ulogd_output_JSON.so under /usr/lib/*/ulogd (install ulogd2-json)"));
    }
}
