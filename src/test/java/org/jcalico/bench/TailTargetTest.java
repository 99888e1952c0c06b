package org.jcalico.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.OptionalInt;
import org.junit.jupiter.api.Test;

/**
 * `bench felix`'s add p99 against #14's 20 ms: by nearest rank, with the order statistics that bound it at 95 % whatever
 * the times' distribution, and a verdict only where those bounds lie on one side of the target.
 */
class TailTargetTest {
    /** Binomial(n, 0.99) counts, worked out apart (Python's exact integers): the ends' places for a p99. */
    @Test
    void thePercentilesEndsAreTheOrderStatisticsTheBinomialCountAllows() {
        assertEquals(OptionalInt.of(194), Percentiles.lowerEnd(200, 99));
        assertEquals(OptionalInt.empty(), Percentiles.upperEnd(200, 99));
        assertEquals(OptionalInt.of(391), Percentiles.lowerEnd(400, 99));
        assertEquals(OptionalInt.of(399), Percentiles.upperEnd(400, 99));
        assertEquals(OptionalInt.of(982), Percentiles.lowerEnd(1000, 99));
        assertEquals(OptionalInt.of(996), Percentiles.upperEnd(1000, 99));
        // 0.99^367 is 2.502 %: the largest of 367 is not yet a bound, of 368 it is
        assertEquals(368, Percentiles.fewestWithUpperEnd(99));
        assertEquals(OptionalInt.empty(), Percentiles.upperEnd(367, 99));
        assertEquals(OptionalInt.of(367), Percentiles.upperEnd(368, 99));
    }

    /** 200 adds all well under 20 ms cannot say "met": their largest is below the true p99 one time in eight. */
    @Test
    void twoHundredAddsUnderTheTargetCannotTellItMet() {
        TailTarget tail = new TailTarget(times(200, 5_000, 0, 0), 99, 20_000);
        assertEquals("cannot tell", tail.verdict());
        assertTrue(tail.describe("adds").startsWith("p99 of 200 adds (the 198th by nearest rank) 5.2 ms, 95 % interval 5.2 ms"
                + " to none (below 368 adds even the largest is below the p99 more than 2.5 % of the time): cannot tell"
                + " against <= 20.0 ms; at least 368 adds could tell it met"), tail.describe("adds"));
    }

    @Test
    void fourHundredAddsUnderTheTargetMeetIt() {
        TailTarget tail = new TailTarget(times(400, 5_000, 0, 0), 99, 20_000);
        assertEquals("met", tail.verdict());
        assertEquals(5_395, tail.value());
    }

    /** Six slow adds of 200 put the lower end (the 6th slowest) beyond the target: NOT met, with no upper end. */
    @Test
    void sixSlowAddsOfTwoHundredAreNotMet() {
        assertEquals("NOT met", new TailTarget(times(200, 5_000, 6, 30_000), 99, 20_000).verdict());
        // five are not enough: the lower end is the 6th slowest
        TailTarget five = new TailTarget(times(200, 5_000, 5, 30_000), 99, 20_000);
        assertEquals(30_000, five.value());
        assertEquals("cannot tell", five.verdict());
        // the lower end (5.2 ms) reaches 24.8 ms below the p99, which is 10 ms above the target: 200 * 2.48^2
        assertTrue(five.describe("adds").endsWith("cannot tell against <= 20.0 ms; about 1231 adds would at this spread"),
                five.describe("adds"));
    }

    /** With both ends, a target between them says how many adds would tell at this spread. */
    @Test
    void aTargetInsideTheIntervalSaysHowManyAddsWouldTell() {
        // 1,000 adds: p99 the 990th, the interval the 983rd to the 997th
        TailTarget tail = new TailTarget(times(1000, 1_000, 0, 0), 99, 1_993);
        assertEquals(1_989, tail.value());
        assertEquals("cannot tell", tail.verdict());
        // the upper end (1,996) reaches 7 above the p99, which is 4 below the target: 1,000 * (7/4)^2
        assertTrue(tail.describe("adds").endsWith("; about 3063 adds would at this spread"), tail.describe("adds"));
        assertEquals("met", new TailTarget(times(1000, 1_000, 0, 0), 99, 1_996).verdict());
        assertEquals("NOT met", new TailTarget(times(1000, 1_000, 0, 0), 99, 1_981).verdict());
    }

    /** COUNT times from BASE up by 1 µs each, the last SLOW of them replaced by SLOWTIME, shuffled by reversal. */
    private static List<Long> times(int count, long base, int slow, long slowTime) {
        List<Long> times = new ArrayList<>();
        for (int i = count - 1; i >= 0; i--) {
            times.add(i >= count - slow ? slowTime : base + i);
        }
        return times;
    }
}
