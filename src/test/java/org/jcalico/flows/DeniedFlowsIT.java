package org.jcalico.flows;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Predicate;
import java.util.stream.Collectors;
import org.jcalico.kernel.CommandRunner;
import org.jcalico.lab.Probe;
import org.jcalico.lab.WorkloadWebServer;
import org.jcalico.model.IpAddress;
import org.jcalico.model.Resource;
import org.jcalico.model.ResourceCodec;
import org.jcalico.model.WorkloadEndpoint;
import org.jcalico.testing.Eventually;
import org.jcalico.testing.LabFixture;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * The denied-flow log on the real kernel with the real ulogd ("jcf1" lab, one host, the real agent): a denied ping
 * (both families), a denied TCP connection, a denied egress datagram, a profile's Deny and the default drop appear
 * in `jcalico flows` within 2 s, told by what dropped them; allowed traffic does not; deniedFlowLogsEnabled false
 * takes every NFLOG rule out of both families' tables and logs nothing more. /metrics counts what the log holds.
 */
@Tag("kernel")
class DeniedFlowsIT {
    private static final String H1 = "h1";
    private static final String POLICIES = """
            kind: Profile
            name: open
            inbound: [{action: allow}]
            outbound: [{action: allow}]
            ---
            kind: Profile
            name: guarded
            inbound: [{action: deny, protocol: tcp, destination: {ports: [81]}}]
            outbound: [{action: allow}]
            ---
            kind: GlobalNetworkPolicy
            metadata: {name: web-guard}
            spec:
              selector: app == "web"
              types: [Ingress]
              ingress:
              - {action: Deny, protocol: ICMP}
              - {action: Deny, protocol: ICMPv6}
              - {action: Deny, protocol: TCP, destination: {ports: [81]}}
              - {action: Allow}
            ---
            kind: GlobalNetworkPolicy
            metadata: {name: client-out}
            spec:
              selector: app == "client"
              types: [Egress]
              egress:
              - {action: Deny, protocol: UDP, destination: {ports: [5353]}}
              - {action: Allow}
            """;

    private final Map<String, WorkloadEndpoint> endpoints = new LinkedHashMap<>();

