package org.jcalico.ui;

import java.nio.file.Files;
import java.util.List;
import org.jcalico.agent.AgentPaths;
import org.jcalico.agent.AgentProcess;
import org.jcalico.bgp.BgpStatus;
import org.jcalico.bgp.BirdDaemon;
import org.jcalico.felix.AgentStatusFile;
import org.jcalico.kernel.CommandRunner;
import org.jcalico.kernel.KernelException;

/**
 * What this machine can tell about one node's agent and BIRD, from the node's run directory as `node status` reads
 * it: the agent's status file and process, and BIRD's sessions over its control socket (a Unix socket, so it answers
 * from any network namespace of the machine). A node whose run directory is elsewhere is "not on this machine".
 *
 * @param agent    "running", "not running" or "not on this machine"
 * @param status   the agent's last status, or null
 * @param bgp      "running", "not running", "off" (no BIRD configuration: --no-bgp) or BIRD's error
 * @param sessions BIRD's BGP sessions (empty unless bgp is "running")
 */
public record NodeFacts(String agent, AgentStatusFile.Status status, String bgp, List<BgpStatus.Session> sessions) {
    public NodeFacts {
        sessions = List.copyOf(sessions);
    }

    public static NodeFacts read(String node, AgentPaths paths) {
        if (!Files.isDirectory(paths.runDir())) {
            return new NodeFacts("not on this machine", null, "unknown", List.of());
        }
        String agent = new AgentProcess(paths).running().isPresent() ? "running" : "not running";
        AgentStatusFile.Status status = new AgentStatusFile(paths.statusFile(), node).read();
        BirdDaemon bird = new BirdDaemon(paths.runDir(), CommandRunner.local());
        if (bird.process().isEmpty()) {
            return new NodeFacts(agent, status, Files.exists(paths.runDir().resolve("bird.conf")) ? "not running" : "off", List.of());
        }
        try {
            return new NodeFacts(agent, status, "running", BgpStatus.read(CommandRunner.local(), bird.socket()));
        } catch (KernelException e) {
            return new NodeFacts(agent, status, e.getMessage(), List.of());
        }
    }
}
