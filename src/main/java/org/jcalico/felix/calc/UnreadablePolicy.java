package org.jcalico.felix.calc;

import org.jcalico.model.Direction;

/**
 * A policy's datastore record that the agent cannot read and of which it read no earlier version (written by hand, by
 * another program or a newer jcalico, or damaged): what it would select and allow is unknown, so calc keeps every local
 * endpoint it could apply to dropped both ways, as for a policy of a missing tier (docs/datastore.md, "Session 48
 * (a-rec)"). {@code namespace} is the namespace its key places it in, or null where it could apply in any (a global
 * policy's key). {@code problem} says why it cannot be read, its key in it.
 */
public record UnreadablePolicy(String key, String namespace, String problem) {
    /** Whether it could apply to an endpoint of NAMESPACE. */
    boolean couldApplyIn(String endpointNamespace) {
        return namespace == null || namespace.equals(endpointNamespace);
    }

    String reason(Direction direction) {
        return problem + ": a policy it may hold could apply to this endpoint, so all " + direction
                + " traffic of this endpoint is dropped until the record can be read or is removed";
    }
}
