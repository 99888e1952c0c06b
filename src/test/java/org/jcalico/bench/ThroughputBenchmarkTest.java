package org.jcalico.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.OptionalInt;
import org.junit.jupiter.api.Test;

class ThroughputBenchmarkTest {
    @Test
    void anEstimateOfMoreRoundsThanAnyoneWouldRunSaysSoInsteadOfAFigure() {
        assertEquals("  rate >= 0.97: at this run's noise about 48 rounds would tell (20 min of measuring at 25 s a round)",
                ThroughputBenchmark.roundsToDecideLine("rate >= 0.97", OptionalInt.of(48), 25));
        assertEquals("  rate >= 0.97: the median sits too near the target: at this run's noise more than 1,000 rounds would"
                + " be needed (over 7 h of measuring at 25 s a round)",
                ThroughputBenchmark.roundsToDecideLine("rate >= 0.97", OptionalInt.of(33_123), 25));
        assertEquals("  rate >= 0.97: the median sits on the target; no number of rounds tells it at this noise",
                ThroughputBenchmark.roundsToDecideLine("rate >= 0.97", OptionalInt.empty(), 25));
    }
}
