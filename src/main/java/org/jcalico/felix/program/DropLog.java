package org.jcalico.felix.program;

import org.jcalico.model.Action;
import org.jcalico.model.Direction;
import org.jcalico.util.Sha256;

/**
 * The denied-flow log's rule, placed just before each drop that policy causes (docs/observability.md, "Denied
 * flows"): it logs the packet to {@link #GROUP} with a prefix that names the drop's origin by a hash, which the
 * agent maps back to the origin, since a policy's name alone can be longer than the kernel's 64-byte prefix. The
 * kernel limits it per endpoint address and direction (the endpoint is the destination of an inbound packet and the
 * source of an outbound one), in one bucket per direction that every such rule shares: a flood from or to one
 * endpoint cannot crowd out another's.
 */
public final class DropLog {
    /** The NFLOG group the agent's reader binds. */
    public static final int GROUP = 2;
    public static final String PREFIX = "jcd:";
    public static final int PER_SECOND = 10;
    public static final int BURST = 50;
    /** The rate buckets of inbound and outbound denials (each shared by every log rule of its direction). */
    public static final String INBOUND_BUCKET = "jc-deny-in";
    public static final String OUTBOUND_BUCKET = "jc-deny-out";
    private static final int HASH_CHARS = 12;

    private DropLog() {
    }

    /** Whether a rule of this origin that drops is one policy causes (and so is logged). */
    public static boolean logged(Origin origin) {
        return switch (origin) {
            case Origin.PolicyRule rule -> rule.action() == Action.DENY;
            case Origin.ProfileRule rule -> rule.action() == Action.DENY;
            case Origin.EndOfTier end -> true;
            case Origin.EndpointDrop drop -> true;
            default -> false;
        };
    }

    /** The log rule to put before a drop of this match and origin (one that {@link #logged} accepts). */
    public static ProgramRule before(Match match, Origin origin) {
        boolean inbound = direction(origin) == Direction.INBOUND;
        Criterion limit = new Criterion.RateLimit(inbound ? INBOUND_BUCKET : OUTBOUND_BUCKET,
                inbound ? Side.DESTINATION : Side.SOURCE, PER_SECOND, BURST);
        return new ProgramRule(match.and(limit), new Verdict.Log(prefix(origin), GROUP), origin);
    }

    /** The prefix a drop of this origin is logged with: the same for the same origin in every calculation. */
    public static String prefix(Origin origin) {
        return PREFIX + Sha256.hex(origin.toString(), HASH_CHARS / 2);
    }

    public static Direction direction(Origin origin) {
        return switch (origin) {
            case Origin.PolicyRule rule -> rule.direction();
            case Origin.ProfileRule rule -> rule.direction();
            case Origin.EndOfTier end -> end.direction();
            case Origin.EndpointDrop drop -> drop.direction();
            default -> throw new IllegalArgumentException("not a drop policy causes: " + origin);
        };
    }
}
