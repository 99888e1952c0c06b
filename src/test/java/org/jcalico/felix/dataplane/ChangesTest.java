package org.jcalico.felix.dataplane;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ChangesTest {
    @Test
    void sumsCountsAndJoinsFailuresOfTheSameObject() {
        Changes sum = Changes.of(Change.ROUTES_ADDED, 2).plus(Changes.failure("jc1", "no such interface"))
                .plus(Change.ROUTES_ADDED, 1).plus(Changes.failure("jc1", "cannot add route"));
        assertEquals(3, sum.count(Change.ROUTES_ADDED));
        assertEquals(0, sum.count(Change.CHAINS_WRITTEN));
        assertEquals(Map.of("jc1", "no such interface; cannot add route"), sum.failures());
    }

    @Test
    void aTallySumsAsPlusDoes() {
        Changes tallied = new Changes.Tally().add(Change.ROUTES_ADDED, 2).add(Changes.failure("jc1", "no such interface"))
                .add(Change.ROUTES_ADDED, 1).add(Changes.failure("jc1", "cannot add route")).add(Change.CHAINS_WRITTEN, 0)
                .changes();
        assertEquals(Changes.of(Change.ROUTES_ADDED, 2).plus(Changes.failure("jc1", "no such interface"))
                .plus(Change.ROUTES_ADDED, 1).plus(Changes.failure("jc1", "cannot add route")), tallied);
        assertEquals(Map.of(Change.ROUTES_ADDED, 3), tallied.counts(), "a zero count is no change");
    }

    @Test
    void zeroCountsAreNoChange() {
        DataplaneReport report = new DataplaneReport(Changes.of(Change.CHAINS_WRITTEN, 0), Duration.ofMillis(3), java.util.Map.of());
        assertFalse(report.changedAnything());
        assertEquals("no changes in 3.0 ms", report.summary());
    }
}
