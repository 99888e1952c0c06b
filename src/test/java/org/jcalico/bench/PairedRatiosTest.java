package org.jcalico.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

/** bench throughput's verdict: the median of round-by-round ratios, which a load shared by a round does not move. */
class PairedRatiosTest {
    @Test
    void aLoadThatFallsOnOneSideOfSomeRoundsMovesTheRatioOfMediansButNotThePairedMedian() {
        // the path carries 0.98 of the floor in every round but the third, whose load fell on its run alone; from
        // the fourth round on the whole machine ran twice as slowly
        List<Double> floor = List.of(10.0, 10.0, 10.0, 5.0, 5.0, 5.0);
        List<Double> path = List.of(9.8, 9.8, 4.9, 4.9, 4.9, 4.9);
        PairedRatios paired = PairedRatios.of(path, floor);
        assertEquals(0.98, paired.median(), 1e-9);
        assertEquals(0.98, paired.quartile(1), 1e-9);
        assertEquals(0.49, paired.quartile(0), 1e-9);
        assertEquals(0.65, PairedRatios.median(path) / PairedRatios.median(floor), 0.01);
    }

    @Test
    void spreadAndEvenCounts() {
        PairedRatios paired = PairedRatios.of(List.of(1.0, 2.0, 3.0, 4.0), List.of(1.0, 1.0, 1.0, 1.0));
        assertEquals(2.5, paired.median(), 1e-9);
        assertEquals(2.0, paired.quartile(1), 1e-9);
        assertEquals(3.0, paired.quartile(3), 1e-9);
    }

    @Test
    void theMediansIntervalIsTheRangeAtSixRoundsAndNarrowsWithMore() {
        List<Double> ones = java.util.Collections.nCopies(12, 1.0);
        List<Double> twelve = List.of(0.90, 0.95, 0.96, 0.97, 0.97, 0.98, 0.98, 0.98, 0.99, 0.99, 1.00, 1.05);
        PairedRatios all = PairedRatios.of(twelve, ones);
        // binomial(12, 1/2) <= 2 with probability 1.9 %: the third smallest and third largest, 96 % coverage
        assertEquals(0.96, all.medianInterval()[0], 1e-9);
        assertEquals(0.99, all.medianInterval()[1], 1e-9);
        PairedRatios six = PairedRatios.of(twelve.subList(0, 6), ones.subList(0, 6));
        assertEquals(0.90, six.medianInterval()[0], 1e-9);
        assertEquals(0.98, six.medianInterval()[1], 1e-9);
    }

    @Test
    void aTargetInsideTheIntervalCannotBeTold() {
        List<Double> ones = java.util.Collections.nCopies(12, 1.0);
        PairedRatios around = PairedRatios.of(List.of(0.90, 0.95, 0.96, 0.97, 0.97, 0.98, 0.98, 0.98, 0.99, 0.99, 1.00, 1.05), ones);
        assertEquals("cannot tell at this noise", around.verdict(0.97, true));
        assertEquals("met", around.verdict(0.95, true));
        assertEquals("NOT met", around.verdict(0.995, true));
        PairedRatios rtt = PairedRatios.of(List.of(1.05, 1.08, 1.10, 1.10, 1.11, 1.12, 1.12, 1.13, 1.14, 1.15, 1.19, 1.40), ones);
        assertEquals("met", rtt.verdict(1.2, false));
        assertEquals("NOT met", rtt.verdict(1.05, false));
        assertEquals("cannot tell at this noise", rtt.verdict(1.12, false));
    }

    @Test
    void theRoundsThatWouldTellGrowAsTheSquareOfTheIntervalsReachOverTheDistanceToTheTarget() {
        List<Double> ones = java.util.Collections.nCopies(12, 1.0);
        // median 0.98, interval [0.96, 0.99]
        PairedRatios around = PairedRatios.of(List.of(0.90, 0.95, 0.96, 0.97, 0.97, 0.98, 0.98, 0.98, 0.99, 0.99, 1.00, 1.05), ones);
        // toward 0.965 the interval reaches 0.02 below the median, which is 0.015 above: 12 * (4/3)^2 = 21.3
        assertEquals(22, around.roundsToDecide(0.965).getAsInt());
        // toward 0.97 the interval reaches twice as far as the median is from it: 12 * 2^2
        assertEquals(48, around.roundsToDecide(0.97).getAsInt(), 1);
        // a target the interval already leaves out needs no more rounds than there are
        assertEquals(12, around.roundsToDecide(0.995).getAsInt());
        assertTrue(around.roundsToDecide(0.98).isEmpty());
    }

    @Test
    void roundsThatDoNotPairAreRefused() {
        assertThrows(IllegalArgumentException.class, () -> PairedRatios.of(List.of(1.0), List.of(1.0, 2.0)));
        assertThrows(IllegalArgumentException.class, () -> PairedRatios.of(List.of(), List.of()));
    }
}
