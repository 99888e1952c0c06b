package org.jcalico.workload;

import java.util.ArrayList;
import java.util.List;
import org.jcalico.datastore.ResourceStore;
import org.jcalico.kernel.CommandRunner;
import org.jcalico.log.Log;
import org.jcalico.util.ConfiguredInterval;

/**
 * The node agent's share of crash consistency: at its start and on every resync interval it tears down the intents
 * of its node whose commands died (a `container add` killed on the way, or a delegated one that died with an earlier
 * agent), so that nothing they left stays even if nobody runs another command on that container.
 */
public final class IntentSweeper implements Runnable {
    /** How soon a sweep that failed is tried again (sooner when the interval is shorter). */
    private static final long RETRY_MILLIS = 10_000;
    private final String node;
    private final Intents intents;
    private final Log log;
    private final ConfiguredInterval interval;

    public IntentSweeper(ResourceStore store, String node, CommandRunner host, Log log, ConfiguredInterval interval) {
        this.node = node;
        this.intents = new Intents(store, host);
        this.log = log;
        this.interval = interval;
    }

    /**
     * Sweeps on a virtual thread of its own (returned) until the process ends or the thread is interrupted: it sleeps a
     * resync interval between sweeps, so a platform thread's stack would be held for nothing (docs/agent.md, "Memory", session 66). INTERVAL: the resync
     * interval as the agent follows it, so that a shortened one brings the next sweep at once.
     */
    public static Thread start(ResourceStore store, String node, CommandRunner host, Log log, ConfiguredInterval interval) {
        return Thread.ofVirtual().name("intent-sweeper").start(new IntentSweeper(store, node, host, log, interval));
    }

    @Override
    public void run() {
        while (true) {
            long swept = System.currentTimeMillis();
            boolean failed = false;
            try {
                sweep();
            } catch (RuntimeException e) {
                failed = true;
                log.error("could not undo the unfinished container commands of node " + node + ": " + e.getMessage()
                        + "; trying again in " + Math.min(RETRY_MILLIS, interval.millis()) / 1000.0 + " s");
            }
            try {
                if (failed) {
                    Thread.sleep(Math.min(RETRY_MILLIS, interval.millis()));
                } else {
                    interval.awaitRoundAfter(swept);
                }
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
