package org.jcalico.workload;

import java.util.ArrayList;
import java.util.List;
import org.jcalico.datastore.ResourceStore;
import org.jcalico.kernel.CommandRunner;
import org.jcalico.log.Log;

/**
 * The node agent's share of crash consistency: at its start and on every resync interval it tears down the intents
 * of its node whose commands died (a `container add` killed on the way, or a delegated one that died with an earlier
 * agent), so that nothing they left stays even if nobody runs another command on that container.
 */
public final class IntentSweeper implements Runnable {
    private final ResourceStore store;
    private final String node;
    private final Intents intents;
    private final Log log;

    public IntentSweeper(ResourceStore store, String node, CommandRunner host, Log log) {
        this.store = store;
        this.node = node;
        this.intents = new Intents(store, host);
        this.log = log;
    }

    /**
     * Sweeps on a virtual thread of its own (returned) until the process ends or the thread is interrupted: it sleeps a resync interval between sweeps, so a
     * platform thread's stack would be held for nothing (docs/agent.md, "Memory", session 66).
     */
    public static Thread start(ResourceStore store, String node, CommandRunner host, Log log) {
        return Thread.ofVirtual().name("intent-sweeper").start(new IntentSweeper(store, node, host, log));
    }

    @Override
    public void run() {
        while (true) {
            long interval = 10_000;
            try {
                sweep();
                interval = ContainerService.config(store, node).resyncIntervalSeconds() * 1000L;
            } catch (RuntimeException e) {
                log.error("could not undo the unfinished container commands of node " + node + ": " + e.getMessage()
                        + "; trying again at the next resync");
            }
            try {
                Thread.sleep(interval);
            } catch (InterruptedException e) {
                return;
            }
        }
    }

    /** One pass; returns how many intents it tore down. */
    public int sweep() {
        List<RuntimeException> failures = new ArrayList<>();
        List<Intent> recovered = intents.recoverStale(node, null, failures);
        for (Intent intent : recovered) {
            log.warn("undid the unfinished " + intent.operation() + " of container " + intent.containerId() + " (its command"
                    + " died): host interface " + intent.hostInterface() + ", addresses of " + intent.handle()
                    + (intent.createdProfiles().isEmpty() ? "" : ", profiles it created " + intent.createdProfiles()));
        }
        for (RuntimeException failure : failures) {
            log.error("could not undo an unfinished container command on node " + node + ": " + failure.getMessage()
                    + "; trying again at the next resync");
        }
        return recovered.size();
    }
}
