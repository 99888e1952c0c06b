package org.jcalico.felix;

import java.util.concurrent.LinkedBlockingQueue;
import org.jcalico.datastore.Datastore;

/**
 * What the agent reads the datastore into, made apart from the agent so that its process can start the first listing
 * as soon as the datastore is open: the listing needs only the store and the cache, and the rest of the agent (the
 * metrics, the denied-flow log, the dataplane's drivers) is set up beside it (docs/agent.md, "Start-up of the agent",
 * session 43). One feed for one {@link Agent}.
 */
public final class AgentFeed {
    final Datastore datastore;
    final LinkedBlockingQueue<Object> queue = new LinkedBlockingQueue<>();
    final ClusterCache cache;
    final Syncer syncer;
    /** The revision through which the node's agents took every change to the kernel, as the agent starts (0: unknown). */
    final long appliedRevision;

    /**
     * @param appliedRevision the node's status file's {@link AgentStatusFile.Status#appliedRevision}: the listing
     *     collects the addresses of the records of other nodes' endpoints written after it ({@link NewHolders})
     */
    public AgentFeed(Datastore datastore, String node, long appliedRevision) {
        this.datastore = datastore;
        this.appliedRevision = appliedRevision;
        this.cache = ClusterCache.ofAgent(node);
        cache.collectNewHoldersAfter(appliedRevision);
        this.syncer = new Syncer(datastore, queue, cache);
    }

    /**
     * Starts listing the datastore now, for the agent's {@link Agent#run} to take up where it would list, then makes
     * the heap's room for the start (the listing has started its connections meanwhile; the collection stops it for a
     * few milliseconds). Returns what the room is, for a log line. Call at most once, before the agent runs.
     */
    public String listAhead() {
        syncer.listAhead();
        return StartSequence.beforeListing();
    }
}
