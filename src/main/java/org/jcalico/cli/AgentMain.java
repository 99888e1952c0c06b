package org.jcalico.cli;

import java.io.PrintWriter;
import java.util.List;
import java.util.Map;
import org.jcalico.agent.AgentOptions;
import org.jcalico.agent.AgentRuntime;
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
        StartSequence.atProcessStart();
        DatastoreUrl url = options.datastoreUrl();
        String node = options.node();
        AgentStatusFile status = new AgentStatusFile(options.paths().statusFile(), node);
        AgentRuntime.run(options, console, (log, served) -> {
            AgentDelegation delegation = new AgentDelegation(url, node, System.getenv(), log, served);
            delegation.warmUpWhen(() -> {
                AgentStatusFile.Status now = status.read();
                return now != null && now.pid() == ProcessHandle.current().pid() && now.state().running();
            }, () -> yieldTheCompilers(log));
            return Map.of(
                    "/v1/run", delegation::handle,
                    "/v1/cni", new CniAgentResource(CniInvocation.Role.PLUGIN, url, node, log, served)::handle,
                    "/v1/cni-ipam", new CniAgentResource(CniInvocation.Role.IPAM, url, node, log, served)::handle);
        });
    }

    /**
     * Once the agent programs its host and its served paths are warmed up, its JIT compiler threads yield to its changes
     * ({@link StartSequence#compilersYield}). Not before: the start, the listing and the first programming are what the
     * compilers must reach at full speed (docs/agent.md, "A served `container add`", session 38).
     */
    private static void yieldTheCompilers(Log log) {
        try {
            log.info("JIT compiler threads now at nice " + CompilerThreads.LOWEST + ": "
                    + StartSequence.compilersYield());
        } catch (KernelException e) {
            log.warn("JIT compiler threads keep their priority: " + e.getMessage());
        }
    }
}
