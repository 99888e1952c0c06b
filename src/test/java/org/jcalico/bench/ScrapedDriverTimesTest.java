package org.jcalico.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.jcalico.felix.dataplane.Changes;
import org.jcalico.felix.dataplane.DataplaneReport;
import org.jcalico.felix.hoststate.HostState;
import org.jcalico.felix.hoststate.IptablesState;
import org.jcalico.metrics.AgentMetrics;
import org.junit.jupiter.api.Test;

/** Reads back the drivers' times AgentMetrics writes: each driver's mean over the applies after a first reading. */
class ScrapedDriverTimesTest {
    private static final HostState EMPTY = new HostState(new IptablesState(4, Map.of(), List.of()),
            new IptablesState(6, Map.of(), List.of()), Map.of(), Set.of(), Set.of(), Map.of());

    private static void applied(AgentMetrics metrics, Map<String, Long> millis) {
        Map<String, Duration> drivers = new java.util.TreeMap<>();
        millis.forEach((driver, spent) -> drivers.put(driver, Duration.ofMillis(spent)));
        metrics.applied(EMPTY, new DataplaneReport(Changes.NONE, Duration.ofMillis(20), drivers), false);
    }

    private static ScrapedDriverTimes read(AgentMetrics metrics) {
        return ScrapedDriverTimes.read(new String(metrics.scrape(), StandardCharsets.UTF_8));
    }

    @Test
    void meansAreOfTheAppliesAfterTheFirstReadingSlowestFirst() {
        AgentMetrics metrics = new AgentMetrics();
        applied(metrics, Map.of("ipsets", 500L, "routes", 500L));
        ScrapedDriverTimes before = read(metrics);
        applied(metrics, Map.of("ipsets", 6L, "iptables", 2L, "routes", 1L));
        applied(metrics, Map.of("ipsets", 8L, "iptables", 3L, "routes", 2L));

        ScrapedDriverTimes after = read(metrics).since(before);

        assertEquals("ipsets 7.0, iptables 2.5, routes 1.5", after.means());
        assertEquals(2, after.applies());
        assertEquals("-", before.since(before).means());
    }
}
