package org.jcalico.bgp;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.jcalico.kernel.CommandRunner;
import org.jcalico.kernel.KernelException;
import org.jcalico.kernel.PidFile;

/**
 * The node's BIRD: started on first configuration, reconfigured in place (`birdc configure`) when the configuration
 * changes, restarted if it died. It runs detached from the agent, so BGP sessions survive an agent restart; a new
 * agent adopts the running BIRD through its pid file. A BIRD started where an earlier one left routes in the kernel
 * starts in graceful restart recovery, and stopping BIRD is a graceful restart shutdown (docs/architecture.md).
 */
public final class BirdDaemon implements BirdControl {
    static final long STOP_SECONDS = 10;
    /** As long as birdc was given by the runner: a reconfiguration of many sessions is a kernel change, not a probe. */
    private static final Duration REQUEST_TIMEOUT = Duration.ofSeconds(60);
    /** How long a BIRD that started may take to write its pid file: its configuration is already parsed by then. */
    private static final Duration STARTED_WITHIN = Duration.ofSeconds(10);
    private static final Pattern EXPORTED = Pattern.compile("(\\d+) exported");
    /*
     * BIRD 2's answers to `configure` (its doc/reply_codes, sysdep/unix/main.c cmd_reconfig_msg, conf/conf.c
     * config_commit): 0003, the configuration is committed and done; 0004, it is committed (each protocol has taken
     * it, a new static route is announced) and only the shutdown of what it removed goes on; 0005, an earlier
     * reconfiguration is still in progress, so it is queued and nothing of it runs yet; 0006, BIRD is shutting down and
     * ignored it. Each contains "Reconfigur", which is all the agent looked for until session 47.
     */
    private static final int RECONFIGURED = 3;
    private static final int RECONFIGURATION_IN_PROGRESS = 4;
    private static final int QUEUED = 5;
    /**
     * How long a configuration BIRD queued is waited for. BIRD commits it once the reconfiguration before it is done,
     * usually milliseconds later (a removed protocol's routes flushed); a removed BGP session that cannot send its
     * NOTIFICATION (its connection's send buffer full) holds that for up to 10 s (BGP's close timer), longer than the
     * agent's BGP worker may sit: it reports the configuration as not taken, and retries every second.
     */
    static final Duration QUEUED_WAIT = Duration.ofSeconds(2);
    private static final String RUNNING = "Daemon is up and running";
    /** BIRD's default kernel metric, which jcalico's configuration left in place until session 58. */
    private static final int OLD_KERNEL_METRIC = 32;
    private final Path runDir;
    private final CommandRunner runner;
    private String applied;

    public BirdDaemon(Path runDir, CommandRunner runner) {
        this.runDir = runDir;
        this.runner = runner;
    }

