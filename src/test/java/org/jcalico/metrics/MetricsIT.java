package org.jcalico.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.json.JsonMapper;
import java.io.IOException;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import org.jcalico.kernel.CommandRunner;
import org.jcalico.lab.LabLayout;
import org.jcalico.testing.Eventually;
import org.jcalico.testing.LabFixture;
import org.jcalico.testing.TestNamespaces;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * A real Prometheus (Debian's) in the lab's first host scrapes both agents, which listen on their hosts' lab addresses
 * (a node.NAME FelixConfiguration moves them there from loopback); its query API shows what a container add and
 * remove do to the endpoint counts and the programming-latency histogram.
 */
@Tag("kernel")
class MetricsIT {
    private static final String LAB = "jcm1";
    private static final String PROMETHEUS_DIR_PREFIX = TestNamespaces.named("jcm1-prometheus-");
    private static final int PORT = 9091;
    private static final JsonMapper JSON = new JsonMapper();

    @Test
    void prometheusSeesEndpointsAndTheirProgrammingLatency() throws Exception {
        assumeTrue(CommandRunner.local().run("which", "prometheus").ok(), "Debian's prometheus is not installed");
        removeLeftovers();
        Path dir = Files.createTempDirectory(PROMETHEUS_DIR_PREFIX);
        Process prometheus = null;
        try (LabFixture fixture = LabFixture.up(LAB, 2)) {
            LabLayout layout = fixture.layout();
            String h1 = layout.host(1);
            String h2 = layout.host(2);
            String a1 = layout.hostV4(1) + ":" + PORT;
            String a2 = layout.hostV4(2) + ":" + PORT;
            assertTrue(Eventually.within(10, () -> metricsAt(fixture, h1, "127.0.0.1:" + PORT)),
                    "by default the agent serves /metrics on its host's loopback");

            for (int host = 1; host <= 2; host++) {
                fixture.apply("h1", "kind: FelixConfiguration\nname: node." + layout.nodeName(host)
                        + "\nprometheusMetricsHost: " + layout.hostV4(host) + "\n");
            }
            assertTrue(Eventually.within(10, () -> metricsAt(fixture, h2, a2) && !metricsAt(fixture, h1, "127.0.0.1:" + PORT)),
                    "a changed address moves the listener");

            prometheus = startPrometheus(h1, dir, a1, a2);
            Process running = prometheus;
            assertTrue(Eventually.within(30, () -> query(fixture, h1, "up").equals(Map.of(a1, 1.0, a2, 1.0))),
                    () -> "Prometheus scrapes both agents: " + query(fixture, h1, "up") + "\n" + log(dir, running));
            assertTrue(Eventually.within(30, () -> query(fixture, h1, "jcalico_in_sync").equals(Map.of(a1, 1.0, a2, 1.0))),
                    () -> "both agents in sync: " + query(fixture, h1, "jcalico_in_sync"));
            Map<String, Double> sinceResync = query(fixture, h1, "time() - jcalico_dataplane_last_resync_success_timestamp_seconds");
            assertTrue(sinceResync.size() == 2 && sinceResync.values().stream().allMatch(age -> age >= -5 && age < 120),
                    "each agent's first pass, a resync, a moment ago (an alert's expression): " + sinceResync);
            String programmed = "jcalico_endpoints{state=\"programmed\"}";
            String latencyCount = "jcalico_endpoint_programming_latency_seconds_count";
            assertEquals(Map.of(a1, 0.0, a2, 0.0), query(fixture, h1, programmed));
            Map<String, Double> countBefore = query(fixture, h1, latencyCount);

            fixture.jc("h1", "pool", "add", "10.69.0.0/16");
            String workload = fixture.lab().workload("w1");
            fixture.jc("h1", "container", "add", "netns:" + workload, "--profile", "web");
            assertTrue(Eventually.within(10, () -> query(fixture, h1, programmed).equals(Map.of(a1, 1.0, a2, 0.0))
                            && value(query(fixture, h1, latencyCount), a1) == value(countBefore, a1) + 1),
                    () -> "h1's endpoint counted and its latency observed: " + query(fixture, h1, programmed) + " "
                            + query(fixture, h1, latencyCount));
            assertEquals(value(countBefore, a2), value(query(fixture, h1, latencyCount), a2), "h2 programmed no endpoint of its own");
            double latency = value(query(fixture, h1, "jcalico_endpoint_programming_latency_seconds_sum"), a1);
            double p99 = value(query(fixture, h1, "histogram_quantile(0.99, jcalico_endpoint_programming_latency_seconds_bucket)"), a1);
            System.out.println("[metrics] the endpoint was programmed " + Math.round(latency * 1000)
                    + " ms after its commit; Prometheus' p99 estimate from the buckets: " + Math.round(p99 * 1000) + " ms");
            assertTrue(latency > 0 && latency < 5, "a plausible latency: " + latency);
            assertTrue(p99 > 0 && p99 <= 10, "the histogram's buckets hold the observation: " + p99);
            // h2's counter reaches Prometheus at h2's next scrape, which may come after h1's
            assertTrue(Eventually.within(10, () -> value(query(fixture, h1,
                            "jcalico_datastore_events_total{kind=\"WorkloadEndpoint\",type=\"put\"}"), a2) >= 1),
                    "h2 received the endpoint's record too");

            fixture.jc("h1", "container", "remove", "netns:" + workload);
            assertTrue(Eventually.within(10, () -> query(fixture, h1, programmed).equals(Map.of(a1, 0.0, a2, 0.0))),
                    () -> "the removed endpoint is no longer counted: " + query(fixture, h1, programmed));
            assertEquals(value(countBefore, a1) + 1, value(query(fixture, h1, latencyCount), a1), "a remove is no programming");
            assertTrue(Eventually.within(30, () -> {
                Map<String, Double> established = query(fixture, h1, "jcalico_bgp_sessions{state=\"Established\"}");
                return value(established, a1) >= 1 && value(established, a2) >= 1;
            }), () -> "each agent counts its established BGP sessions: " + query(fixture, h1, "jcalico_bgp_sessions"));

            fixture.apply("h1", "kind: FelixConfiguration\nname: node." + layout.nodeName(2)
                    + "\nprometheusMetricsHost: " + layout.hostV4(2) + "\nprometheusMetricsEnabled: false\n");
            assertTrue(Eventually.within(10, () -> query(fixture, h1, "up").equals(Map.of(a1, 1.0, a2, 0.0))),
                    () -> "switched off, h2 serves no metrics: " + query(fixture, h1, "up"));
            assertFalse(metricsAt(fixture, h2, a2));
        } finally {
            if (prometheus != null) {
                prometheus.destroy();
                if (!prometheus.waitFor(10, TimeUnit.SECONDS)) {
                    prometheus.destroyForcibly().waitFor();
                }
            }
            CommandRunner.local().run("rm", "-rf", dir.toString());
        }
    }

    /** Whether GET /metrics at ADDRESS from inside NAMESPACE answers with the agent's metrics. */
    private static boolean metricsAt(LabFixture fixture, String namespace, String address) {
        CommandRunner.Result result = fixture.in(namespace, "curl", "-sf", "-m", "2", "http://" + address + "/metrics");
        return result.ok() && result.stdout().contains("# TYPE jcalico_endpoints gauge");
    }

    private static Process startPrometheus(String namespace, Path dir, String... targets) throws IOException {
        Path config = dir.resolve("prometheus.yml");
        Files.writeString(config, """
                global:
                  scrape_interval: 1s
                  scrape_timeout: 1s
                scrape_configs:
                  - job_name: jcalico
                    static_configs:
                      - targets: ['%s']
                """.formatted(String.join("', '", targets)));
        return new ProcessBuilder("nsenter", "--net=/run/netns/" + namespace, "--", "prometheus",
                "--config.file=" + config, "--storage.tsdb.path=" + dir.resolve("data"),
                "--web.listen-address=127.0.0.1:9090", "--log.level=warn")
                .redirectErrorStream(true).redirectOutput(dir.resolve("prometheus.log").toFile()).start();
    }

    /** An instant query's result, value by instance; empty while Prometheus is not answering. */
    private static Map<String, Double> query(LabFixture fixture, String namespace, String promql) {
        CommandRunner.Result result = fixture.in(namespace, "curl", "-sf", "-m", "2",
                "http://127.0.0.1:9090/api/v1/query?query=" + URLEncoder.encode(promql, StandardCharsets.UTF_8));
        Map<String, Double> values = new TreeMap<>();
        if (!result.ok()) {
            return values;
        }
        try {
            for (JsonNode sample : JSON.readTree(result.stdout()).path("data").path("result")) {
                values.put(sample.path("metric").path("instance").asText(), Double.parseDouble(sample.path("value").get(1).asText()));
            }
        } catch (IOException e) {
            throw new AssertionError("Prometheus answered no JSON: " + result.stdout(), e);
        }
        return values;
    }

    private static double value(Map<String, Double> values, String instance) {
        return values.getOrDefault(instance, Double.NaN);
    }

    private static String log(Path dir, Process prometheus) {
        try {
            return (prometheus.isAlive() ? "" : "Prometheus exited " + prometheus.exitValue() + ": ")
                    + Files.readString(dir.resolve("prometheus.log"));
        } catch (IOException e) {
            return "";
        }
    }

    /** What an earlier run killed mid-way left: its Prometheus (found by its storage directory) and that directory. */
    private static void removeLeftovers() throws IOException {
        Path tmp = Path.of(System.getProperty("java.io.tmpdir"));
        String mine = tmp.resolve(PROMETHEUS_DIR_PREFIX).toString();
        ProcessHandle.allProcesses()
                .filter(process -> process.info().commandLine().map(line -> line.contains("prometheus --config.file=" + mine)).orElse(false))
                .forEach(ProcessHandle::destroyForcibly);
        try (var leftovers = Files.list(tmp)) {
            leftovers.filter(path -> path.getFileName().toString().startsWith(PROMETHEUS_DIR_PREFIX))
                    .forEach(path -> CommandRunner.local().run("rm", "-rf", path.toString()));
        }
    }
}
