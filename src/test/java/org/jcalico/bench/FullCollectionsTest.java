package org.jcalico.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

/** `bench attach --fill`'s reading of h1's agent's full collections, from lines of the form the agent writes. */
class FullCollectionsTest {
    private static final String START = "2026-12-07T19:05:01.100Z INFO  heap after the listing's full collection: 5 MB used"
            + " of 6 MB committed (12 ms)";
    private static final String RESYNC = "2026-12-07T19:05:02.067Z INFO  resync of 2 local endpoints in 65.411 ms: sets_written=3";
    private static final Instant FILLED = Instant.parse("2026-12-07T19:05:30Z");

    private static String collected(String at, int used, int kept, int after, int pause) {
        return at + " INFO  old generation " + used + " MB used, " + kept + " MB after the last full collection: collected, "
                + after + " MB used of " + (after + 2) + " MB committed (" + pause + " ms)";
    }

    @Test
    void theAgentsFullCollectionsAreReadWithWhatTheyKeptAndTheirPause() {
        List<FullCollections.Collection> collections = FullCollections.of(List.of(START, RESYNC,
                collected("2026-12-07T19:05:40.000Z", 41, 25, 32, 120), "\tat org.jcalico.Some.trace(Some.java:1)"));
        assertEquals(List.of(new FullCollections.Collection(Instant.parse("2026-12-07T19:05:01.100Z"), 5, 12),
                new FullCollections.Collection(Instant.parse("2026-12-07T19:05:40Z"), 32, 120)), collections);
    }

    @Test
    void theLiveSizeIsSteadyOnceTwoCollectionsSinceTheFillKeptWithinATenthOfEachOther() {
        // the lead's quiet run at d486bcff: each collection right after the fill kept more than the last
        List<String> absorbing = List.of(START, collected("2026-12-07T19:05:31.000Z", 21, 5, 15, 45),
                collected("2026-12-07T19:05:35.000Z", 31, 15, 25, 137), collected("2026-12-07T19:05:40.000Z", 41, 25, 32, 120));
        assertFalse(FullCollections.steadySince(FullCollections.of(absorbing), FILLED));
        List<String> settled = new java.util.ArrayList<>(absorbing);
        settled.add(collected("2026-12-07T19:06:00.000Z", 50, 32, 35, 95));
        assertTrue(FullCollections.steadySince(FullCollections.of(settled), FILLED));
        assertEquals("15 MB (45 ms), 25 MB (137 ms), 32 MB (120 ms), 35 MB (95 ms)",
                FullCollections.describe(FullCollections.of(settled), FILLED));
    }

    @Test
    void collectionsBeforeTheFillDoNotCount() {
        // an empty cluster's agent is steady too: two collections before the fill say nothing of the fill
        List<String> before = List.of(collected("2026-12-07T19:05:10.000Z", 21, 5, 5, 10),
                collected("2026-12-07T19:05:20.000Z", 21, 5, 5, 10), collected("2026-12-07T19:05:40.000Z", 41, 25, 32, 120));
        assertFalse(FullCollections.steadySince(FullCollections.of(before), FILLED));
        assertEquals("none", FullCollections.describe(FullCollections.of(before), Instant.parse("2026-12-07T19:06:00Z")));
    }
}
