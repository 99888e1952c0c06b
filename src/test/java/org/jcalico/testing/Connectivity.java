package org.jcalico.testing;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import org.jcalico.lab.Probe;

/** Connectivity matrices: every probe run at once, and every cell that differs from policy reported together. */
public final class Connectivity {
    private Connectivity() {
    }

    public static void assertMatrix(List<Probe> probes, List<Boolean> expected) {
        List<Boolean> observed = Probe.runAll(probes);
        StringBuilder differences = new StringBuilder();
        for (int i = 0; i < probes.size(); i++) {
            if (!observed.get(i).equals(expected.get(i))) {
                differences.append("\n  ").append(probes.get(i)).append(": expected ")
                        .append(expected.get(i) ? "allowed" : "refused").append(", observed ")
                        .append(observed.get(i) ? "allowed" : "refused");
            }
        }
        assertEquals("", differences.toString(), "connectivity differs from policy:");
    }
}
