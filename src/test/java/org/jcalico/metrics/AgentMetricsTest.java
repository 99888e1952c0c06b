package org.jcalico.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.jcalico.bgp.BgpStatus;
import org.jcalico.datastore.Keys;
import org.jcalico.datastore.WatchEvent;
import org.jcalico.felix.dataplane.Change;
import org.jcalico.felix.dataplane.Changes;
import org.jcalico.felix.dataplane.DataplaneReport;
import org.jcalico.felix.hoststate.HostState;
import org.jcalico.felix.hoststate.IptablesState;
import org.jcalico.model.Cidr;
import org.jcalico.model.Profile;
import org.jcalico.model.WorkloadEndpoint;
import org.junit.jupiter.api.Test;

/** What the agent's calls make of the metrics, read back from the text Prometheus scrapes. */
class AgentMetricsTest {
    private final AgentMetrics metrics = new AgentMetrics();

    /** The value of the one sample named exactly so (labels included, in the writer's order), or NaN when absent. */
    private double sample(String series) {
        String text = new String(metrics.scrape(), StandardCharsets.UTF_8);
        Matcher line = Pattern.compile("(?m)^" + Pattern.quote(series) + " (\\S+)$").matcher(text);
        return line.find() ? Double.parseDouble(line.group(1)) : Double.NaN;
    }

    private static WorkloadEndpoint endpoint(String id) {
        return new WorkloadEndpoint("h1", null, "c-" + id, id, "jc" + id, null, List.of(Cidr.parseHostOrNet("10.0.0.1")),
                List.of(), List.of("p"), null, null, Map.of(), List.of());
    }

    private static final HostState EMPTY = new HostState(new IptablesState(4, Map.of(), List.of()),
            new IptablesState(6, Map.of(), List.of()), Map.of(), Set.of(), Set.of(), Map.of());

    @Test
    void countsDatastoreEventsByKindAndType() {
        String endpointKey = Keys.nodeKey(WorkloadEndpoint.class, "h1", "a");
        metrics.received(List.of(new WatchEvent(WatchEvent.Type.PUT, endpointKey, "{}", 5),
                new WatchEvent(WatchEvent.Type.PUT, endpointKey, "{}", 6),
                new WatchEvent(WatchEvent.Type.DELETE, Keys.keyOf(Profile.class, "web"), null, 7)));

        assertEquals(2, sample("jcalico_datastore_events_total{kind=\"WorkloadEndpoint\",type=\"put\"}"));
        assertEquals(1, sample("jcalico_datastore_events_total{kind=\"Profile\",type=\"delete\"}"));
        assertEquals(0, sample("jcalico_datastore_events_total{kind=\"Profile\",type=\"put\"}"));
    }

    @Test
    void programmingLatencyIsTakenFromTheRecordsCommitTime() {
        long created = System.currentTimeMillis() - 1000;
        metrics.programmed(List.of(endpoint("a").createdAt(created), endpoint("b")));

        String histogram = "jcalico_endpoint_programming_latency_seconds";
        assertEquals(1, sample(histogram + "_count"), "an endpoint written without a time is not counted");
        assertEquals(0, sample(histogram + "_bucket{le=\"0.75\"}"));
        assertEquals(1, sample(histogram + "_bucket{le=\"2.5\"}"));
        assertTrue(sample(histogram + "_sum") >= 1.0);
    }

    @Test
    void driftIsWhatResyncsAfterTheFirstChanged() {
        DataplaneReport wrote = new DataplaneReport(new Changes(Map.of(Change.CHAINS_WRITTEN, 3), Map.of()),
                Duration.ofMillis(5), Map.of("iptables", Duration.ofMillis(4), "routes", Duration.ofMillis(1)));

        metrics.applied(EMPTY, wrote, true);
        assertEquals(1, sample("jcalico_dataplane_resyncs_total"));
        assertTrue(Double.isNaN(sample("jcalico_dataplane_drift_repaired_total{change=\"chains_written\"}")),
                "the first resync programs from nothing: no drift");
        metrics.applied(EMPTY, wrote, false);
        metrics.applied(EMPTY, wrote, true);

        assertEquals(2, sample("jcalico_dataplane_resyncs_total"));
        assertEquals(3, sample("jcalico_dataplane_drift_repaired_total{change=\"chains_written\"}"));
        assertEquals(3, sample("jcalico_dataplane_apply_duration_seconds_count"));
        assertEquals(3, sample("jcalico_dataplane_driver_duration_seconds_count{driver=\"iptables\"}"));
        assertEquals(0.012, sample("jcalico_dataplane_driver_duration_seconds_sum{driver=\"iptables\"}"), 1e-9);
    }

