package org.jcalico.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

/** bench policy's first programming against its floor: one reading a round on each side, one way of the floor's. */
class FirstProgrammingRoundsTest {
    @Test
    void theFloorsWayIsChosenByItsMedianNotRoundByRound() {
        // each way of the floor reads 1,000 ms, but either is 500 ms in some round (noise): the least of the two a
        // round would be a floor of 500 ms in four rounds of five, twice the agent's ratio
        FirstProgrammingRounds rounds = new FirstProgrammingRounds(new ColdRuns(
                List.of(1_200L, 1_200L, 1_200L, 1_200L, 1_200L), List.of(500L, 1_000L, 500L, 1_000L, 1_000L),
                List.of(1_000L, 500L, 1_000L, 500L, 1_010L)), List.of(600L, 600L, 600L, 600L, 600L));
        assertTrue(rounds.runs().floorAtOnce());
        assertEquals(List.of(500L, 1_000L, 500L, 1_000L, 1_000L), rounds.runs().floors());
        assertEquals(1.2, rounds.runs().ratios().median(), 1e-9);
    }

    @Test
    void oneAfterTheOtherWhenItsMedianIsLower() {
        FirstProgrammingRounds rounds = new FirstProgrammingRounds(new ColdRuns(List.of(3_000L, 1_500L, 2_000L),
                List.of(1_100L, 1_100L, 1_100L), List.of(1_000L, 1_000L, 2_000L)), List.of(1_000L, 700L, 800L));
        assertFalse(rounds.runs().floorAtOnce());
        // paired: 3.0, 1.5, 1.0
        assertEquals(1.5, rounds.runs().ratios().median(), 1e-9);
        List<String> lines = rounds.describe(1.5);
        assertTrue(lines.get(0).contains("3 paired rounds"), lines.get(0));
        assertTrue(lines.get(0).contains("its writers one after the other"), lines.get(0));
        assertTrue(lines.get(1).contains("3 / 1 against 1 / 1; 2 / 1 against 1 / 1; 2 / 1 against 1 / 2"), lines.get(1));
        assertTrue(lines.get(2).contains("median of the paired rounds 1.50x"), lines.get(2));
    }

    @Test
    void unpairedRoundsAreRefused() {
        assertThrows(IllegalArgumentException.class, () -> new FirstProgrammingRounds(new ColdRuns(List.of(1L, 2L),
                List.of(1L, 2L), List.of(1L, 2L)), List.of(1L)));
    }
}
