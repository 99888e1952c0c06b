package org.jcalico.health;

import java.util.List;
import java.util.Optional;
import java.util.function.Supplier;
import org.jcalico.bgp.BgpStatus;
import org.jcalico.bgp.BirdDaemon;
import org.jcalico.felix.AgentStatusFile;
import org.jcalico.kernel.CommandRunner;
import org.jcalico.kernel.KernelException;

/** Gathers {@link HealthFacts}: BIRD's process and `birdc show protocols`, beside the agent's status given. */
public final class HealthProbe {
    private HealthProbe() {
    }

    /** @param bird this node's BIRD, or null when the node runs without BGP */
    public static HealthFacts gather(AgentStatusFile.Status status, BirdDaemon bird, CommandRunner runner) {
        return gather(status, bird, bird == null ? null : () -> BgpStatus.read(runner, bird.socket()));
    }

    /** @param bird this node's BIRD, or null when the node runs without BGP; @param sessions reads its sessions */
    public static HealthFacts gather(AgentStatusFile.Status status, BirdDaemon bird, Supplier<List<BgpStatus.Session>> sessions) {
        if (bird == null) {
            return new HealthFacts(status, false, null, List.of(), null);
        }
        Optional<ProcessHandle> process = bird.process();
        if (process.isEmpty()) {
            return new HealthFacts(status, true, null, List.of(), null);
        }
        try {
            return new HealthFacts(status, true, process.get().pid(), sessions.get(), null);
        } catch (KernelException e) {
            return new HealthFacts(status, true, process.get().pid(), List.of(), e.getMessage());
        }
    }
}
