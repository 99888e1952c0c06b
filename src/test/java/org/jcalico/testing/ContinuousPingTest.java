package org.jcalico.testing;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

/** How busybox ping's output is counted: a gap is lost, an echo interrupted before its answer was read is not. */
class ContinuousPingTest {
    private static String output(int transmitted, List<Integer> unanswered) {
        String replies = IntStream.range(0, transmitted).filter(seq -> !unanswered.contains(seq))
                .mapToObj(seq -> "64 bytes from 10.65.0.2: seq=" + seq + " ttl=63 time=0.112 ms")
                .collect(Collectors.joining("\n"));
        return "PING 10.65.0.2 (10.65.0.2): 56 data bytes\n" + replies + "\n\n--- 10.65.0.2 ping statistics ---\n"
                + transmitted + " packets transmitted, " + (transmitted - unanswered.size()) + " packets received, "
                + "0% packet loss\n";
    }

    @Test
    void theLastEchoInterruptedBeforeItsAnswerWasReadIsInFlightNotLost() {
        ContinuousPing.Counts counts = ContinuousPing.counts(output(206, List.of(205)), 50);
        assertEquals(0, counts.lost(), counts.toString());
        assertEquals(List.of(), counts.gaps());
    }

    @Test
    void aGapBeforeTheEndIsLost() {
        ContinuousPing.Counts counts = ContinuousPing.counts(output(206, List.of(100, 101)), 50);
        assertEquals(2, counts.lost());
        assertEquals(List.of("5000-5100 ms"), counts.gaps());
    }

    @Test
    void anOutageLongerThanAnEchoInFlightIsLostEvenAtTheEnd() {
        ContinuousPing.Counts counts = ContinuousPing.counts(output(206, List.of(200, 201, 202, 203, 204, 205)), 50);
        assertEquals(6, counts.lost());
        assertEquals(List.of("10000-10300 ms"), counts.gaps());
    }
}
