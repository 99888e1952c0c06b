package org.jcalico.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

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

    @Test
    void aRoundTripsCpuIsThePingsUserAndSystemTimeOverItsCount() {
        assertEquals(7.5, ThroughputProbe.cpuPerRoundTrip("0.030 0.120\n", 20_000), 1e-9);
        // bash's time line comes after whatever ping wrote to stderr
        assertEquals(10.0, ThroughputProbe.cpuPerRoundTrip("ping: warning\n0.000 0.200\n", 20_000), 1e-9);
        assertThrows(IllegalStateException.class, () -> ThroughputProbe.cpuPerRoundTrip("ping: bad address\n", 20_000));
    }
}
