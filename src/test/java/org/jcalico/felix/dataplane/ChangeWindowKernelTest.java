package org.jcalico.felix.dataplane;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.jcalico.felix.dataplane.WorkloadHost.blocked;
import static org.jcalico.felix.dataplane.WorkloadHost.pings;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.IntFunction;
import org.jcalico.felix.calc.HostStateCalculator;
import org.jcalico.felix.calc.Snapshot;
import org.jcalico.kernel.CommandRunner;
import org.jcalico.model.Cidr;
import org.jcalico.model.DataplaneDriver;
import org.jcalico.model.FelixConfiguration;
import org.jcalico.model.LabelledNets;
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
 * through; likewise w2's address moved from one network set's nets to another's under "Deny role b, Allow notSelector
 * role a". On iptables the test replays the ipset driver's writes one message at a time and pings between every two (the
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
    /** Deny role b (POLICIES' deny-b), then Allow notSelector role a. */
    private static final List<Policy> NOT_A = List.of(POLICIES.get(1), (Policy) ResourceCodec.decodeAll("""
            kind: GlobalNetworkPolicy
            metadata: {name: allow-not-a}
            spec: {order: 30, selector: app == "web", ingress: [{action: Allow, source: {notSelector: role == "a"}}]}
            """).get(0));
    /** Pings at once during the moves (a dropped one waits out its second). */
    private static final int PINGERS = 8;

    @BeforeAll
    static void kernel() {
        KernelTests.assumeKernel();
    }

    @Test
    void noSetWriteOfALabelChangeLetsADeniedPairThroughOnIptables() throws Exception {
        moves(DataplaneDriver.IPTABLES, 2, 30, move -> labelled(DataplaneDriver.IPTABLES, move % 2 == 1 ? "b" : "a"));
    }

    @Test
    void onNftablesToo() throws Exception {
        moves(DataplaneDriver.NFTABLES, 0, 30, move -> labelled(DataplaneDriver.NFTABLES, move % 2 == 1 ? "b" : "a"));
    }

    /**
     * w2's address moved from one network set's nets to another's, under "Deny role b, Allow notSelector role a": in the
     * a set it meets the end of the tier, in the b set the Deny, in neither the Allow.
     */
    @Test
    void noSetWriteOfANetworkSetsNetsLetsADeniedPairThroughOnIptables() throws Exception {
        moves(DataplaneDriver.IPTABLES, 2, 30, move -> netted(DataplaneDriver.IPTABLES, move % 2 == 1 ? "b" : "a"));
    }

    /**
     * STATE(0) applied, then PROBED moves (STATE(1), STATE(2), ...) replayed message by message (iptables), then FLIPS
     * moves under a pinger's fire; w2 -> w1 is denied in every STATE, w3 -> w1 allowed.
     */
    private void moves(DataplaneDriver driver, int probed, int flips, IntFunction<Snapshot> state) throws Exception {
        try (WorkloadHost lab = new WorkloadHost(PREFIX)) {
            CommandRunner w1 = lab.workload(1);
            CommandRunner w2 = lab.workload(2);
            CommandRunner w3 = lab.workload(3);
            HostStateCalculator calculator = new HostStateCalculator();
            Dataplane dataplane = new Dataplane(lab.host());
            assertTrue(dataplane.start().failures().isEmpty());
            assertEquals(Map.of(), dataplane.apply(calculator.calculate(state.apply(0))).failures());
            assertTrue(Eventually.within(10, () -> pings(w3, 1)), "w3 (role c) reaches w1");
            assertTrue(blocked(w2, 1), "w2 is denied");

            List<String> opened = new ArrayList<>();
            int[] move = {0};
            dataplane.probeSetWrites(() -> {
                if (!blocked(w2, 1)) {
                    opened.add("w2 -> w1 answered between two ipset messages of move " + move[0]);
                }
            });
            for (move[0] = 1; move[0] <= probed; move[0]++) {
                assertEquals(Map.of(), dataplane.apply(calculator.calculate(state.apply(move[0])))
                        .failures());
            }
            dataplane.probeSetWrites(null);
            assertEquals(List.of(), opened, "every state the kernel passed through denies w2 -> w1");

            // the same moves under fire: pingers in w2, each ping a process of its own (a new ICMP id, so that none
            // rides the connection of an answered one), none of which may be answered
            List<String> answered = java.util.Collections.synchronizedList(new ArrayList<>());
            java.util.concurrent.atomic.AtomicBoolean moving = new java.util.concurrent.atomic.AtomicBoolean(true);
            java.util.concurrent.atomic.AtomicInteger pings = new java.util.concurrent.atomic.AtomicInteger();
            int[] flip = {0};
            try (java.util.concurrent.ExecutorService pingers = java.util.concurrent.Executors.newVirtualThreadPerTaskExecutor()) {
                for (int pinger = 0; pinger < PINGERS; pinger++) {
                    pingers.submit(() -> {
                        while (moving.get()) {
                            int during = flip[0];
                            pings.incrementAndGet();
                            if (!blocked(w2, 1)) {
                                answered.add("move " + during);
                            }
                        }
                    });
                }
                try {
                    for (flip[0] = 1; flip[0] <= flips; flip[0]++) {
                        assertEquals(Map.of(), dataplane.apply(calculator.calculate(state.apply(flip[0]))).failures());
                    }
                } finally {
                    moving.set(false);
                }
            }
            assertTrue(pings.get() >= PINGERS, "the pingers pinged");
            assertEquals(List.of(), answered, "w2 -> w1 answered while w2 moved (of " + pings.get() + " pings)");
            assertTrue(blocked(w2, 1) && pings(w3, 1), "the policy holds after the moves");
        }
    }

    /** w1 is web; w2 has ROLE; w3 has role c. */
    private static Snapshot labelled(DataplaneDriver driver, String role) {
        return snapshot(driver, role, POLICIES, List.of());
    }

    /** w2 and w3 have role c; w2's address is in the nets of the network set of ROLE, a far address in the other's. */
    private static Snapshot netted(DataplaneDriver driver, String role) {
        List<LabelledNets> sets = new ArrayList<>();
        for (String labelled : List.of("a", "b")) {
            sets.add((LabelledNets) ResourceCodec.decodeAll("kind: GlobalNetworkSet\nmetadata: {name: set-" + labelled
                    + ", labels: {role: " + labelled + "}}\nspec: {nets: [" + (labelled.equals(role) ? "10.65.0.2/32" : "10.65.0.250/32")
                    + "]}\n").get(0));
        }
        return snapshot(driver, "c", NOT_A, sets);
    }

    private static Snapshot snapshot(DataplaneDriver driver, String role, List<Policy> policies, List<LabelledNets> sets) {
        FelixConfiguration config = FelixConfiguration.DEFAULTS.withDataplaneDriver(driver);
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
        return Snapshot.of("h1", config, endpoints, Map.of("open", OPEN)).withPolicy(List.of(), policies, sets, Map.of());
    }
}
