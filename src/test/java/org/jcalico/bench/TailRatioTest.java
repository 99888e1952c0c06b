package org.jcalico.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * bench add's p99 verdict: told only when the run's rounds are enough to tell it, and then both ways: a tail as heavy
 * as the floor's is met, one half as heavy again is NOT met (the method is fairer, not merely kinder).
 */
class TailRatioTest {
    /** Rounds of about 10 ms, each side struck by a load spike of spikeLow-spikeHigh ms in 3 % of its rounds. */
    private static List<Long> times(SplittableRandom random, int rounds, long spikeLow, long spikeHigh) {
        List<Long> times = new ArrayList<>();
        for (int i = 0; i < rounds; i++) {
            long jitter = random.nextLong(2_000_000);
            times.add(random.nextInt(100) < 3 ? random.nextLong(spikeLow, spikeHigh) * 1_000_000 : 9_000_000 + jitter);
        }
        return times;
    }

    /** Rounds of a path against a floor whose spikes are 20-40 ms. */
    private static TailRatio rounds(long seed, int rounds, long pathSpikeLow, long pathSpikeHigh) {
        SplittableRandom random = new SplittableRandom(seed);
        return new TailRatio(times(random, rounds, pathSpikeLow, pathSpikeHigh), times(random, rounds, 20, 40));
    }

    private static String shown(double[] interval) {
        return interval[0] + "-" + interval[1];
    }

    @Test
    void aTailAsHeavyAsTheFloorsIsMetOverAThousandRounds() {
        TailRatio same = rounds(1, 1000, 20, 40);
        double[] interval = same.interval(99);
        assertTrue(interval[0] <= same.ratio(99) && same.ratio(99) <= interval[1], shown(interval));
        assertTrue(interval[0] < 1 && interval[1] > 1, shown(interval));
        assertEquals("met", same.verdict(99, 1.2));
    }

    @Test
    void aTailHalfAsHeavyAgainIsNotMet() {
        TailRatio heavier = rounds(2, 1000, 30, 60);
        assertEquals("NOT met", heavier.verdict(99, 1.2), shown(heavier.interval(99)));
        assertEquals("met", heavier.verdict(50, 1.2));
    }

    @Test
    void aHundredRoundsCannotTellAP99() {
        // the p99 of 100 rounds is their second slowest: where one or two spikes fell
        TailRatio few = rounds(3, 100, 20, 40);
        assertEquals("cannot tell at this noise", few.verdict(99, 1.2), shown(few.interval(99)));
    }

    @Test
    void theSameRoundsGiveTheSameInterval() {
        assertEquals(shown(rounds(4, 500, 20, 40).interval(99)), shown(rounds(4, 500, 20, 40).interval(99)));
    }

    @Test
    void roundsThatAreNotPairedAreRefused() {
        assertThrows(IllegalArgumentException.class, () -> new TailRatio(List.of(1L, 2L), List.of(1L)));
    }
}
