package org.jcalico.felix;

import java.util.Set;
import java.util.TreeSet;
import org.jcalico.felix.hoststate.HostState;
import org.jcalico.model.IpAddress;

/**
 * The addresses whose holder, another node's endpoint, may have changed since the state the kernel holds was
 * calculated: those of the records of other nodes' endpoints written after the revision through which the node's
 * agents took every change to the kernel ({@link AgentStatusFile.Status#appliedRevision}), or ALL of them when that
 * revision is unknown (none recorded, or a store whose revision is below it: not the store it was of). This node may
 * track connections to such an address that a local endpoint's policy accepted for its earlier holder (an address that
 * left another node's endpoint while no agent ran, or in a pass the agent did not finish): they must go, else they
 * carry the local endpoint's packets to the new holder past its policy (docs/dataplane.md, "Session 65 (t-restart)").
 * A holder whose record was written before keeps this node's connections: a restart cuts no flow of an unchanged holder.
 */
record NewHolders(boolean all, Set<IpAddress> addresses) {
    /**
     * The most new holders whose addresses the first pass's state departs: more (a start after a churn of the cluster)
     * would make its forgetting build and look up a list that grows with the cluster (about a microsecond an address),
     * so only the sweep forgets theirs, what the start's dump found.
     */
    static final int MAX_DEPARTED = 4_096;
    /** No holder changed: a cold kernel, which tracks nothing jcalico's rules accepted (the benches' first passes). */
    static final NewHolders NONE = new NewHolders(false, Set.of());

    NewHolders {
        addresses = Set.copyOf(addresses);
    }

    /**
     * WRITTEN, the addresses of the records written after APPLIED that a listing at LISTED found (and the events after
     * it), or all holders when APPLIED is unknown (0) or above LISTED.
     */
    static NewHolders of(long applied, long listed, Set<IpAddress> written) {
        return applied == 0 || listed < applied ? new NewHolders(true, Set.of()) : new NewHolders(false, written);
    }

    /** Whether another node's endpoint holding ADDRESS may be a new holder of it. */
    boolean mayHaveChanged(IpAddress address) {
        return all || addresses.contains(address);
    }

    /**
     * STATE with the addresses known to have a new holder among its departed ones, forgotten once its rules are in
     * (RouteDriver), so that a connection made to one under the rules the kernel held before (after the sweep's
     * forgetting, before the rules) goes too. Not ALL, nor more than {@link #MAX_DEPARTED}: the sweep forgets what the
     * start's dump found of those.
     */
    HostState departedFrom(HostState state) {
        if (addresses.isEmpty() || addresses.size() > MAX_DEPARTED) {
            return state;
        }
        Set<IpAddress> departed = new TreeSet<>(state.departed());
        departed.addAll(addresses);
        return state.withDeparted(departed);
    }
}
