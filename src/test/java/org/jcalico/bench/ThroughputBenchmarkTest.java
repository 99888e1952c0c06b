package org.jcalico.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.OptionalInt;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.jcalico.model.IpAddress;
import org.junit.jupiter.api.Test;

class ThroughputBenchmarkTest {
    @Test
    void anEstimateOfMoreRoundsThanAnyoneWouldRunSaysSoInsteadOfAFigure() {
        assertEquals("  rate >= 0.97: at this run's noise about 48 rounds would tell (20 min of measuring at 25.0 s a round)",
                ThroughputBenchmark.roundsToDecideLine("rate >= 0.97", OptionalInt.of(48), "round", 25));
        assertEquals("  rate >= 0.97: the median sits too near the target: at this run's noise more than 1,000 rounds would"
                + " be needed (over 7 h of measuring at 25.0 s a round)",
                ThroughputBenchmark.roundsToDecideLine("rate >= 0.97", OptionalInt.of(33_123), "round", 25));
        assertEquals("  rate >= 0.97: the median sits on the target; no number of rounds tells it at this noise",
                ThroughputBenchmark.roundsToDecideLine("rate >= 0.97", OptionalInt.empty(), "round", 25));
        // a rate round holds two of the faster path's windows: its estimate is in windows, at half a rate round each
        assertEquals("  rate >= 0.97: at this run's noise about 426 windows would tell (11 min of measuring at 1.6 s a window)",
                ThroughputBenchmark.roundsToDecideLine("rate >= 0.97", OptionalInt.of(426), "window", 1.55));
        assertEquals("  rate >= 0.97: the median sits too near the target: at this run's noise more than 1,000 windows would"
                + " be needed (over 26 min of measuring at 1.6 s a window)",
                ThroughputBenchmark.roundsToDecideLine("rate >= 0.97", OptionalInt.of(1_300), "window", 1.55));
    }

    @Test
    void aRateRoundStartsOnlyWhenOneAsLongAsTheLongestSoFarEndsByTheDeadline() {
        long second = 1_000_000_000L;
        assertTrue(ThroughputBenchmark.anotherRoundFits(100 * second, 103 * second, 3 * second));
        assertFalse(ThroughputBenchmark.anotherRoundFits(100 * second, 103 * second - 1, 3 * second));
        // nanoTime's origin is arbitrary, negative values included: only the difference counts
        assertTrue(ThroughputBenchmark.anotherRoundFits(Long.MIN_VALUE + 10, Long.MIN_VALUE + 10 + 3 * second, 3 * second));
    }

    @Test
    void aTargetConntrackAloneMissesIsSaidToBeTheFloorsNotTheRules() {
        PairedRatios above = new PairedRatios(List.of(1.24, 1.25, 1.23, 1.24, 1.26, 1.22, 1.24, 1.25, 1.23, 1.24, 1.25, 1.24));
        assertEquals(java.util.Optional.of("  RTT: bare + conntrack alone, one conntrack rule and no other, reads 1.240 [1.230,"
                + " 1.250]: the target is out of reach of any stateful dataplane here, whatever its rules"),
                ThroughputBenchmark.floorMissesLine("RTT", above, 1.2, false));
        // an interval that holds the target, or lies on its right side, says nothing of the floor
        PairedRatios holding = new PairedRatios(List.of(1.15, 1.25, 1.18, 1.22, 1.19, 1.21, 1.17, 1.23, 1.20, 1.24, 1.16, 1.21));
        assertEquals(java.util.Optional.empty(), ThroughputBenchmark.floorMissesLine("RTT", holding, 1.2, false));
        PairedRatios carrying = new PairedRatios(List.of(0.98, 0.99, 0.98, 0.985, 0.99, 0.98, 0.99, 0.98, 0.985, 0.99, 0.98, 0.99));
        assertEquals(java.util.Optional.empty(), ThroughputBenchmark.floorMissesLine("throughput", carrying, 0.97, true));
    }

    @Test
    void aRoundTripsCpuIsThePingsUserAndSystemTimeOverItsCount() {
        assertEquals(7.5, ThroughputProbe.cpuPerRoundTrip("0.030 0.120\n", 20_000), 1e-9);
        // bash's time line comes after whatever ping wrote to stderr
        assertEquals(10.0, ThroughputProbe.cpuPerRoundTrip("ping: warning\n0.000 0.200\n", 20_000), 1e-9);
        assertThrows(IllegalStateException.class, () -> ThroughputProbe.cpuPerRoundTrip("ping: bad address\n", 20_000));
    }

    @Test
    void aBurstsTypicalRoundTripIsTheMeanOfItsRttsUpToTwiceTheMedianSoACutPingDoesNotCount() {
        // RTTs truncated to the microsecond: a path of 5.3 us reads 5 seven times in ten and 6 three times; their mean
        // says 5.3 where the median says 5
        List<Long> burst = List.of(5L, 5L, 6L, 5L, 5L, 6L, 5L, 5L, 6L, 5L);
        assertEquals(5.3, ThroughputProbe.typicalRoundTrip(burst), 1e-9);
        // a ping the scheduler cut (another process given the CPU between the send and the answer) reads milliseconds
        List<Long> cut = new java.util.ArrayList<>(burst);
        cut.add(3_000L);
        cut.add(10L);
        assertEquals((53.0 + 10) / 11, ThroughputProbe.typicalRoundTrip(cut), 1e-9);
        assertThrows(IllegalArgumentException.class, () -> ThroughputProbe.typicalRoundTrip(List.of()));
    }

    @Test
    void aPathAndBareAreMeasuredAtOnceTheSecondStartedAfterTheOffset() {
        ThroughputProbe bare = new ThroughputProbe("bare", IpAddress.parse("10.72.0.65"));
        ThroughputProbe path = new ThroughputProbe("path", IpAddress.parse("10.72.1.65"));
        // each measure waits until the other has begun: run one after the other, neither would return
        CountDownLatch begun = new CountDownLatch(2);
        long start = System.nanoTime();
        List<Long> started = ThroughputProbe.together(bare, path, 50, probe -> {
            long at = System.nanoTime() - start;
            begun.countDown();
            try {
                assertTrue(begun.await(5, TimeUnit.SECONDS), "the other path's measure began meanwhile");
            } catch (InterruptedException e) {
                throw new IllegalStateException(e);
            }
            return at;
        });
        // the offset counts from the call: the first measure's thread may itself begin some ms late on a loaded
        // machine (a suite's run at load 15 read [8 ms, 52 ms], 44 ms apart)
        assertTrue(started.get(1) >= TimeUnit.MILLISECONDS.toNanos(50), "the second starts 50 ms after the call: " + started);
        IllegalStateException failed = assertThrows(IllegalStateException.class, () -> ThroughputProbe.together(bare, path, 0,
                probe -> {
                    if (probe == bare) {
                        throw new IllegalStateException("iperf3 to bare failed");
                    }
                    return 1;
                }));
        assertEquals("iperf3 to bare failed", failed.getMessage());
    }
}
