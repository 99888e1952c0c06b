package org.jcalico.ui;

import java.nio.file.Files;
import org.jcalico.agent.AgentPaths;
import org.jcalico.agent.AgentProcess;
import org.jcalico.bgp.BirdDaemon;
import org.jcalico.felix.AgentStatusFile;
import org.jcalico.health.HealthFacts;
import org.jcalico.health.HealthProbe;
import org.jcalico.health.HealthReport;
import org.jcalico.kernel.CommandRunner;

/**
 * What this machine can tell about one node's agent and BIRD, read from the node's run directory exactly as `node
 * status` reads it (the same {@link HealthProbe} and {@link HealthReport}): BIRD's control socket is a Unix socket,
 * so it answers from any network namespace of the machine. A node whose run directory is elsewhere has no facts.
 *
 * @param agent     "running", "not running" or "not on this machine"
 * @param health    the agent's status and BIRD's sessions, or null when not on this machine
 * @param readiness what the agent's /readiness decides from them, or null when not on this machine
 */
public record NodeFacts(String agent, HealthFacts health, HealthReport readiness) {
    public static NodeFacts read(String node, AgentPaths paths) {
        if (!Files.isDirectory(paths.runDir())) {
            return new NodeFacts("not on this machine", null, null);
        }
        java.util.Optional<ProcessHandle> agent = new AgentProcess(paths).running();
        boolean running = agent.isPresent();
        AgentStatusFile.Status status = agent.map(handle -> new AgentStatusFile(paths.statusFile(), node).readFor(handle.pid())).orElse(null);
        // the agent writes bird.conf before it first starts BIRD; a node started with --no-bgp has none
        boolean bgp = Files.exists(paths.runDir().resolve("bird.conf"));
        HealthFacts health = HealthProbe.gather(status, bgp ? new BirdDaemon(paths.runDir(), CommandRunner.local()) : null,
                CommandRunner.local());
        return new NodeFacts(running ? "running" : "not running", health, HealthReport.readiness(health));
    }
}
