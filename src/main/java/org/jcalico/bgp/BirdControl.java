package org.jcalico.bgp;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** What the agent asks of its node's BIRD ({@link BirdDaemon}); the agent's tests answer in its place to time it. */
public interface BirdControl {
    /** BIRD's verdict on a configuration without applying it: empty if it would accept it, else its message. */
    Optional<String> check(String config);

    /** Makes BIRD run with this configuration; what was done, or empty when nothing was needed. */
    Optional<String> ensure(String config);

    /**
     * Each established BGP session's count of the routes BIRD has exported to it, by IP version, and the state of
     * every BGP session that is not established, in one request: asked after a reconfiguration was answered, so the
     * updates it started are already written to the sessions' connections (docs/agent.md, "Session 47 (g-bgp)",
     * "Session 50 (t-bgp)"). A KernelException when BIRD cannot be asked.
     */
    Sessions sessions();

    /** What {@link #sessions()} read: the established sessions' counts, the others' states by protocol name. */
    record Sessions(List<Exported> exported, Map<String, String> notEstablished) {
        public Sessions {
            exported = List.copyOf(exported);
            notEstablished = Map.copyOf(notEstablished);
        }
    }

    /** How many routes BIRD has exported on one established session's channel of one IP version. */
    record Exported(String session, int version, long routes) {
    }

    /** BIRD's control socket, for messages. */
    Path socket();
}
