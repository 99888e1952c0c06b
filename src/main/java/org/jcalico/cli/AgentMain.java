package org.jcalico.cli;

import java.io.PrintWriter;
import java.util.List;
import java.util.Map;
import org.jcalico.agent.AgentOptions;
import org.jcalico.agent.AgentRuntime;
import org.jcalico.agent.AgentStop;
import org.jcalico.cni.CniAgentResource;
import org.jcalico.cni.CniInvocation;
import org.jcalico.datastore.DatastoreUrl;
import org.jcalico.felix.AgentStatusFile;
import org.jcalico.kernel.CompilerThreads;
import org.jcalico.kernel.KernelException;
import org.jcalico.felix.StartSequence;
import org.jcalico.log.Log;

/**
 * The agent's entry point as its supervisor starts it (`node start --detached`, as {@link AgentOptions#command}
 * renders it): the agent's first listing is on the critical path of its start, so it starts without what {@link Main}
 * loads for every command (picocli and the command's model: 0.3 s of `bench scale`'s start, loaded, before anything
 * of the agent ran), reads the arguments that AgentOptions rendered for it, and fails as a command does
 * (ErrorReport). The agent loads picocli later all the same, once in sync, for the commands it serves.
 * docs/agent.md, "Start-up of the agent".
 */
public final class AgentMain {
    /** How the agent's log line after its served paths' warm-up begins (root's cache training waits for it). */
    static final String WARMED_UP = "JIT compiler threads ";
    private static final long WARM_UP_JOIN_MILLIS = 10_000;

    private AgentMain() {
    }

    public static void main(String[] args) {
        Main.quietLibraryLogging();
        int status = 0;
        try {
            run(AgentOptions.parse(List.of(args), AgentOptions.Role.AGENT), false);
        } catch (RuntimeException e) {
            status = ErrorReport.report(e, new PrintWriter(System.err), System.getenv("JCALICO_DEBUG") != null);
        }
        System.exit(status);
    }

    /**
     * The agent in this process until it is asked to stop, serving this node's commands and CNI calls beside it: the
     * supervisor's agent, and `node start --foreground`'s.
     *
     * @param console whether to log to stderr too
     */
    static void run(AgentOptions options, boolean console) {
        run(options, console, AgentStop.atShutdown());
    }

    /** The agent until STOP is requested: root's cache training runs one so ({@link IdleAgentTraining}). */
    static void run(AgentOptions options, boolean console, AgentStop stop) {
        StartSequence.atProcessStart();
        DatastoreUrl url = options.datastoreUrl();
        String node = options.node();
        AgentStatusFile status = new AgentStatusFile(options.paths().statusFile(), node);
        java.util.concurrent.atomic.AtomicReference<Thread> warmUp = new java.util.concurrent.atomic.AtomicReference<>();
        try {
            serve(options, console, stop, url, node, status, warmUp);
        } finally {
            // stopped with the agent: it runs served commands, which load classes and use the store
            Thread warming = warmUp.get();
            if (warming != null) {
                warming.interrupt();
                try {
                    warming.join(WARM_UP_JOIN_MILLIS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
        }
    }

    private static void serve(AgentOptions options, boolean console, AgentStop stop, DatastoreUrl url, String node,
                              AgentStatusFile status, java.util.concurrent.atomic.AtomicReference<Thread> warmUp) {
        AgentRuntime.run(options, console, (log, served) -> {
            AgentDelegation delegation = new AgentDelegation(url, node, System.getenv(), log, served);
            warmUp.set(delegation.warmUpWhen(() -> {
                AgentStatusFile.Status now = status.read();
                return now != null && now.pid() == ProcessHandle.current().pid() && now.state().running();
            }, () -> yieldTheCompilers(log)));
            return Map.of(
                    "/v1/run", delegation::handle,
                    "/v1/cni", new CniAgentResource(CniInvocation.Role.PLUGIN, url, node, log, served)::handle,
                    "/v1/cni-ipam", new CniAgentResource(CniInvocation.Role.IPAM, url, node, log, served)::handle);
        }, stop);
    }

    /**
     * Once the agent programs its host and its served paths are warmed up, its JIT compiler threads yield to its changes
     * ({@link StartSequence#compilersYield}). Not before: the start, the listing and the first programming are what the
     * compilers must reach at full speed (docs/agent.md, "A served `container add`", session 38).
     */
    private static void yieldTheCompilers(Log log) {
        try {
            log.info(WARMED_UP + "now at nice " + CompilerThreads.LOWEST + ": "
                    + StartSequence.compilersYield());
        } catch (KernelException e) {
            log.warn(WARMED_UP + "keep their priority: " + e.getMessage());
        }
    }
}
