package org.jcalico.felix.program;

import org.jcalico.model.Action;
import org.jcalico.model.Direction;

/**
 * Where a rendered rule comes from, in the policy model's terms, so that a kernel counter can be told as a verdict
 * ({@code policy explain}): a policy's rule, the jump into a policy, a tier's end, a profile's rule, an endpoint's
 * final drop, or the structure around them.
 */
public sealed interface Origin {
    Structural STRUCTURAL = new Structural("structure");

    /** Plumbing: dispatch, connection state, mark handling, hooks. */
    record Structural(String what) implements Origin {
    }

    /**
     * Rule {@code index} (0-based, in the policy's rules for the direction) of a policy ({@link
     * org.jcalico.model.Policy#id()}), in its tier; an Allow or Pass renders as a mark rule and a return, both with
     * this origin.
     */
    record PolicyRule(String policy, String tier, Direction direction, int index, Action action) implements Origin {
    }

    /** An endpoint chain's jump into a policy's chain (counted once per packet that reached the policy). */
    record PolicyEntry(String policy, String tier, Direction direction) implements Origin {
    }

    /**
     * An endpoint's chain's jump into the chain holding its policies, which endpoints with the same ones share (counted,
     * so that `policy explain` follows a packet into it on every dataplane).
     */
    record SharedEntry(Direction direction) implements Origin {
    }

    /**
     * The drop after a tier's applying policies when none decided or passed (the tier's defaultAction Deny), after
     * {@code lastPolicy} (the id of the tier's last policy that applies); {@code endpoint} is null in a chain that
     * endpoints share (the endpoint is then the packet's address's).
     */
    record EndOfTier(String tier, String lastPolicy, String endpoint, Direction direction) implements Origin {
    }

    /** Rule {@code index} of a profile's rules for the direction. */
    record ProfileRule(String profile, Direction direction, int index, Action action) implements Origin {
    }

    /** An endpoint chain's jump into a profile's chain. */
    record ProfileEntry(String profile, Direction direction) implements Origin {
    }

    /**
     * The endpoint's final drop: no tier decided or the last passed, and no profile allowed; {@code endpoint} is null
     * in a chain that endpoints share.
     */
    record EndpointDrop(String endpoint, Direction direction) implements Origin {
        /**
         * The generated text, written out: every endpoint chain's drop-log prefix hashes it ({@code DropLog.prefix}),
         * and a cold agent's first calculation spent 3-10 ms bootstrapping the generated one (docs/dataplane.md,
         * "Session 60 (p-cold)"). The same text as before, so no prefix changes.
         */
        @Override
        public String toString() {
            return "EndpointDrop[endpoint=" + endpoint + ", direction=" + direction + "]";
        }
    }

    /**
     * Everything of the endpoint in this direction is dropped because calc refused its policy or the endpoint is
     * isolated (the reason).
     */
    record FailedClosed(String endpoint, Direction direction, String reason) implements Origin {
    }
}
