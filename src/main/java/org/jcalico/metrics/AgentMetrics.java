package org.jcalico.metrics;

import io.prometheus.metrics.core.datapoints.CounterDataPoint;
import io.prometheus.metrics.core.metrics.Counter;
import io.prometheus.metrics.core.metrics.CounterWithCallback;
import io.prometheus.metrics.core.metrics.Gauge;
import io.prometheus.metrics.core.metrics.GaugeWithCallback;
import io.prometheus.metrics.core.metrics.Histogram;
import io.prometheus.metrics.expositionformats.PrometheusTextFormatWriter;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;
import org.jcalico.bgp.BgpStatus;
import org.jcalico.datastore.WatchEvent;
import org.jcalico.felix.dataplane.DataplaneReport;
import org.jcalico.felix.hoststate.HostState;
import org.jcalico.flows.DeniedFlow;
import org.jcalico.flows.DeniedPackets;
import org.jcalico.kernel.KernelException;
import org.jcalico.model.WorkloadEndpoint;

/**
 * The one owner of the agent's Prometheus metrics (docs/observability.md lists them): the agent and its runtime
 * tell it what happened in one call each, and it renders Prometheus' text format for GET /metrics. What is costly to
 * count (the policies in force, ipset members, BIRD's sessions) is worked out when Prometheus scrapes; what the
 * agent's loop records per event is a counter increment on a data point looked up once. Safe from any thread.
 */
public final class AgentMetrics {
    /** Around the endpoint programming SLO (README: p99 within 250 ms of the record's commit). */
    static final double[] LATENCY_BUCKETS = {0.025, 0.05, 0.075, 0.1, 0.125, 0.15, 0.2, 0.25, 0.3, 0.4, 0.5, 0.75, 1, 2.5, 5, 10};
    static final double[] DURATION_BUCKETS = {0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10};
    /** BGP's session states (RFC 4271) as BIRD names them; a session in none of them is counted by BIRD's protocol state. */
    private static final Set<String> BGP_STATES = Set.of("Idle", "Connect", "Active", "OpenSent", "OpenConfirm", "Established");
    private static final PrometheusTextFormatWriter TEXT = PrometheusTextFormatWriter.create();
    private final PrometheusRegistry registry = new PrometheusRegistry();
    private final KeySpaces keySpaces = new KeySpaces();
    /** Events by key space (as {@link KeySpaces#indexOf}) and type. */
    private final CounterDataPoint[][] events;
    private final Gauge endpoints;
    private final Histogram latency;
    private final Histogram calc;
    private final Histogram apply;
    private final Histogram drivers;
    private final Counter resyncs;
    private final Counter drift;
    private final Counter commands;
    private final Counter commandFailures;
    /** When the last resync that the kernel took whole ended (epoch seconds), NaN before the first. */
    private volatile double resyncedAt = Double.NaN;
    private volatile HostState desired;
    private HostState counted;
    private HostCounts counts = HostCounts.NONE;
    private boolean resynced;

