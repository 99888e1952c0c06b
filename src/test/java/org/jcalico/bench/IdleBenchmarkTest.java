package org.jcalico.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

/** The idle bench's verdict reads the "80 MB" both ways: 80 MiB, and 80 decimal MB (76.3 MiB). */
class IdleBenchmarkTest {
    @Test
    void aMedianUnder80MibButOver80MbIsMetOnlyInMib() {
        assertEquals("the agent's VmRSS at 30 s, 3 run(s): median 78.0 MiB (81.8 MB), 77.5-78.4 MiB;"
                + " target <= 80 MiB: met; <= 80 MB (76.3 MiB): NOT met", IdleBenchmark.verdict(30, 78.0, 77.5, 78.4, 3));
    }

    @Test
    void aMedianUnder80MbIsMetBothWays() {
        assertEquals("the agent's VmRSS at 30 s, 1 run(s): median 76.0 MiB (79.7 MB), 76.0-76.0 MiB;"
                + " target <= 80 MiB: met; <= 80 MB (76.3 MiB): met", IdleBenchmark.verdict(30, 76.0, 76.0, 76.0, 1));
    }

    @Test
    void aMedianOver80MibIsMetNeitherWay() {
        assertEquals("the agent's VmRSS at 30 s, 3 run(s): median 80.7 MiB (84.6 MB), 80.6-80.8 MiB;"
                + " target <= 80 MiB: NOT met; <= 80 MB (76.3 MiB): NOT met", IdleBenchmark.verdict(30, 80.7, 80.6, 80.8, 3));
    }
}
