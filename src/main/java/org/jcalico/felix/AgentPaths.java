package org.jcalico.felix;

import java.nio.file.Path;

/**
 * Where a node's agent keeps its pid file, status file and log: one directory per node, so that the lab's many hosts
 * on one machine do not collide.
 */
public record AgentPaths(Path runDir, Path logDir) {
    /** picocli's default for --run-dir; the launcher looks for the agent's control socket under the same directory. */
    public static final String RUN_ROOT = "${env:JCALICO_RUN_DIR:-/run/jcalico}";
    public static final Path DEFAULT_LOG = Path.of("/var/log/jcalico");

    public static AgentPaths of(String node, Path runRoot, Path logRoot) {
        return new AgentPaths(runRoot.resolve(node), logRoot.resolve(node));
    }

    public Path pidFile() {
        return runDir.resolve("agent.pid");
    }

    public Path statusFile() {
        return runDir.resolve("status.json");
    }

    /** The port and token of the running agent's control socket (see ControlSocket); root only. */
    public Path controlFile() {
        return runDir.resolve("agent.control");
    }

    public Path log() {
        return logDir.resolve("felix.log");
    }

    /** Where the background agent's own stdout/stderr go (a JVM crash report, say). */
    public Path console() {
        return logDir.resolve("agent.out");
    }
}