    public AgentMetrics() {
        Counter received = Counter.builder().name("jcalico_datastore_events")
                .help("Datastore watch events the agent received, by the kind of record and put or delete")
                .labelNames("kind", "type").withoutExemplars().register(registry);
        List<String> kinds = keySpaces.names();
        WatchEvent.Type[] types = WatchEvent.Type.values();
        events = new CounterDataPoint[kinds.size()][types.length];
        for (int kind = 0; kind < kinds.size(); kind++) {
            for (WatchEvent.Type type : types) {
                events[kind][type.ordinal()] = received.labelValues(kinds.get(kind), type.name().toLowerCase(Locale.ROOT));
            }
        }
        endpoints = Gauge.builder().name("jcalico_endpoints")
                .help("This node's endpoints by state: programmed, isolated (state not active: all dropped on purpose), or failed"
                        + " (kept dropped, see node status)")
                .labelNames("state").withoutExemplars().register(registry);
        endpoints(0, 0, 0);
        latency = Histogram.builder().name("jcalico_endpoint_programming_latency_seconds")
                .help("From an endpoint record's commit (the writer's clock, on this node) to the agent reporting it programmed")
                .classicOnly().classicUpperBounds(LATENCY_BUCKETS).withoutExemplars().register(registry);
        calc = Histogram.builder().name("jcalico_calc_duration_seconds")
                .help("Time the calculation took to turn the agent's view of the cluster into the desired host state")
                .classicOnly().classicUpperBounds(DURATION_BUCKETS).withoutExemplars().register(registry);
        apply = Histogram.builder().name("jcalico_dataplane_apply_duration_seconds")
                .help("Time one apply or resync of the desired state took, all drivers together")
                .classicOnly().classicUpperBounds(DURATION_BUCKETS).withoutExemplars().register(registry);
        drivers = Histogram.builder().name("jcalico_dataplane_driver_duration_seconds")
                .help("Time each dataplane driver worked during one apply or resync")
                .labelNames("driver").classicOnly().classicUpperBounds(DURATION_BUCKETS).withoutExemplars().register(registry);
        resyncs = Counter.builder().name("jcalico_dataplane_resyncs")
                .help("Passes that read the kernel back and repaired it (at start, every resyncIntervalSeconds, after a failure)")
                .withoutExemplars().register(registry);
        drift = Counter.builder().name("jcalico_dataplane_drift_repaired")
                .help("Kernel changes made by resyncs after the first: state that had drifted from what the agent wrote")
                .labelNames("change").withoutExemplars().register(registry);
        commands = Counter.builder().name("jcalico_dataplane_commands")
                .help("Kernel tools the agent ran (iptables-restore, ipset, ip ...), by tool")
                .labelNames("command").withoutExemplars().register(registry);
        commandFailures = Counter.builder().name("jcalico_dataplane_command_failures")
                .help("Kernel tools the agent ran that exited non-zero, by tool")
                .labelNames("command").withoutExemplars().register(registry);
        GaugeWithCallback.builder().name("jcalico_dataplane_last_resync_success_timestamp_seconds")
                .help("When the last resync the kernel took whole ended (a pass that read the kernel back and repaired it, at"
                        + " start and every resyncIntervalSeconds); absent before the first. Alert on time() minus it")
                .callback(callback -> {
                    double at = resyncedAt;
                    if (!Double.isNaN(at)) {
                        callback.call(at);
                    }
                }).register(registry);
        GaugeWithCallback.builder().name("jcalico_policies_active")
                .help("Policies that apply to at least one of this node's endpoints")
                .callback(callback -> callback.call(counts().policies())).register(registry);
        GaugeWithCallback.builder().name("jcalico_profiles_active")
                .help("Profiles that apply to at least one of this node's endpoints")
                .callback(callback -> callback.call(counts().profiles())).register(registry);
        GaugeWithCallback.builder().name("jcalico_ipsets")
                .help("ipsets the agent keeps in the kernel (both IP families)")
                .callback(callback -> callback.call(counts().ipSets())).register(registry);
        GaugeWithCallback.builder().name("jcalico_ipset_members")
                .help("Members of the ipsets the agent keeps in the kernel")
                .callback(callback -> callback.call(counts().ipSetMembers())).register(registry);
    }

    /** Counts the sessions {@code sessions} reads (BIRD's, asked when Prometheus scrapes) by state. */
    public void countBgpSessions(Supplier<List<BgpStatus.Session>> sessions) {
        GaugeWithCallback.builder().name("jcalico_bgp_sessions")
                .help("This node's BGP sessions by state, as BIRD reports them (none while BIRD does not answer)")
                .labelNames("state").callback(callback -> {
                    List<BgpStatus.Session> read;
                    try {
                        read = sessions.get();
                    } catch (KernelException e) {
                        return;
                    }
                    byState(read).forEach((state, count) -> callback.call(count, state));
                }).register(registry);
    }

