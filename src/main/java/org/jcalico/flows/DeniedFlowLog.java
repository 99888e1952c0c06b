package org.jcalico.flows;

import java.io.BufferedReader;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.jcalico.felix.hoststate.HostState;
import org.jcalico.felix.hoststate.IptablesState;
import org.jcalico.felix.program.DropLog;
import org.jcalico.log.Log;
import org.jcalico.model.FelixConfiguration;
import org.jcalico.model.WorkloadEndpoint;

/**
 * The agent's side of the denied-flow log (docs/observability.md, "Denied flows"): on every pass it learns the new
 * desired state (which prefix is which drop) and keeps ulogd running while FelixConfiguration.deniedFlowLogsEnabled
 * is on; a reader thread takes ulogd's lines from the pipe, tells each as a denied flow, appends it to the node's
 * denied-flows.jsonl and counts it. The rules themselves come and go with the setting in calc.
 */
public final class DeniedFlowLog implements AutoCloseable {
    private final String node;
    private final Ulogd ulogd;
    private final DeniedFlowFile file;
    private final DeniedPackets counted = new DeniedPackets();
    private final Log log;
    /**
     * The newest desired state, told to the reader thread, which alone derives what each drop is from it, and only when
     * a packet comes: on the loop it ran on every pass, before the rules were applied (0.14-0.2 ms a pass once compiled,
     * up to 1.3 ms before, and C2 compiled it again and again as local endpoints were added: docs/agent.md, session 53),
     * for packets that most passes never see.
     */
    private volatile Desired desired = new Desired(null, List.of());
    /** Touched by the reader thread only: the attribution of the tables it was derived from. */
    private DropAttribution attribution = DropAttribution.EMPTY;
    private IptablesState attributedV4;
    private IptablesState attributedV6;
    private Thread reader;
    /** Set by {@link #close}: the reader ends at its pipe's end rather than waiting for the next ulogd. */
    private volatile boolean closed;
    private String problem;
    /** Touched by the reader thread only. */
    private String writeProblem;

    /** @param logDir the node's log directory, where denied-flows.jsonl and ulogd.log go */
    public DeniedFlowLog(String node, Path runDir, Path logDir, Log log) {
        this.node = node;
        this.ulogd = new Ulogd(runDir, logDir.resolve("ulogd.log"));
        this.file = new DeniedFlowFile(logDir);
        this.log = log;
    }

    public DeniedPackets counted() {
        return counted;
    }

    /** A desired state and the local endpoints it was calculated for. */
    private record Desired(HostState state, List<WorkloadEndpoint> local) {
    }

    /** Called by the agent's loop after each calculation; never throws (a failure is logged and tried again next pass). */
    public void update(FelixConfiguration config, HostState desired, List<WorkloadEndpoint> local) {
        this.desired = new Desired(desired, local);
        try {
            if (Boolean.FALSE.equals(config.deniedFlowLogsEnabled())) {
                if (ulogd.running()) {
                    ulogd.stop();
                    log.info("denied-flow log off: ulogd stopped");
                }
            } else if (!ulogd.running()) {
                ulogd.makePipe();
                startReader();
                ulogd.start();
                log.info("denied-flow log on: ulogd reads NFLOG group " + DropLog.GROUP + ", flows go to " + file.path());
            }
            if (problem != null) {
                log.info("denied-flow log works again");
                problem = null;
            }
        } catch (RuntimeException e) {
            String message = String.valueOf(e.getMessage());
            if (!message.equals(problem)) {
                log.error("denied-flow log: " + message + "; trying again at the next pass");
                problem = message;
            }
        }
    }

    /**
     * One daemon thread for the agent's life: it waits on the pipe until a ulogd opens it, reads until that ulogd
     * closes it, and waits again, so ulogd can stop and start without it; once the log is closed, it ends there (an
     * agent stopped inside a JVM that goes on, root's cache training, leaves no thread that logs into its directory).
     */
    private void startReader() {
        if (reader != null) {
            return;
        }
        reader = Thread.ofPlatform().daemon().name("denied-flows").start(() -> {
            while (!closed) {
                try (BufferedReader lines = Files.newBufferedReader(ulogd.pipe(), StandardCharsets.UTF_8)) {
                    for (String line = lines.readLine(); line != null; line = lines.readLine()) {
                        take(line);
                    }
                } catch (IOException | RuntimeException e) {
                    if (closed) {
                        return;
                    }
                    log.error("denied-flow log: reading " + ulogd.pipe() + ": " + e.getMessage());
                    sleep();
                }
            }
        });
    }

    /** A flow that cannot be written is logged (once while the reason stays the same) and lost. */
    private void take(String line) {
        UlogdPacket packet;
        try {
            packet = UlogdPacket.parse(line);
        } catch (IllegalArgumentException e) {
            log.warn("denied-flow log: " + e.getMessage());
            return;
        }
        DeniedFlow flow = attribution().flow(packet, node);
        if (flow == null) {
            log.debug("denied-flow log: prefix " + packet.prefix() + " names no drop of the current rules (just replaced)");
            return;
        }
        counted.count(flow);
        try {
            file.append(flow);
            writeProblem = null;
        } catch (java.io.UncheckedIOException e) {
            if (!String.valueOf(e.getMessage()).equals(writeProblem)) {
                writeProblem = String.valueOf(e.getMessage());
                log.error("denied-flow log: cannot write " + file.path() + ": " + writeProblem);
            }
        }
    }

    /** The drops of the newest desired state (the reader thread's). */
    private DropAttribution attribution() {
        Desired now = desired;
        // calc hands out the same tables while no local endpoint's policy changed (remote churn): nothing to redo
        if (now.state() != null && (now.state().ipv4() != attributedV4 || now.state().ipv6() != attributedV6)) {
            attribution = DropAttribution.of(now.state(), now.local());
            attributedV4 = now.state().ipv4();
            attributedV6 = now.state().ipv6();
        }
        return attribution;
    }

    private static void sleep() {
        try {
            Thread.sleep(1000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Stops ulogd; the reader thread ends at the end of ulogd's output (or with the process, a daemon). */
    @Override
    public void close() {
        closed = true;
        ulogd.stop();
    }
}
