package org.jcalico.datastore;

import java.util.List;

/**
 * Receives a watch's changes on the watch's own thread; implementations hand them on quickly (to a queue).
 */
public interface WatchListener {
    /** Changes in revision order, never repeated, with nothing missed since the previous call. */
    void onEvents(List<WatchEvent> events);

    /**
     * The watch cannot continue without a gap (the revision it needs was compacted away, or the backend lost
     * track): the watch has ended, and the receiver must list again and start a new watch from that listing.
     */
    void onResync(String reason);

    /**
     * The watch cannot reach its store now (etcd: no member answered its reconnection), and goes on trying: what it
     * missed meanwhile comes when it reaches it again, with nothing lost. Told once when it begins.
     */
    default void onUnreachable(String reason) {
    }

    /** The watch reaches its store again after {@link #onUnreachable}. */
    default void onReachable() {
    }
}