    /** The last good resync moves on a resync the kernel took whole, never on a failed one nor on an update. */
    @Test
    void theLastGoodResyncIsAResyncWithoutFailureAndInSyncIsWhatTheStatusSays() {
        String at = "jcalico_dataplane_last_resync_success_timestamp_seconds";
        DataplaneReport failed = new DataplaneReport(new Changes(Map.of(), Map.of("jcA", "refused")), Duration.ZERO, Map.of());
        DataplaneReport whole = new DataplaneReport(Changes.NONE, Duration.ZERO, Map.of());
        metrics.applied(EMPTY, failed, true);
        metrics.applied(EMPTY, whole, false);
        assertTrue(Double.isNaN(sample(at)), "absent before a resync the kernel took whole");
        long before = System.currentTimeMillis();
        metrics.applied(EMPTY, whole, true);
        double first = sample(at);
        assertTrue(first * 1000 >= before - 1 && first * 1000 <= System.currentTimeMillis() + 1, String.valueOf(first));
        metrics.applied(EMPTY, failed, true);
        assertEquals(first, sample(at), "a failed resync is not a good one");

        java.util.concurrent.atomic.AtomicBoolean inSync = new java.util.concurrent.atomic.AtomicBoolean();
        metrics.followSync(inSync::get);
        assertEquals(0, sample("jcalico_in_sync"));
        inSync.set(true);
        assertEquals(1, sample("jcalico_in_sync"));
    }

    /**
     * Prometheus' client samples exemplars for counters and gauges unless told not to, and its sampler starts a
     * scheduler thread of its own: a platform thread (60 KB of an idle agent's RSS) for exemplars that jcalico, which
     * traces nothing, never has.
     */
    @Test
    void theMetricsStartNoThreadOfTheirOwn() {
        metrics.commandRan("ipset", true);
        metrics.received(List.of(new WatchEvent(WatchEvent.Type.PUT, Keys.keyOf(Profile.class, "web"), "{}", 5)));
        metrics.scrape();

        assertEquals(Set.of(), Thread.getAllStackTraces().keySet().stream().map(Thread::getName)
                .filter(name -> name.startsWith("prometheus-metrics")).collect(java.util.stream.Collectors.toSet()));
    }

    @Test
    void countsToolRunsAndFailures() {
        metrics.commandRan("iptables-restore", true);
        metrics.commandRan("iptables-restore", false);
        metrics.commandRan("ipset", true);

        assertEquals(2, sample("jcalico_dataplane_commands_total{command=\"iptables-restore\"}"));
        assertEquals(1, sample("jcalico_dataplane_command_failures_total{command=\"iptables-restore\"}"));
        assertEquals(1, sample("jcalico_dataplane_commands_total{command=\"ipset\"}"));
        assertTrue(Double.isNaN(sample("jcalico_dataplane_command_failures_total{command=\"ipset\"}")));
    }

    @Test
    void endpointsAndHostCountsFollowTheLastPass() {
        assertEquals(0, sample("jcalico_endpoints{state=\"programmed\"}"));
        metrics.endpoints(3, 2, 1);
        metrics.applied(EMPTY, new DataplaneReport(Changes.NONE, Duration.ZERO, Map.of()), false);

        assertEquals(3, sample("jcalico_endpoints{state=\"programmed\"}"));
        assertEquals(2, sample("jcalico_endpoints{state=\"isolated\"}"));
        assertEquals(1, sample("jcalico_endpoints{state=\"failed\"}"));
        assertEquals(0, sample("jcalico_ipsets"));
        assertEquals(0, sample("jcalico_policies_active"));
    }

    @Test
    void bgpSessionsByTheirStateAsBirdNamesIt() {
        List<BgpStatus.Session> sessions = List.of(
                new BgpStatus.Session("mesh", 4, "172.30.0.12", "up", "12:00:00", "Established"),
                new BgpStatus.Session("mesh", 4, "172.30.0.13", "start", "12:00:00", "Active        Socket: Connection refused"),
                new BgpStatus.Session("mesh", 6, "fd30::13", "down", "12:00:00", ""));
        metrics.countBgpSessions(() -> sessions);

        assertEquals(1, sample("jcalico_bgp_sessions{state=\"Established\"}"));
        assertEquals(1, sample("jcalico_bgp_sessions{state=\"Active\"}"));
        assertEquals(1, sample("jcalico_bgp_sessions{state=\"down\"}"));
        assertEquals(Map.of("Established", 0), AgentMetrics.byState(List.of()), "no session is still a figure");
    }

    @Test
    void speaksPrometheusTextFormat() {
        assertTrue(metrics.contentType().startsWith("text/plain; version=0.0.4"), metrics.contentType());
        String text = new String(metrics.scrape(), StandardCharsets.UTF_8);
        assertTrue(text.contains("# TYPE jcalico_endpoint_programming_latency_seconds histogram"), text);
        assertTrue(text.contains("# HELP jcalico_endpoints "), text);
    }
}