    @Test
    void deniedPacketsAppearWithWhatDroppedThemAndTheSettingRemovesTheRules() {
        try (LabFixture fixture = LabFixture.up("jcf1", 1, false)) {
            // the lab's logs outlive it: an earlier run's flows must not count (nothing is denied before the policies)
            deleteLog(fixture);
            fixture.apply(H1, POLICIES);
            Map<String, List<String>> workloads = new LinkedHashMap<>();
            workloads.put("a", List.of("--profile", "open", "--label", "app=client"));
            workloads.put("b", List.of("--profile", "open", "--label", "app=web"));
            workloads.put("c", List.of("--profile", "guarded"));
            workloads.forEach((name, flags) -> {
                String namespace = fixture.lab().workload(name);
                List<String> add = new ArrayList<>(List.of("container", "add", "netns:" + namespace));
                add.addAll(flags);
                fixture.jc(H1, add.toArray(String[]::new));
                WorkloadWebServer.start(fixture.layout(), namespace, 80);
            });
            for (Resource resource : ResourceCodec.decodeAll(fixture.jc(H1, "container", "list", "-o", "json"))) {
                WorkloadEndpoint endpoint = (WorkloadEndpoint) resource;
                endpoints.put(endpoint.containerId().substring(endpoint.containerId().lastIndexOf('-') + 1), endpoint);
            }
            String a = fixture.layout().workload("a");

            assertFalse(Probe.ping(a, address("b", 4)).succeeds());
            DeniedFlow ping = awaitFlow(fixture, flow -> flow.protocol().equals("icmp") && to(flow, "b", 4));
            assertEquals(DeniedFlow.INGRESS, ping.direction());
            assertEquals(id("b"), ping.endpoint());
            assertEquals(address("a", 4).toString(), ping.source());
            assertEquals(8, ping.icmpType(), "an echo request");
            assertEquals(DroppedBy.policyRule("default", "web-guard", 0), ping.droppedBy());

            assertFalse(Probe.ping(a, address("b", 6)).succeeds());
            DeniedFlow ping6 = awaitFlow(fixture, flow -> flow.protocol().equals("icmpv6") && to(flow, "b", 6));
            assertEquals(DroppedBy.policyRule("default", "web-guard", 1), ping6.droppedBy(), "IPv6 is logged as well");

            assertFalse(Probe.tcp(a, address("b", 4), 81).succeeds());
            DeniedFlow tcp = awaitFlow(fixture, flow -> flow.protocol().equals("tcp") && to(flow, "b", 4));
            assertEquals(81, tcp.destinationPort());
            assertTrue(tcp.sourcePort() != null && tcp.icmpType() == null);
            assertEquals(DroppedBy.policyRule("default", "web-guard", 2), tcp.droppedBy());

            Probe.udp(a, address("b", 4), 5353).succeeds();
            DeniedFlow udp = awaitFlow(fixture, flow -> flow.protocol().equals("udp"));
            assertEquals(DeniedFlow.EGRESS, udp.direction());
            assertEquals(id("a"), udp.endpoint(), "an egress drop is the sender's");
            assertEquals(DroppedBy.policyRule("default", "client-out", 0), udp.droppedBy());

            assertFalse(Probe.tcp(a, address("c", 4), 81).succeeds());
            assertEquals(DroppedBy.profileRule("guarded", 0),
                    awaitFlow(fixture, flow -> flow.protocol().equals("tcp") && to(flow, "c", 4)).droppedBy());
            assertFalse(Probe.ping(a, address("c", 4)).succeeds());
            assertEquals(DroppedBy.defaultDrop(),
                    awaitFlow(fixture, flow -> flow.protocol().equals("icmp") && to(flow, "c", 4)).droppedBy());

            assertTrue(Probe.tcp(a, address("b", 4), 80).succeeds(), "web-guard allows TCP 80");
            String table = fixture.jc(H1, "flows", "--lab", fixture.layout().name());
            assertTrue(table.contains("tier default > web-guard > rule 2") && table.contains("profile guarded > rule 0")
                    && table.contains("default drop"), table);
            assertTrue(flows(fixture).stream().noneMatch(flow -> Integer.valueOf(80).equals(flow.destinationPort())),
                    "allowed traffic is not logged");
            List<DeniedFlow> onlyC = fixture.jc(H1, "flows", "--lab", fixture.layout().name(), "--endpoint", id("c"), "-o", "json")
                    .lines().map(DeniedFlow::fromJson).toList();
            // c's two probes, and nothing of another endpoint's; a SYN the kernel sends again before the probe gives
            // up (its second try comes 1 s after the first, when the probe's timeout ends) is another denied packet
            assertEquals(Set.of("tcp", "icmp"), onlyC.stream().map(DeniedFlow::protocol).collect(Collectors.toSet()),
                    onlyC.toString());
            assertTrue(onlyC.stream().allMatch(flow -> flow.endpoint().equals(id("c"))), onlyC.toString());

            CommandRunner.Result unknown = fixture.run(H1, "flows", "--lab", fixture.layout().name(), "--node", "nosuch");
            assertEquals(1, unknown.exitCode());
            assertTrue(unknown.stderr().startsWith("error: no denied-flow log for node nosuch"), unknown.stderr());

            CommandRunner host = CommandRunner.inNamespace(fixture.layout().host(1));
            String metrics = host.run("curl", "-sf", "http://127.0.0.1:9091/metrics").check().stdout();
            for (String direction : List.of(DeniedFlow.INGRESS, DeniedFlow.EGRESS)) {
                long logged = flows(fixture).stream().filter(flow -> flow.direction().equals(direction)).count();
                java.util.regex.Matcher counted = java.util.regex.Pattern.compile(
                        "jcalico_denied_packets_total\\{direction=\"" + direction + "\"\\} ([0-9.]+)").matcher(metrics);
                assertTrue(counted.find(), metrics);
                assertEquals(logged, (long) Double.parseDouble(counted.group(1)), "the metric counts what the log holds");
            }

            fixture.apply(H1, LabFixture.globalConfiguration("deniedFlowLogsEnabled: false\n"));
            // either driver's: iptables' NFLOG target, nftables' `log prefix "P" group G`
            assertTrue(Eventually.within(10, () -> !fixture.filterState(fixture.layout().host(1)).matches("(?s).*(NFLOG| log prefix ).*")),
                    "no logging rule in either family");
            int before = flows(fixture).size();
            assertFalse(Probe.ping(a, address("b", 4)).succeeds(), "still denied");
            sleep(1000);
            assertEquals(before, flows(fixture).size(), "nothing logged while off");
        }
    }

    private DeniedFlow awaitFlow(LabFixture fixture, Predicate<DeniedFlow> wanted) {
        long start = System.nanoTime();
        List<DeniedFlow> found = new ArrayList<>();
        Eventually.within(2, () -> {
            found.clear();
            flows(fixture).stream().filter(wanted).forEach(found::add);
            return !found.isEmpty();
        });
        assertFalse(found.isEmpty(), "a matching flow within 2 s; the log has " + flows(fixture));
        System.out.printf("denied flow logged within %.0f ms of the probe's end%n", (System.nanoTime() - start) / 1e6);
        return found.getLast();
    }

    private static void deleteLog(LabFixture fixture) {
        try {
            java.nio.file.Files.deleteIfExists(DeniedFlowFile.of(fixture.layout().logDir(), fixture.layout().nodeName(1)));
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    /** The node's log as `jcalico flows -o json` prints it, read from its file by the test (no JVM per poll). */
    private static List<DeniedFlow> flows(LabFixture fixture) {
        java.nio.file.Path file = DeniedFlowFile.of(fixture.layout().logDir(), fixture.layout().nodeName(1));
        try {
            return java.nio.file.Files.exists(file)
                    ? java.nio.file.Files.readAllLines(file).stream().map(DeniedFlow::fromJson).toList() : List.of();
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    private boolean to(DeniedFlow flow, String workload, int version) {
        return flow.destination().equals(address(workload, version).toString());
    }

    private String id(String workload) {
        return endpoints.get(workload).endpointId();
    }

    private IpAddress address(String workload, int version) {
        return endpoints.get(workload).nets(version).get(0).network();
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
