package org.jcalico.agent;

import java.nio.file.Path;

/**
 * Where a node's agent keeps its pid file, status file and log: one directory per node, so that the lab's many hosts
 * on one machine do not collide. The run directory is root's alone (mode 0700, see RunDirectory).
 */
public record AgentPaths(Path runDir, Path logDir) {
    /** picocli's default for --run-dir; the launcher looks for the agent's socket under the same directory. */
    public static final String RUN_ROOT = "${env:JCALICO_RUN_DIR:-/run/jcalico}";
    public static final Path DEFAULT_LOG = Path.of("/var/log/jcalico");
    /** picocli's default for --log-dir: `lab exec` sets the lab's, so that an agent started in a lab host logs there. */
    public static final String LOG_ROOT = "${env:JCALICO_LOG_DIR:-/var/log/jcalico}";

    public static AgentPaths of(String node, Path runRoot, Path logRoot) {
        return new AgentPaths(runRoot.resolve(node), logRoot.resolve(node));
    }

    public Path pidFile() {
        return runDir.resolve("agent.pid");
    }

    public Path statusFile() {
        return runDir.resolve("status.json");
    }

    /** The supervisor's pid file (see Supervisor). */
    public Path supervisorPidFile() {
        return runDir.resolve("supervisor.pid");
    }

    /** The agent's local HTTP endpoint (see ControlServer), in the run directory that only root can enter. */
    public Path socket() {
        return runDir.resolve("agent.sock");
    }

    /** The docker plugin's socket (see docs/docker.md), beside agent.sock and under the same protection. */
    public Path dockerSocket() {
        return runDir.resolve("docker.sock");
    }

    public Path log() {
        return logDir.resolve("felix.log");
    }

    /**
     * The CNI plugin's calls that its own JVM answered (no agent listened, or it declined): the agent logs those it
     * serves in felix.log, with the same line.
     */
    public Path cniLog() {
        return logDir.resolve("cni.log");
    }

    /** Where the background agent's own stdout/stderr go (a JVM crash report, say). */
    public Path console() {
        return logDir.resolve("agent.out");
    }
}
