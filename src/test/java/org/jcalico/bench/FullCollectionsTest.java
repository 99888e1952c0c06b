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
    private static final Instant FILL_BEGAN = Instant.parse("2026-12-07T19:05:30Z");

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
    void theLiveSizeIsSteadyOnceTwoCollectionsSinceTheFillBeganKeptWithinATenthOfEachOther() {
        // h1's agent as the fill of 100,000 endpoints arrived (session 69): each collection kept more than the last
        List<String> absorbing = List.of(START, collected("2026-12-07T19:05:35.086Z", 21, 5, 11, 168),
                collected("2026-12-07T19:05:38.364Z", 27, 11, 16, 228), collected("2026-12-07T19:05:41.135Z", 34, 16, 21, 291),
                collected("2026-12-07T19:05:43.621Z", 43, 21, 27, 216), collected("2026-12-07T19:05:45.469Z", 48, 27, 33, 367));
        assertFalse(FullCollections.steadySince(FullCollections.of(absorbing), FILL_BEGAN, Instant.parse("2026-12-07T19:05:50Z")));
        List<String> settled = new java.util.ArrayList<>(absorbing);
        settled.add(collected("2026-12-07T19:06:12.563Z", 56, 33, 36, 240));
        assertTrue(FullCollections.steadySince(FullCollections.of(settled), FILL_BEGAN, Instant.parse("2026-12-07T19:06:13Z")));
        assertEquals("11 MB (168 ms), 16 MB (228 ms), 21 MB (291 ms), 27 MB (216 ms), 33 MB (367 ms), 36 MB (240 ms)",
                FullCollections.describe(FullCollections.of(settled), FILL_BEGAN));
    }

    @Test
    void anAgentThatWentThirtySecondsWithoutACollectionSinceTheFillHasStoppedAbsorbingIt() {
        // session 69's second run: 35 then 39 MB (the sets' members after the first endpoint's add), then nothing: idle
        List<FullCollections.Collection> collections = FullCollections.of(List.of(
                collected("2026-12-07T19:05:55.505Z", 47, 29, 35, 144), collected("2026-12-07T19:06:02.361Z", 60, 35, 39, 106)));
        assertFalse(FullCollections.steadySince(collections, FILL_BEGAN, Instant.parse("2026-12-07T19:06:32.360Z")));
        assertTrue(FullCollections.steadySince(collections, FILL_BEGAN, Instant.parse("2026-12-07T19:06:32.361Z")));
    }

    @Test
    void collectionsBeforeTheFillDoNotCount() {
        // an empty cluster's agent is steady too: two collections before the fill say nothing of the fill
        List<String> before = List.of(collected("2026-12-07T19:05:10.000Z", 21, 5, 5, 10),
                collected("2026-12-07T19:05:20.000Z", 21, 5, 5, 10), collected("2026-12-07T19:05:40.000Z", 41, 11, 32, 120));
        assertFalse(FullCollections.steadySince(FullCollections.of(before), FILL_BEGAN, Instant.parse("2026-12-07T19:05:41Z")));
        assertFalse(FullCollections.steadySince(FullCollections.of(before).subList(0, 2), FILL_BEGAN,
                Instant.parse("2026-12-07T19:10:00Z")), "quiet, but no collection since the fill began");
        assertEquals("none", FullCollections.describe(FullCollections.of(before), Instant.parse("2026-12-07T19:06:00Z")));
    }
}
