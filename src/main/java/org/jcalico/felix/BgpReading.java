package org.jcalico.felix;

import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import org.jcalico.model.Cidr;

/**
 * What BGP's worker last found of BIRD, published as one value so that a decision never mixes two of its rounds
 * ({@link BgpSpeaker#reading()}, {@link AdvertisementWait}).
 *
 * @param advertised the routes of BIRD's configuration that it was last seen to have exported to every established
 *     session
 * @param unlearnt each route of the configuration that some configured session not established has never been seen
 *     to learn: which peers, with their session's state as BIRD says it
 * @param stalled why BIRD cannot take a new route at all (it refused the whole configuration, or does not answer), or
 *     null: a session left out is no such reason, since the others still get the route
 * @param readNanos when the question that ADVERTISED and UNLEARNT answer was sent ({@link System#nanoTime()}): BIRD's
 *     answer tells its sessions as they were then or later
 */
record BgpReading(Set<Cidr> advertised, Map<Cidr, List<String>> unlearnt, String stalled, long readNanos) {
    /** Before the worker's first reading: nothing advertised, and asked never. */
    static final BgpReading NONE = new BgpReading(Set.of(), Map.of(), null, Long.MIN_VALUE);

    /**
     * Whether this reading says something of BIRD that the given one did not: a report decided on that one may be out
     * of date (a peer's session came to the configuration after the pass that reported, so no endpoint was concerned
     * then). When it was asked alone does not count: a periodic reading that found nothing new concerns no report.
     */
    boolean saysOtherThan(BgpReading other) {
        return !advertised.equals(other.advertised) || !unlearnt.equals(other.unlearnt)
                || !Objects.equals(stalled, other.stalled);
    }

    /** Whether BIRD was asked before the given moment (nanoTime values compare by their difference). */
    boolean before(long nanos) {
        return readNanos == Long.MIN_VALUE || readNanos - nanos < 0;
    }
}
