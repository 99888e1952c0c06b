package org.jcalico.flows;

import java.util.concurrent.atomic.AtomicLong;

/**
 * How many denied packets the agent has logged since it started, by direction: the metric
 * jcalico_denied_packets_total{direction="ingress"|"egress"}. Packets the kernel's rate limit kept out of the log
 * are not counted (docs/observability.md, "Denied flows").
 */
public final class DeniedPackets {
    private final AtomicLong ingress = new AtomicLong();
    private final AtomicLong egress = new AtomicLong();

    void count(DeniedFlow flow) {
        (DeniedFlow.INGRESS.equals(flow.direction()) ? ingress : egress).incrementAndGet();
    }

    /** @param direction "ingress" or "egress" */
    public long total(String direction) {
        return switch (direction) {
            case DeniedFlow.INGRESS -> ingress.get();
            case DeniedFlow.EGRESS -> egress.get();
            default -> throw new IllegalArgumentException("direction '" + direction + "' is not ingress or egress");
        };
    }
}
