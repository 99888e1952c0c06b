package org.jcalico.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

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
    void roundsThatDoNotPairAreRefused() {
        assertThrows(IllegalArgumentException.class, () -> PairedRatios.of(List.of(1.0), List.of(1.0, 2.0)));
        assertThrows(IllegalArgumentException.class, () -> PairedRatios.of(List.of(), List.of()));
    }
}
