package org.jcalico.health;

import java.util.List;
import org.jcalico.bgp.BgpStatus;
import org.jcalico.felix.AgentStatusFile;

/**
 * What readiness is decided from, gathered by {@link HealthProbe}: the agent's last status, and BIRD's view of its
 * sessions when the node runs BGP.
 *
 * @param status the agent's last status, or null when no agent runs
 * @param bgpExpected whether this node runs BIRD (false: started with --no-bgp)
 * @param birdPid BIRD's process id, or null when it is not running
 * @param sessions the sessions BIRD reports (empty when it does not answer)
 * @param birdError why BIRD did not answer, or null
 */
public record HealthFacts(AgentStatusFile.Status status, boolean bgpExpected, Long birdPid, List<BgpStatus.Session> sessions,
                          String birdError) {
    public HealthFacts {
        sessions = List.copyOf(sessions);
    }
}