    /**
     * Whether the agent is in sync, as {@code inSync} reads it from the status it last wrote (`node status`'s state,
     * one truth for both): 1 while the kernel holds what the last pass programmed from the datastore as it is, with
     * nothing failed; 0 before its first pass, while the datastore cannot be read (disconnected), after a pass with a
     * failure or a problem (degraded), and once stopped. Read when scraped.
     */
    public void followSync(BooleanSupplier inSync) {
        GaugeWithCallback.builder().name("jcalico_in_sync")
                .help("1 while this node's kernel is programmed from the datastore as it is now with nothing failed (node"
                        + " status: in_sync); 0 while starting, disconnected from the datastore, degraded or stopped")
                .callback(callback -> callback.call(inSync.getAsBoolean() ? 1 : 0)).register(registry);
    }

    /** Counts the packets the denied-flow log took (jcalico_denied_packets_total), by direction, read when scraped. */
    public void countDeniedPackets(DeniedPackets packets) {
        CounterWithCallback.builder().name("jcalico_denied_packets")
                .help("Packets policy dropped that the denied-flow log took, by direction (beyond the kernel's per-endpoint rate limit not counted)")
                .labelNames("direction").callback(callback -> {
                    for (String direction : List.of(DeniedFlow.INGRESS, DeniedFlow.EGRESS)) {
                        callback.call(packets.total(direction), direction);
                    }
                }).register(registry);
    }

    /** Sessions by state, "Established" always among them. */
    static Map<String, Integer> byState(List<BgpStatus.Session> sessions) {
        Map<String, Integer> result = new TreeMap<>(Map.of("Established", 0));
        for (BgpStatus.Session session : sessions) {
            String first = session.info().split("\\s+", 2)[0];
            result.merge(BGP_STATES.contains(first) ? first : session.state(), 1, Integer::sum);
        }
        return result;
    }

    public void received(List<WatchEvent> batch) {
        for (WatchEvent event : batch) {
            events[keySpaces.indexOf(event.key())][event.type().ordinal()].inc();
        }
    }

    public void calculated(long nanos) {
        calc.observe(nanos / 1e9);
    }

    /** One apply or resync ({@code resync}) of {@code state}. */
    public void applied(HostState state, DataplaneReport report, boolean resync) {
        desired = state;
        apply.observe(seconds(report.elapsed()));
        report.drivers().forEach((driver, time) -> drivers.labelValues(driver).observe(seconds(time)));
        if (resync) {
            if (report.failures().isEmpty()) {
                resyncedAt = System.currentTimeMillis() / 1000.0;
            }
            resyncs.inc();
            if (resynced) {
                report.changes().counts().forEach((change, count) ->
                        drift.labelValues(change.name().toLowerCase(Locale.ROOT)).inc(count));
            }
            resynced = true;
        }
    }

    public void endpoints(int programmed, int isolated, int failed) {
        endpoints.labelValues("programmed").set(programmed);
        endpoints.labelValues("isolated").set(isolated);
        endpoints.labelValues("failed").set(failed);
    }

    /** Endpoints the agent has just reported programmed for the first time. */
    public void programmed(List<WorkloadEndpoint> reported) {
        long now = System.currentTimeMillis();
        for (WorkloadEndpoint endpoint : reported) {
            if (endpoint.createdAtMillis() != null) {
                // another host's clock may be behind: a negative time is a skew, not a fast agent
                latency.observe(Math.max(0, now - endpoint.createdAtMillis()) / 1000.0);
            }
        }
    }

    /** A kernel tool ran (see CommandRunner#observedBy). */
    public void commandRan(String tool, boolean ok) {
        commands.labelValues(tool).inc();
        if (!ok) {
            commandFailures.labelValues(tool).inc();
        }
    }

    public String contentType() {
        return TEXT.getContentType();
    }

    /** Every metric in Prometheus' text format. */
    public byte[] scrape() {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try {
            TEXT.write(out, registry.scrape());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }

    private synchronized HostCounts counts() {
        HostState state = desired;
        if (state != null && state != counted) {
            counts = HostCounts.of(state);
            counted = state;
        }
        return counts;
    }

    private static double seconds(Duration duration) {
        return duration.toNanos() / 1e9;
    }
}
