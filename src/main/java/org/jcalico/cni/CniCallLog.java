package org.jcalico.cni;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Map;
import org.jcalico.agent.AgentPaths;
import org.jcalico.agent.RunDirectory;
import org.jcalico.log.Log;

/**
 * The line each CNI call leaves, the same whoever answered it: the node's agent writes it to its felix.log, the
 * plugin's own JVM (no agent listened, or it declined) to LOG_DIR/NODE/cni.log, the configuration's log directory, so
 * that a call leaves a trace where the node's logs are (a lab's under the lab's log directory).
 */
public final class CniCallLog {
    private CniCallLog() {
    }

    /** @param start System.nanoTime() when the call began */
    static String line(CniInvocation.Role role, Map<String, String> env, CniInvocation.Outcome outcome, long start) {
        return "ran CNI " + (role == CniInvocation.Role.IPAM ? "IPAM " : "") + env.get("CNI_COMMAND") + " for container "
                + env.getOrDefault("CNI_CONTAINERID", "-") + ": exit status " + outcome.status() + " in "
                + (System.nanoTime() - start) / 1_000_000 + " ms";
    }

    /**
     * In the plugin's own JVM: appends the call's line to its node's cni.log. A call whose configuration named no node
     * (VERSION, one refused) leaves none. A log that cannot be written changes nothing of the answer the runtime gets:
     * the reason goes to standard error (the directory is judged as the agent's --log-dir is, since root appends there).
     */
    public static void appendOwn(CniInvocation.Role role, Map<String, String> env, CniInvocation.Outcome outcome,
                                 long start) {
        if (outcome.target() == null) {
            return;
        }
        AgentPaths paths = outcome.target().agentPaths();
        try {
            RunDirectory.logs(paths.logDir(), "log_dir");
            Log.open(paths.cniLog(), false, "info").info(line(role, env, outcome, start));
        } catch (IOException | UncheckedIOException e) {
            System.err.println("jcalico-cni: cannot log to " + paths.cniLog() + ": " + e.getMessage());
        }
    }
}
