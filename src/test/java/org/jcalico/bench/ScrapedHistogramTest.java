package org.jcalico.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import org.jcalico.metrics.AgentMetrics;
import org.jcalico.model.Cidr;
import org.jcalico.model.WorkloadEndpoint;
import org.junit.jupiter.api.Test;

/** Reads back what AgentMetrics writes: bucket bounds of percentiles, and only what came after a first reading. */
class ScrapedHistogramTest {
    private static final String NAME = "jcalico_endpoint_programming_latency_seconds";

    private static WorkloadEndpoint committedAgo(long millis) {
        return new WorkloadEndpoint("h1", null, "c", "e", "jce", null, List.of(Cidr.parseHostOrNet("10.0.0.1")), List.of(),
                List.of("p"), null, null, Map.of(), List.of()).createdAt(System.currentTimeMillis() - millis);
    }

    @Test
    void percentilesAreBucketBoundsOfWhatCameAfter() {
        AgentMetrics metrics = new AgentMetrics();
        metrics.programmed(List.of(committedAgo(3000)));
        ScrapedHistogram before = ScrapedHistogram.read(new String(metrics.scrape(), StandardCharsets.UTF_8), NAME);
        // each 2 s or more inside its bucket, so that a loaded machine's pause between here and the scrape moves none
        for (int i = 0; i < 9; i++) {
            metrics.programmed(List.of(committedAgo(3000)));
        }
        metrics.programmed(List.of(committedAgo(7500)));

        ScrapedHistogram after = ScrapedHistogram.read(new String(metrics.scrape(), StandardCharsets.UTF_8), NAME).since(before);

        assertEquals(1, before.count());
        assertEquals(10, after.count(), "the first observation is left out");
        assertEquals("<=5000", after.bound(50));
        assertEquals("<=5000", after.bound(90));
        assertEquals("<=10000", after.bound(99));
        assertEquals("-", before.since(before).bound(50));
    }
}
