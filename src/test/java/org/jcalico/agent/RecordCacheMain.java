package org.jcalico.agent;

import java.util.List;

/** Records the agent's cache of the jar ARGS[0] with the agent's JVM ARGS[1..], as an agent's start would. */
public final class RecordCacheMain {
    private RecordCacheMain() {
    }

    public static void main(String[] args) {
        AgentCache.options(List.of(args).subList(1, args.length), args[0], true, AgentCache.Kind.WORK);
    }
}
