package org.jcalico.felix;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.jcalico.datastore.ResourceStore;
import org.jcalico.felix.calc.Snapshot;
import org.jcalico.ipam.BlockReserve;
import org.jcalico.ipam.Ipam;
import org.jcalico.log.Log;
import org.jcalico.model.FelixConfiguration;
import org.jcalico.model.IpPool;

/**
 * Claims the node's next block before an add needs it, while FelixConfiguration's blockReserveEnabled is on (docs/ipam.md,
 * "A block ready ahead of an add"): on a thread of its own, so that neither the agent's loop nor an add waits for the
 * claim. The loop tells it after each pass which IP versions its cache finds short of room; once per resync interval
 * it asks the store itself, which catches up after a failure and lets a version it found nothing to spare for try again
 * (as does a pass whose pools changed).
 */
public final class BlockReserver implements Runnable {
    /** Queued, in place of a version, when the resync interval changed: the thread looks at its time again. */
    private static final int INTERVAL_CHANGED = 0;
    private final ResourceStore store;
    private final String node;
    private final Log log;
    private final LinkedBlockingQueue<Integer> wanted = new LinkedBlockingQueue<>();
    /** Versions short of room for which no pool had a block to spare: not asked again before the next resync. */
    private final Set<Integer> nothingToSpare = ConcurrentHashMap.newKeySet();
    private volatile FelixConfiguration config = FelixConfiguration.DEFAULTS;
    /** The pools of the last pass (the loop's own): a change of them may give a block to spare where none was. */
    private List<IpPool> pools = List.of();

    public BlockReserver(ResourceStore store, String node, Log log) {
        this.store = store;
        this.node = node;
        this.log = log;
    }

    /**
     * Runs on a virtual thread of its own (returned) until the process ends or the thread is interrupted, told by {@code agent} after each pass: it waits
     * nearly all its life and nothing it does is timed, so it holds no platform thread's stack (about 60 KB of an idle
     * agent's RSS with the JVM's own structures; docs/agent.md, "Memory", session 66).
     */
    public static Thread start(ResourceStore store, String node, Log log, Agent agent) {
        BlockReserver reserver = new BlockReserver(store, node, log);
        agent.afterPass(reserver::passed);
        return Thread.ofVirtual().name("block-reserver").start(reserver);
    }

    /** On the agent's loop: looks at the pass's snapshot and hands what is short to this thread; reads no store. */
    void passed(Snapshot snapshot) {
        boolean intervalChanged = !snapshot.config().resyncIntervalSeconds().equals(config.resyncIntervalSeconds());
        config = snapshot.config();
        if (intervalChanged) {
            // the round the thread waits for is due in the interval configured now, not in the one it began waiting in
            wanted.add(INTERVAL_CHANGED);
        }
        if (!snapshot.pools().equals(pools)) {
            // asked again on this pass, not at the next resync: a node's first block as soon as a new pool can spare one
            pools = snapshot.pools();
            nothingToSpare.clear();
        }
        if (!Boolean.TRUE.equals(snapshot.config().blockReserveEnabled())) {
            return;
        }
        for (int version : BlockReserve.shortVersions(snapshot.pools(), snapshot.localBlocks())) {
            if (!nothingToSpare.contains(version) && !wanted.contains(version)) {
                wanted.add(version);
            }
        }
    }

    @Override
    public void run() {
        long asked = System.currentTimeMillis();
        while (true) {
            List<Integer> versions = new ArrayList<>();
            try {
                long left = asked + config.resyncIntervalSeconds() * 1000L - System.currentTimeMillis();
                Integer first = left <= 0 ? null : wanted.poll(left, TimeUnit.MILLISECONDS);
                if (first == null) {
                    asked = System.currentTimeMillis();
                    nothingToSpare.clear();
                    versions.addAll(List.of(4, 6));
                } else {
                    versions.add(first);
                    wanted.drainTo(versions);
                    versions.removeIf(version -> version == INTERVAL_CHANGED);
                }
            } catch (InterruptedException e) {
                return;
            }
            if (Boolean.TRUE.equals(config.blockReserveEnabled())) {
                versions.stream().distinct().forEach(this::reserve);
            }
        }
    }

    /** One claim, if the store finds the node short of room in the version; what it did in the log. */
    void reserve(int version) {
        try {
            Ipam.Reservation reservation = new Ipam(store).reserve(node, version);
            reservation.claimed().ifPresent(block -> log.info("claimed block " + block + " for node " + node
                    + " ahead of its adds (fewer free IPv" + version + " addresses than the mark)"));
            if (reservation.claimed().isEmpty() && reservation.isShort() && nothingToSpare.add(version)) {
                log.info("node " + node + " is short of free IPv" + version + " addresses, but no pool has a block to"
                        + " spare ahead of an add (a pool's last unclaimed block is left to an add that needs it)");
            }
        } catch (RuntimeException e) {
            log.error("could not claim a block ahead of node " + node + "'s adds: " + e.getMessage()
                    + "; trying again at the next resync");
        }
    }
}
