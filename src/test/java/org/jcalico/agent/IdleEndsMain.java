package org.jcalico.agent;

import org.jcalico.kernel.IdleEnds;

/** What an idle agent first does 30 s after its start, alone in a JVM: for AgentCacheTest, with the agent's cache. */
public final class IdleEndsMain {
    private IdleEndsMain() {
    }

    public static void main(String[] args) throws Exception {
        IdleEnds.rehearse();
    }
}
