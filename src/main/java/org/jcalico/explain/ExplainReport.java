package org.jcalico.explain;

import java.util.List;
import org.jcalico.policy.Explanation;

/**
 * What `policy explain` found: the model's verdicts, the kernel's as read from its counters around one probe, and
 * every disagreement.
 *
 * @param from        how FROM was understood, e.g. "endpoint 3f2a... (netns:web) on h1, 10.65.1.2"
 * @param probe       what was sent and how it went, or why nothing was sent
 * @param kernelEgress null when not read (the note says why)
 */
public record ExplainReport(String from, String to, Explanation model, String probe, KernelPath kernelEgress,
                            String egressNote, KernelPath kernelIngress, String ingressNote, List<String> mismatches) {
    public ExplainReport {
        mismatches = List.copyOf(mismatches);
    }
}
