package org.jcalico.felix.dataplane;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.jcalico.felix.dataplane.WorkloadHost.blocked;
import static org.jcalico.felix.dataplane.WorkloadHost.pings;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.jcalico.felix.calc.HostStateCalculator;
import org.jcalico.felix.calc.Snapshot;
import org.jcalico.kernel.CommandRunner;
import org.jcalico.model.Cidr;
import org.jcalico.model.DataplaneDriver;
import org.jcalico.model.FelixConfiguration;
import org.jcalico.model.Policy;
import org.jcalico.model.Profile;
import org.jcalico.model.ResourceCodec;
import org.jcalico.model.Rule;
import org.jcalico.model.WorkloadEndpoint;
import org.jcalico.testing.Eventually;
import org.jcalico.testing.KernelTests;
import org.jcalico.testing.TestNamespaces;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * No state the kernel passes through during a change allows what policy denies both before and after it
 * (docs/dataplane.md, "Changes: no state on the way allows more"), on each driver ("jcqs-chg-" namespaces). w1's
 * ingress denies role a, then role b, then allows everyone; w2 moves between a and b, so w2 -> w1 is denied before and
 * after every move, but a kernel that has taken w2's address out of one set and not yet put it into the other lets it
 * through. On iptables the test replays the ipset driver's writes one message at a time and pings between every two (the
 * rules' restores are transactions: nothing is in between); on both drivers a pinger runs through many moves.
 */
@Tag("kernel")
class ChangeWindowKernelTest {
    private static final String PREFIX = TestNamespaces.named("jcqs-chg-");
    private static final Profile OPEN = new Profile("open", List.of(), Map.of(), List.of(Rule.allow()), List.of(Rule.allow()));
    private static final List<Policy> POLICIES = ResourceCodec.decodeAll("""
            kind: GlobalNetworkPolicy
            metadata: {name: deny-a}
            spec: {order: 10, selector: app == "web", ingress: [{action: Deny, source: {selector: role == "a"}}]}
            ---
            kind: GlobalNetworkPolicy
            metadata: {name: deny-b}
            spec: {order: 20, selector: app == "web", ingress: [{action: Deny, source: {selector: role == "b"}}]}
            ---
            kind: GlobalNetworkPolicy
            metadata: {name: allow-rest}
            spec: {order: 30, selector: app == "web", ingress: [{action: Allow}]}
            """).stream().map(Policy.class::cast).toList();
    private static final Pattern RECEIVED = Pattern.compile("(\\d+) packets received");

    @BeforeAll
    static void kernel() {
        KernelTests.assumeKernel();
    }

    @Test
    void noSetWriteOfALabelChangeLetsADeniedPairThroughOnIptables() throws Exception {
        moves(DataplaneDriver.IPTABLES, 6, 30);
    }

    @Test
    void onNftablesToo() throws Exception {
        moves(DataplaneDriver.NFTABLES, 0, 30);
    }

    /** PROBED moves replayed message by message (iptables), then FLIPS moves under a pinger's fire. */
    private void moves(DataplaneDriver driver, int probed, int flips) throws Exception {
        try (WorkloadHost lab = new WorkloadHost(PREFIX)) {
            FelixConfiguration config = FelixConfiguration.DEFAULTS.withDataplaneDriver(driver);
            CommandRunner w1 = lab.workload(1);
            CommandRunner w2 = lab.workload(2);
            CommandRunner w3 = lab.workload(3);
            HostStateCalculator calculator = new HostStateCalculator();
            Dataplane dataplane = new Dataplane(lab.host());
            assertTrue(dataplane.start().failures().isEmpty());
            assertEquals(Map.of(), dataplane.apply(calculator.calculate(snapshot(config, "a"))).failures());
            assertTrue(Eventually.within(10, () -> pings(w3, 1)), "w3 (role c) reaches w1");
            assertTrue(blocked(w2, 1), "w2 (role a) is denied");

            List<String> opened = new ArrayList<>();
            int[] move = {0};
            dataplane.probeSetWrites(() -> {
                if (!blocked(w2, 1)) {
                    opened.add("w2 -> w1 answered between two ipset messages of move " + move[0]);
                }
            });
            for (move[0] = 1; move[0] <= probed; move[0]++) {
                assertEquals(Map.of(), dataplane.apply(calculator.calculate(snapshot(config, move[0] % 2 == 1 ? "b" : "a")))
                        .failures());
            }
            dataplane.probeSetWrites(null);
            assertEquals(List.of(), opened, "every state the kernel passed through denies w2 -> w1");

            // the same moves under fire: a ping every 5 ms from w2, none of which may be answered
            Process pinger = new ProcessBuilder("ip", "netns", "exec", PREFIX + "w2", "busybox", "ping", "-4", "-q",
                    "-i", "0.005", "-w", "600", "10.65.0.1").redirectErrorStream(true).start();
            try {
                for (int flip = 1; flip <= flips; flip++) {
                    assertEquals(Map.of(), dataplane.apply(calculator.calculate(snapshot(config, flip % 2 == 1 ? "b" : "a")))
                            .failures());
                }
            } finally {
                // SIGINT: ping prints its summary (ip netns exec became ping, so the pid is ping's)
                new ProcessBuilder("kill", "-INT", Long.toString(pinger.pid())).start().waitFor();
            }
            pinger.waitFor();
            String summary = new String(pinger.getInputStream().readAllBytes());
            Matcher received = RECEIVED.matcher(summary);
            assertTrue(received.find(), summary);
            assertEquals("0", received.group(1), "w2 -> w1 answered while w2 moved between a and b: " + summary);
            assertTrue(blocked(w2, 1) && pings(w3, 1), "the policy holds after the moves");
        }
    }

    /** w1 is web; w2 has ROLE; w3 has role c. */
    private static Snapshot snapshot(FelixConfiguration config, String role) {
        List<WorkloadEndpoint> endpoints = new ArrayList<>();
        for (int number = 1; number <= 3; number++) {
            Map<String, String> labels = switch (number) {
                case 1 -> Map.of("app", "web");
                case 2 -> Map.of("app", "client", "role", role);
                default -> Map.of("app", "client", "role", "c");
            };
            endpoints.add(new WorkloadEndpoint("h1", null, "c" + number, "w" + number, "jcw" + number, null,
                    List.of(Cidr.parse("10.65.0." + number + "/32")), List.of(), List.of("open"), null, null, labels, null,
                    null, List.of()));
        }
        return Snapshot.of("h1", config, endpoints, Map.of("open", OPEN)).withPolicy(List.of(), POLICIES, List.of(), Map.of());
    }
}
