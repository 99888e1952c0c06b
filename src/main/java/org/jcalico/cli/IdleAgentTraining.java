package org.jcalico.cli;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.function.BooleanSupplier;
import org.jcalico.agent.AgentOptions;
import org.jcalico.agent.AgentStop;
import org.jcalico.datastore.DatastoreUrl;
import org.jcalico.felix.AgentStatusFile;
import org.jcalico.kernel.CommandRunner;
import org.jcalico.kernel.Umask;
import org.jcalico.model.FelixConfiguration;

/**
 * The last part of root's training of the embedded store's agent cache, in a network namespace of its own
 * ({@code AgentCache}): the agent itself ({@link AgentMain#run}) on an empty embedded store in a scratch directory, from
 * its start to its served paths' warm-up and a few turns of its idle loop, its pages asked once each, so that an idle agent finds its own start in
 * the cache (the store and its watch, the metrics, the pages, the loop's and the default driver's lambdas): without
 * them an idle agent read some 1,150 classes from the jar or spun them, about 6 MB of its RSS (docs/agent.md, "Session
 * 67 (p-idle2)" and "Session 68 (p-idle3)"). The agent is stopped and its threads joined before the training returns:
 * none may load a class while the JVM writes the cache, nor write into the directory once the recorder deleted it.
 */
final class IdleAgentTraining {
    /** For each of in sync and warmed up. */
    private static final long WITHIN_MILLIS = 60_000;
    /** A few turns of the idle loop after the first pass (its heartbeat, the status file's refresh). */
    private static final long IDLE_MILLIS = 3_000;
    private static final long STOP_WAIT_MILLIS = 15_000;
    private static final String NODE = "training";

    private IdleAgentTraining() {
    }

    /** Runs the agent in SCRATCH until it is in sync and a few seconds idle, then stops it; returns what it did. */
    static String run(Path scratch) {
        // read the only way there is, by setting it: the training's own, which the agent closes for its logs
        int umask = Umask.set(Umask.CLOSED_TO_OTHERS);
        Umask.set(umask);
        AgentStop stop = AgentStop.byCaller();
        AgentOptions options = new AgentOptions(NODE, DatastoreUrl.parse("embedded:" + scratch.resolve("store.db")),
                null, null, null, false, scratch.resolve("run"), scratch.resolve("log"), null);
        Thread agent = Thread.ofPlatform().name("training-agent").unstarted(() -> AgentMain.run(options, false, stop));
        try {
            // a fresh namespace's loopback is down, and the pages listen on 127.0.0.1
            CommandRunner.Result lo = CommandRunner.local().run(List.of("ip", "link", "set", "lo", "up"));
            if (!lo.ok()) {
                return "agent part skipped: " + lo.describe();
            }
            agent.start();
            AgentStatusFile status = new AgentStatusFile(options.paths().statusFile(), NODE);
            if (!within(agent, () -> inSync(status))) {
                return "agent part stopped: not in sync within " + WITHIN_MILLIS / 1000 + " s (" + status.read() + ")";
            }
            // its served paths warmed up (picocli's model, a served `container add`), as an idle agent's are
            if (!within(agent, () -> warmedUp(options.paths().log()))) {
                return "agent part stopped: its served paths not warmed up within " + WITHIN_MILLIS / 1000 + " s";
            }
            Thread.sleep(IDLE_MILLIS);
            FelixConfiguration pages = FelixConfiguration.DEFAULTS;
            return "agent part: in sync, " + IDLE_MILLIS / 1000 + " s idle, pages answered "
                    + get(pages.healthPort(), "/liveness") + ", " + get(pages.healthPort(), "/readiness") + ", "
                    + get(pages.prometheusMetricsPort(), "/metrics");
        } catch (IOException e) {
            return "agent part stopped: " + e.getMessage();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return "agent part interrupted";
        } finally {
            stop.request();
            join(agent);
            // the cache file is written at the JVM's exit with the training's umask, not the agent's
            Umask.set(umask);
        }
    }

    private static void join(Thread agent) {
        try {
            if (agent.isAlive()) {
                agent.join(STOP_WAIT_MILLIS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Whether DONE comes true while the agent runs, within {@link #WITHIN_MILLIS}. */
    private static boolean within(Thread agent, BooleanSupplier done) throws InterruptedException {
        long until = System.currentTimeMillis() + WITHIN_MILLIS;
        while (agent.isAlive() && System.currentTimeMillis() < until) {
            if (done.getAsBoolean()) {
                return true;
            }
            Thread.sleep(100);
        }
        return false;
    }

    private static boolean inSync(AgentStatusFile status) {
        AgentStatusFile.Status now = status.read();
        return now != null && now.pid() == ProcessHandle.current().pid() && now.state() == AgentStatusFile.State.in_sync;
    }

    /** Whether the agent's LOG has the line it writes once its served paths are warmed up. */
    private static boolean warmedUp(Path log) {
        try {
            return Files.isRegularFile(log) && Files.readString(log).contains(AgentMain.WARMED_UP);
        } catch (IOException e) {
            return false;
        }
    }

    /** The status line of a GET of PATH on 127.0.0.1:PORT, asked over a plain socket (no HTTP client in the cache). */
    private static String get(int port, String path) throws IOException {
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress("127.0.0.1", port), 5_000);
            socket.setSoTimeout(5_000);
            OutputStream out = socket.getOutputStream();
            out.write(("GET " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")
                    .getBytes(StandardCharsets.US_ASCII));
            out.flush();
            InputStream in = socket.getInputStream();
            String answer = new String(in.readAllBytes(), StandardCharsets.ISO_8859_1);
            return path + " " + answer.lines().findFirst().orElse("(no answer)");
        }
    }
}
