package org.jcalico.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

class ColdRunsTest {
    /**
     * The floor's way is chosen once, by its median over the runs, and each run's floor is that way's: taking the faster
     * way within each run would give the floor two tries to program N's one, a floor lower than either way's median.
     */
    @Test
    void theFloorsWayIsTheFasterByItsMedianNotTheFasterInEachRun() {
        ColdRuns runs = new ColdRuns(List.of(600L, 700L, 800L), List.of(200L, 400L, 210L), List.of(300L, 250L, 310L));
        assertTrue(runs.floorAtOnce(), "median 210 at once against 300 one after the other");
        assertEquals(List.of(200L, 400L, 210L), runs.floors());
        assertEquals(List.of(3.0, 1.75, 800 / 210.0), runs.ratios().ratios());
        assertEquals(3.0, runs.ratios().median(), 1e-9);
        // the fastest program N over the fastest floor in the floor's way (not the other way's 250)
        assertEquals(3.0, runs.fastestRatio(), 1e-9);
    }

    @Test
    void oneAfterTheOtherIsTheWayWhenItsMedianIsLower() {
        ColdRuns runs = new ColdRuns(List.of(600L, 700L), List.of(300L, 500L), List.of(350L, 360L));
        assertFalse(runs.floorAtOnce());
        assertEquals(List.of(350L, 360L), runs.floors());
    }

    @Test
    void theMedianRunIsTheOneWithTheMedianProgram() {
        assertEquals(2, new ColdRuns(List.of(900L, 500L, 700L), List.of(1L, 1L, 1L), List.of(1L, 1L, 1L)).medianRun());
        // of an even number, the lower middle one
        assertEquals(3, new ColdRuns(List.of(900L, 500L, 800L, 700L), List.of(1L, 1L, 1L, 1L), List.of(1L, 1L, 1L, 1L))
                .medianRun());
        assertEquals(0, new ColdRuns(List.of(900L), List.of(1L), List.of(1L)).medianRun());
    }

    @Test
    void theSpreadIsTheMedianWithTheFastestAndSlowest() {
        assertEquals("450.0 ms [300.0-700.0]", ColdRuns.spread(List.of(700_000L, 300_000L, 400_000L, 500_000L)));
    }

    @Test
    void runsThatAreNotPairedAreRefused() {
        assertThrows(IllegalArgumentException.class, () -> new ColdRuns(List.of(1L, 2L), List.of(1L), List.of(1L, 2L)));
        assertThrows(IllegalArgumentException.class, () -> new ColdRuns(List.of(), List.of(), List.of()));
    }
}