    @Override
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
     * empty when nothing was needed. A configuration BIRD queued behind a reconfiguration still in progress is
     * reconfigured only once BIRD has committed it; a KernelException if it has not within {@link #QUEUED_WAIT}.
     */
    @Override
    public Optional<String> ensure(String config) {
        boolean alive = process().isPresent();
        if (alive && config.equals(applied)) {
            return Optional.empty();
        }
        write(config);
        if (alive) {
            BirdSocket.Reply reply = ask("configure", REQUEST_TIMEOUT);
            String done = switch (reply.code()) {
                case RECONFIGURED, RECONFIGURATION_IN_PROGRESS -> "reconfigured";
                case QUEUED -> "reconfigured once BIRD had finished an earlier reconfiguration (queued " + awaitQueued()
                        + " ms)";
                default -> throw new KernelException("birdc configure: " + reply.text());
            };
            sweepOldMetricOnce();
            applied = config;
            return Optional.of(done);
        }
        boolean restart = applied != null;
        boolean recovery = kernelHoldsRoutes();
        List<String> command = new ArrayList<>(List.of("setsid", "bird", "-c", configFile().toString(), "-s",
                socket().toString(), "-P", pidFile().toString()));
        if (recovery) {
            command.add("-R");
        }
        runner.run(command).check();
        awaitPidFile();
        sweepOldMetricOnce();
        applied = config;
        return Optional.of((restart ? "restarted after it died" : "started")
                + (recovery ? " in graceful restart recovery (the kernel keeps its routes until the peers resent theirs)" : ""));
    }

    /**
     * Deletes, once (after the first configuration this object applies, and again until that succeeds), the routes
     * BIRD wrote at its default kernel metric, 32, under a jcalico before session 58. BIRD now writes its own at
     * {@link BirdConfig#KERNEL_METRIC}; it tells its routes in the kernel from others by protocol alone, so it takes the
     * old ones for its own and never deletes them, and one a peer announced for a local IPv6 endpoint would keep
     * beating the endpoint's route (docs/architecture.md, "What BGP may bring into the kernel"). Until BIRD has written
     * its routes again a remote block may have none: packets to it are refused, never misrouted.
     */
    private void sweepOldMetricOnce() {
        if (applied != null) {
            return;
        }
        for (String family : List.of("-4", "-6")) {
            runner.run("ip", family, "route", "flush", "proto", "bird", "metric", String.valueOf(OLD_KERNEL_METRIC))
                    .check();
        }
    }

    /**
     * Waits until the BIRD just started can be found by its pid file, which it writes only once it has gone into the
     * background, after the command that started it returned: until then a check fell back to a `bird -p` process and
     * a second ensure would have started another BIRD (seen on a loaded CI machine, session 46).
     */
    private void awaitPidFile() {
        long deadline = System.nanoTime() + STARTED_WITHIN.toNanos();
        while (process().isEmpty()) {
            if (System.nanoTime() > deadline) {
                throw new KernelException("bird started but wrote no pid file within " + STARTED_WITHIN.toSeconds()
                        + " s (" + pidFile() + ")");
            }
            pause("bird's pid file");
        }
    }

    /**
     * Waits, at most {@link #QUEUED_WAIT}, until BIRD has committed the configuration it queued; returns the
     * milliseconds waited. `show status` says "Reconfiguration in progress" while a configuration is queued (and
     * while the one committed still shuts down what it removed), "Daemon is up and running" once neither is so. Its
     * "Last reconfiguration on" time would tell a commit sooner, but BIRD renders it from its monotonic clock anew each
     * time and it moved by a millisecond between two polls with nothing committed (session 47, q-bird).
     */
    private long awaitQueued() {
        long start = System.nanoTime();
        while (true) {
            BirdSocket.Reply status = ask("show status", Duration.ofSeconds(BgpStatus.QUERY_TIMEOUT_SECONDS));
            long waited = (System.nanoTime() - start) / 1_000_000;
            if (status.text().equals(RUNNING)) {
                return waited;
            }
            // the messages name no time waited: the agent logs a failure again only when its message changes
            if (!status.text().startsWith("Reconfiguration")) {
                throw new KernelException("BIRD queued the configuration, then said: " + status.text());
            }
            if (waited > QUEUED_WAIT.toMillis()) {
                throw new KernelException("BIRD queued the configuration behind a reconfiguration still in progress"
                        + " (a protocol the one before removed is still shutting down) and has not finished taking it within "
                        + QUEUED_WAIT.toMillis() + " ms");
            }
            pause("BIRD's queued configuration");
        }
    }

    private static void pause(String awaited) {
        try {
            Thread.sleep(5);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new KernelException("interrupted while waiting for " + awaited);
        }
    }

    /** One request to the running BIRD; a KernelException when it cannot be asked, does not answer in time, or refuses. */
    private BirdSocket.Reply ask(String request, Duration timeout) {
        BirdSocket.Reply reply;
        try {
            reply = BirdSocket.request(socket(), request, timeout);
        } catch (IOException e) {
            throw new KernelException("birdc " + request + ": " + e.getMessage());
        }
        if (!reply.ok()) {
            throw new KernelException("birdc " + request + ": " + reply.text());
        }
        return reply;
    }

    /**
     * Whether an earlier BIRD left routes in the kernel (persist): the forwarding state a restarting BIRD tells its
     * peers it kept (-R sets the capability's forwarding bit) and defers its kernel sync for. Without such routes
     * there is nothing to keep, and recovery would only hold back the first routes for peers that are not up yet.
     */
    private boolean kernelHoldsRoutes() {
        for (String family : List.of("-4", "-6")) {
            CommandRunner.Result routes = runner.run("ip", family, "route", "show", "proto", "bird");
            if (routes.ok() && !routes.stdout().isBlank()) {
                return true;
            }
        }
        return false;
    }

    /**
     * BIRD's verdict on a configuration, without applying it: empty if it would accept it, else BIRD's message, which
     * names the refused line ("FILE:LINE:COLUMN reason"). Asked of the running BIRD (`configure check`), which parses
     * it as `bird -p` would; a process (`bird -p`) only when no BIRD runs, or it cannot be asked, or the file's name
     * cannot be quoted in its command language (which has no escapes).
     */
    @Override
    public Optional<String> check(String config) {
        Path candidate = runDir.resolve("bird.conf.check").toAbsolutePath();
        writeTo(candidate, config);
        if (!candidate.toString().contains("\"") && process().isPresent()) {
            try {
                // a parse, not a change: a BIRD that has not answered within a status query's time is not waited for
                BirdSocket.Reply reply = BirdSocket.request(socket(), "configure check \"" + candidate + "\"",
                        Duration.ofSeconds(BgpStatus.QUERY_TIMEOUT_SECONDS));
                return reply.ok() ? Optional.empty() : Optional.of(reply.text());
            } catch (IOException e) {
                // BIRD went away or hangs: its own parser in a process still gives the verdict
            }
        }
        CommandRunner.Result result = runner.run("bird", "-p", "-c", candidate.toString());
        return result.ok() ? Optional.empty() : Optional.of((result.stdout() + result.stderr()).strip());
    }

    /**
     * Read from `show protocols all` in one request, whatever the number of sessions: a BGP protocol whose state is
     * Established, its channels ("Channel ipv4") and their "Routes: N imported, M exported" lines; any other BGP
     * protocol's state as BIRD gives it (its info column, "Active  Socket: Connection refused", else "down").
     */
    @Override
    public Sessions sessions() {
        return sessions(ask("show protocols all", Duration.ofSeconds(BgpStatus.QUERY_TIMEOUT_SECONDS)).lines());
    }

    static Sessions sessions(List<BirdSocket.Line> lines) {
        List<Exported> sessions = new ArrayList<>();
        Map<String, String> notEstablished = new TreeMap<>();
        String session = null;
        int version = 0;
        for (BirdSocket.Line line : lines) {
            String text = line.text().strip();
            if (line.code() == 1002) {
                String[] cells = text.split("\\s+", 6);
                boolean bgp = cells.length >= 4 && cells[1].equals("BGP");
                boolean established = bgp && cells.length == 6 && cells[5].startsWith("Established");
                if (bgp && !established) {
                    notEstablished.put(cells[0], cells.length == 6 ? cells[5].replaceAll("\\s+", " ") : cells[3]);
                }
                session = established ? cells[0] : null;
                version = 0;
            } else if (session != null && line.code() == 1006) {
                if (text.startsWith("Channel ")) {
                    version = text.equals("Channel ipv4") ? 4 : text.equals("Channel ipv6") ? 6 : 0;
                } else if (version != 0 && text.startsWith("Routes:")) {
                    Matcher routes = EXPORTED.matcher(text);
                    if (routes.find()) {
                        sessions.add(new Exported(session, version, Long.parseLong(routes.group(1))));
                    }
                }
            }
        }
        return new Sessions(sessions, notEstablished);
    }

    /** The BIRD started for this run directory: BIRD's pid file has no start time, so its command line must name the file. */
    public Optional<ProcessHandle> process() {
        return PidFile.liveProcess(pidFile(), args -> args.getFirst().endsWith("bird")
                && PidFile.contains(args, List.of("-P", pidFile().toString())));
    }

    /**
     * Stops BIRD for a graceful restart (`birdc graceful restart`: sessions close without a NOTIFICATION), so peers
     * keep this node's routes for {@link BirdConfig#RESTART_TIME_SECONDS}; its kernel routes stay (persist) until the
     * next BIRD has relearnt them, or the admin removes them. SIGTERM if BIRD does not answer on its socket within a
     * status query's time, SIGKILL if it has not exited {@value #STOP_SECONDS} s later (hung, or stopped with SIGSTOP):
     * `node stop` waited for ever. Without a NOTIFICATION its peers still take the dropped sessions for a restart.
     */
    public void stop() {
        process().ifPresent(handle -> {
            if (!runner.withTimeout(BgpStatus.QUERY_TIMEOUT_SECONDS).run("birdc", "-s", socket().toString(), "graceful",
                    "restart").ok()) {
                handle.destroy();
            }
            PidFile.awaitExitOrKill(handle, STOP_SECONDS);
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
