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
import org.jcalico.felix.hoststate.HostState;
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
 * (docs/dataplane.md, "A change and the states the kernel passes through"), on each driver ("jcqs-chg-" namespaces).
 * w1's ingress denies role a, then role b, then allows everyone; w2 moves between a and b, so w2 -> w1 is denied before
 * and after every move, but a kernel that has taken w2's address out of one set and not yet put it into the other lets
 * it through; likewise w2's address moved from one network set's nets to another's under "Deny role b, Allow
 * notSelector role a". Those sets have one polarity each, and the order of the writes alone closes the window: no
 * address is held. With the same selectors also in an Allow of another policy (mixed sets), the hold closes it. On
 * iptables the test replays the ipset driver's writes one message at a time and pings between every two (the rules'
 * restores are transactions: nothing is in between); on both drivers a pinger runs through many moves.
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
    /** POLICIES with the roles' selectors in an Allow too (dead after the Denies, but it makes their sets mixed). */
    private static final List<Policy> MIXED = java.util.stream.Stream.concat(POLICIES.stream(), ResourceCodec.decodeAll("""
            kind: GlobalNetworkPolicy
            metadata: {name: allow-a-b}
            spec: {order: 25, selector: app == "web", ingress: [{action: Allow, source: {selector: role == "a"}},
              {action: Allow, source: {selector: role == "b"}}]}
            """).stream().map(Policy.class::cast)).toList();
    /** Deny role a (POLICIES' deny-a), then Allow role c: what a new remote endpoint of role c enters. */
    private static final List<Policy> ALLOW_C = List.of(POLICIES.get(0), (Policy) ResourceCodec.decodeAll("""
            kind: GlobalNetworkPolicy
            metadata: {name: allow-c}
            spec: {order: 20, selector: app == "web", ingress: [{action: Allow, source: {selector: role == "c"}}]}
            """).get(0));
    /** Pings at once during the moves (a dropped one waits out its second). */
    private static final int PINGERS = 8;

    @BeforeAll
    static void kernel() {
        KernelTests.assumeKernel();
    }

    @Test
    void noSetWriteOfALabelChangeLetsADeniedPairThroughOnIptables() throws Exception {
        moves(DataplaneDriver.IPTABLES, 1, 2, 10, false, move -> labelled(POLICIES, move % 2 == 1 ? "b" : "a"));
    }

    @Test
    void onNftablesToo() throws Exception {
        moves(DataplaneDriver.NFTABLES, 1, 0, 20, false, move -> labelled(POLICIES, move % 2 == 1 ? "b" : "a"));
    }

    /**
     * nf_tables flips a transaction's generation while packets traverse the rules, and each set lookup reads the
     * generation of its own moment: one packet can meet the sets it reads first as before the transaction and the
     * others as after it (the rules themselves are of one generation). So for every transaction of a move the probe
     * puts the kernel, one set at a time, in the state of that set's changes alone (each set's lines applied, pinged,
     * then undone) before the transaction goes in: every mixture of two sets a packet may meet. Moves 1 and 2 (a -> b,
     * b -> a): with w1's Deny of a read before its Deny of b, b's delete alone is b -> a's window.
     */
    @Test
    void noSetOfAnNftablesTransactionMetAheadOfTheOthersLetsADeniedPairThrough() throws Exception {
        eachSetAlone(POLICIES, false);
    }

    /**
     * The same with mixed sets: no order of two transactions keeps every mixture between before and after for rules
     * that read each set both ways (b's delete alone, with a's add not yet met, leaves w2 in neither set: past both
     * Denies and both Allows of a and b, to the Allow of everyone); only a hold of w2's address, in force before the
     * transaction that changes the sets and released after it, keeps w2 -> w1 denied in every mixture.
     */
    @Test
    void noMixedSetOfAnNftablesTransactionMetAheadOfTheOthersLetsADeniedPairThrough() throws Exception {
        eachSetAlone(MIXED, true);
    }

    /**
     * POLICIES' moves a -> b and b -> a on nftables, each set's change of each transaction met alone and pinged; HELD:
     * whether w2's address must have gone through the hold set.
     */
    private static void eachSetAlone(List<Policy> policies, boolean held) throws Exception {
        try (WorkloadHost lab = new WorkloadHost(PREFIX)) {
            lab.workload(1);
            CommandRunner w2 = lab.workload(2);
            CommandRunner w3 = lab.workload(3);
            HostStateCalculator calculator = new HostStateCalculator();
            IntFunction<Snapshot> state = move -> labelled(policies, move % 2 == 1 ? "b" : "a")
                    .withConfig(FelixConfiguration.DEFAULTS.withDataplaneDriver(DataplaneDriver.NFTABLES));
            Dataplane dataplane = new Dataplane(lab.host());
            assertTrue(dataplane.start().failures().isEmpty());
            assertEquals(Map.of(), dataplane.apply(calculator.calculate(state.apply(0))).failures());
            assertTrue(Eventually.within(10, () -> pings(w3, 1)), "w3 (role c) reaches w1");
            List<String> opened = new ArrayList<>();
            int[] move = {0};
            int[] mixtures = {0};
            List<String> heldSeen = new ArrayList<>();
            dataplane.probeNftTransactions(script -> {
                Map<String, List<String>> bySet = new java.util.TreeMap<>();
                script.lines().map(ELEMENT_LINE::matcher).filter(java.util.regex.Matcher::matches)
                        .forEach(line -> bySet.computeIfAbsent(line.group(3), set -> new ArrayList<>()).add(line.group()));
                bySet.forEach((set, lines) -> {
                    mixtures[0]++;
                    if (set.equals(HostState.holdSet(4))) {
                        heldSeen.add(String.join("\n", lines));
                    }
                    lab.host().run(List.of("nft", "-f", "-"), String.join("\n", lines) + "\n").check();
                    if (!blocked(w2, 1)) {
                        opened.add("w2 -> w1 answered with only " + set + " changed of move " + move[0]);
                    }
                    lab.host().run(List.of("nft", "-f", "-"), lines.reversed().stream().map(ELEMENT_LINE::matcher)
                            .peek(java.util.regex.Matcher::matches)
                            .map(line -> (line.group(1).equals("add") ? "delete" : "add") + line.group(2))
                            .collect(java.util.stream.Collectors.joining("\n", "", "\n"))).check();
                });
            });
            for (move[0] = 1; move[0] <= 2; move[0]++) {
                assertEquals(Map.of(), dataplane.apply(calculator.calculate(state.apply(move[0]))).failures());
            }
            dataplane.probeNftTransactions(null);
            assertTrue(mixtures[0] >= 4, "each move changed two sets: " + mixtures[0]);
            assertEquals(List.of(), opened, "every set's change met alone denies w2 -> w1");
            assertEquals(held, heldSeen.size() == 2 && heldSeen.stream().allMatch(line -> line.contains("10.65.0.2/32")),
                    "w2 held in each move: " + heldSeen);
            assertTrue(blocked(w2, 1) && pings(w3, 1), "the policy holds after the moves");
            assertEquals("", lab.host().run("nft", "list", "set", "ip", "jcalico", HostState.holdSet(4)).check().stdout()
                    .replaceAll("(?s).*elements = \\{([^}]*)}.*|(?s).*", "$1").trim(), "the hold released");
        }
    }

    /**
     * A verdict map is looked up at the moment of the lookup too, but a traversal reads every chain's rules of its own
     * generation: a packet that began before a transaction's commit and meets a dispatch map after it can be sent by a
     * new element to a chain the same transaction added, whose rules it then reads as of before (none). w4, new, whose
     * profile allows it to send nothing, is added; w4 -> w1 (w1's ingress allows role c) is dropped before (no element
     * for its interface) and after (its egress). The probe puts the kernel, for each map element that sends packets to a
     * chain its own transaction adds, in that element with the chain empty (a chain an earlier transaction added has its
     * rules for a traversal that began before the element's); w1's own counter of w4's echo requests says
     * whether one got through (w4's answer would need its route, which the same apply writes).
     */
    @Test
    void noDispatchElementOfAnNftablesTransactionMetBeforeItsNewChainsRulesLetsANewEndpointThrough() throws Exception {
        Profile closed = new Profile("closed", List.of(), Map.of(), List.of(), List.of());
        try (WorkloadHost lab = new WorkloadHost(PREFIX)) {
            CommandRunner w1 = lab.workload(1);
            lab.workload(2);
            CommandRunner w3 = lab.workload(3);
            CommandRunner w4 = lab.workload(4);
            HostStateCalculator calculator = new HostStateCalculator();
            var nft = FelixConfiguration.DEFAULTS.withDataplaneDriver(DataplaneDriver.NFTABLES);
            List<WorkloadEndpoint> three = endpoints("b");
            Dataplane dataplane = new Dataplane(lab.host());
            assertTrue(dataplane.start().failures().isEmpty());
            assertEquals(Map.of(), dataplane.apply(calculator.calculate(Snapshot.of("h1", FelixConfiguration.DEFAULTS,
                    three, Map.of("open", OPEN, "closed", closed)).withPolicy(List.of(), POLICIES, List.of(), Map.of())
                    .withConfig(nft))).failures());
            assertTrue(Eventually.within(10, () -> pings(w3, 1)), "w3 (role c) reaches w1");
            // w4's packets reach the host's forward path before the apply gives it its link, neighbour and route
            lab.host().run("ip", "link", "set", "jcw4", "up").check();
            w4.run("ip", "neigh", "replace", "10.65.0.1", "lladdr", "ee:ee:ee:ee:ee:ee", "dev", "eth0").check();
            w1.run(List.of("nft", "-f", "-"), "add table ip jtmcount\nadd chain ip jtmcount in { type filter hook input"
                    + " priority 0; }\nadd rule ip jtmcount in ip saddr 10.65.0.4 icmp type echo-request counter\n").check();
            java.util.function.BooleanSupplier through = () -> {
                String before = w1.run("nft", "list", "chain", "ip", "jtmcount", "in").check().stdout();
                w4.run("busybox", "ping", "-4", "-c", "1", "-W", "1", "10.65.0.1");
                return !before.equals(w1.run("nft", "list", "chain", "ip", "jtmcount", "in").check().stdout());
            };
            assertTrue(!through.getAsBoolean(), "w4's packets are dropped before it is an endpoint");
            List<String> opened = new ArrayList<>();
            List<String> written = new ArrayList<>();
            List<String> probed = new ArrayList<>();
            java.util.Set<String> addedByApply = new java.util.HashSet<>();
            dataplane.probeNftTransactions(script -> {
                java.util.Set<String> added = script.lines().filter(line -> line.startsWith("add chain ip jcalico "))
                        .map(line -> line.split(" ")[4]).collect(java.util.stream.Collectors.toSet());
                addedByApply.addAll(added);
                script.lines().map(MAP_ELEMENT::matcher).filter(java.util.regex.Matcher::matches)
                        .peek(element -> written.add(element.group(3)))
                        .filter(element -> added.contains(element.group(3))).forEach(element -> {
                            probed.add(element.group(3));
                            lab.host().run(List.of("nft", "-f", "-"), "add chain ip jcalico " + element.group(3) + "\n"
                                    + element.group() + "\n").check();
                            if (through.getAsBoolean()) {
                                opened.add("w4 -> w1 passed with only " + element.group());
                            }
                            lab.host().run(List.of("nft", "-f", "-"), "delete element ip jcalico " + element.group(1)
                                    + " { " + element.group(2) + " }\ndelete chain ip jcalico " + element.group(3) + "\n").check();
                        });
            });
            List<WorkloadEndpoint> four = new ArrayList<>(three);
            four.add(new WorkloadEndpoint("h1", null, "c4", "w4", "jcw4", null, List.of(Cidr.parse("10.65.0.4/32")),
                    List.of(), List.of("closed"), null, null, Map.of("app", "client", "role", "c"), null, null, List.of()));
            assertEquals(Map.of(), dataplane.apply(calculator.calculate(Snapshot.of("h1", FelixConfiguration.DEFAULTS,
                    four, Map.of("open", OPEN, "closed", closed)).withPolicy(List.of(), POLICIES, List.of(), Map.of())
                    .withConfig(nft))).failures());
            dataplane.probeNftTransactions(null);
            // since session 59 w4's elements go to its shared chains (no endpoint chain on nftables), new with w4's
            // policies and made by the same apply, in a transaction before the elements' (none was probed: an element
            // in its chain's transaction would be)
            assertTrue(written.size() == 2 && written.stream().sorted().toList().get(0).startsWith("jc-si-")
                    && written.stream().sorted().toList().get(1).startsWith("jc-so-"), "w4's dispatch elements: " + written);
            assertTrue(addedByApply.containsAll(written), "w4's shared chains came with it: " + addedByApply);
            assertEquals(List.of(), probed, "an element in the transaction that adds its chain");
            assertEquals(List.of(), opened, "no dispatch element met before its chain's rules lets w4 -> w1 through");
            assertTrue(!through.getAsBoolean() && pings(w3, 1), "the policy holds after w4's add");
        }
    }

    /**
     * jc-4-local (session 58, t-spoof) drops a packet with a local endpoint's address that comes in on no workload's
     * interface; it must gain the address before any set admitting it does, and lose it only after they lost it, or a
     * forger on the uplink passes in between (docs/dataplane.md, "Session 59 (t-hunt)"). Under ALLOW_C (w1 denies role
     * a, admits role c): w4, new, of role c arrives, then leaves; then w2 (role a) gives its address to a new w5 of role
     * c in one change. A sender on the host's uplink (reverse-path filter off: only the rules decide) forges w4's and
     * w2's addresses to w1 in every state: on iptables between every two ipset messages, on nftables before each
     * transaction and with each set's change of it met alone (a packet reads each set at its own moment). w1 counts
     * what gets through in a table of its own.
     */
    @Test
    void noStateOfALocalAddressChangeLetsAForgedSourceThroughOnIptables() throws Exception {
        forgedThroughLocalChanges(DataplaneDriver.IPTABLES);
    }

    @Test
    void noStateOfALocalAddressChangeLetsAForgedSourceThroughOnNftables() throws Exception {
        forgedThroughLocalChanges(DataplaneDriver.NFTABLES);
    }

    private static void forgedThroughLocalChanges(DataplaneDriver driver) throws Exception {
        try (WorkloadHost lab = new WorkloadHost(PREFIX)) {
            CommandRunner w1 = lab.workload(1);
            lab.workload(2);
            CommandRunner w3 = lab.workload(3);
            CommandRunner w4 = lab.workload(4);
            lab.workload(5);
            // reverse-path filter off: only the rules decide
            CommandRunner uplink = lab.uplink(0, "10.65.0.2", "10.65.0.4");
            w1.run(List.of("nft", "-f", "-"), "add table ip jtmcount\nadd chain ip jtmcount in { type filter hook input"
                    + " priority 0; }\nadd rule ip jtmcount in ip saddr { 10.65.0.2, 10.65.0.4 } udp dport 5000 counter\n")
                    .check();
            List<String> through = new ArrayList<>();
            java.util.function.Consumer<String> forge = when -> {
                for (String address : List.of("10.65.0.2", "10.65.0.4")) {
                    String before = w1.run("nft", "list", "chain", "ip", "jtmcount", "in").check().stdout();
                    uplink.run(EstablishedFlowKernelTest.PYTHON, "-c", "import socket, sys; "
                            + "s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.bind((sys.argv[1], 0)); "
                            + "s.sendto(b'forged', ('10.65.0.1', 5000))", address).check();
                    if (!before.equals(w1.run("nft", "list", "chain", "ip", "jtmcount", "in").check().stdout())) {
                        through.add(address + " forged from the uplink reached w1 " + when);
                    }
                }
            };
            var config = FelixConfiguration.DEFAULTS.withDataplaneDriver(driver);
            List<WorkloadEndpoint> three = endpoints("a");
            List<WorkloadEndpoint> four = new ArrayList<>(three);
            four.add(new WorkloadEndpoint("h1", null, "c4", "w4", "jcw4", null, List.of(Cidr.parse("10.65.0.4/32")),
                    List.of(), List.of("open"), null, null, Map.of("app", "client", "role", "c"), null, null, List.of()));
            List<WorkloadEndpoint> reused = new ArrayList<>(List.of(three.get(0), three.get(2)));
            reused.add(new WorkloadEndpoint("h1", null, "c5", "w5", "jcw5", null, List.of(Cidr.parse("10.65.0.2/32")),
                    List.of(), List.of("open"), null, null, Map.of("app", "client", "role", "c"), null, null, List.of()));
            HostStateCalculator calculator = new HostStateCalculator();
            Dataplane dataplane = new Dataplane(lab.host());
            assertTrue(dataplane.start().failures().isEmpty());
            assertEquals(Map.of(), dataplane.apply(calculator.calculate(snapshot(three, ALLOW_C, List.of())
                    .withConfig(config))).failures());
            assertTrue(Eventually.within(10, () -> pings(w3, 1)), "w3 (role c) reaches w1");
            forge.accept("before the changes");
            assertEquals(List.of(), through, "w2 (local) and w4 (nobody's, denied) forged are dropped before");

            String[] change = {""};
            int[] states = {0};
            if (driver == DataplaneDriver.IPTABLES) {
                dataplane.probeSetWrites(() -> {
                    states[0]++;
                    forge.accept("between two ipset messages of " + change[0]);
                });
            } else {
                dataplane.probeNftTransactions(script -> {
                    states[0]++;
                    forge.accept("before a transaction of " + change[0]);
                    Map<String, List<String>> bySet = new java.util.TreeMap<>();
                    // address sets only: a dispatch map's element met alone is the dispatch probe's business (above);
                    // the short way's (jc-established-*) decide only established packets, which no forged one here is
                    script.lines().map(ELEMENT_LINE::matcher).filter(java.util.regex.Matcher::matches)
                            .filter(line -> !line.group(3).contains("dispatch") && !line.group(3).startsWith("jc-established"))
                            .forEach(line -> bySet.computeIfAbsent(line.group(3), set -> new ArrayList<>()).add(line.group()));
                    bySet.forEach((set, lines) -> {
                        states[0]++;
                        lab.host().run(List.of("nft", "-f", "-"), String.join("\n", lines) + "\n").check();
                        forge.accept("with only " + set + " changed of " + change[0]);
                        lab.host().run(List.of("nft", "-f", "-"), lines.reversed().stream().map(ELEMENT_LINE::matcher)
                                .peek(java.util.regex.Matcher::matches)
                                .map(line -> (line.group(1).equals("add") ? "delete" : "add") + line.group(2))
                                .collect(java.util.stream.Collectors.joining("\n", "", "\n"))).check();
                    });
                });
            }
            change[0] = "w4's arrival";
            assertEquals(Map.of(), dataplane.apply(calculator.calculate(snapshot(four, ALLOW_C, List.of())
                    .withConfig(config))).failures());
            assertTrue(Eventually.within(10, () -> pings(w4, 1)), "w4 (role c) reaches w1: its address is admitted");
            change[0] = "w4's departure";
            assertEquals(Map.of(), dataplane.apply(calculator.calculate(snapshot(three, ALLOW_C, List.of())
                    .withConfig(config))).failures());
            change[0] = "w2's address passing to w5";
            assertEquals(Map.of(), dataplane.apply(calculator.calculate(snapshot(reused, ALLOW_C, List.of())
                    .withConfig(config))).failures());
            dataplane.probeSetWrites(null);
            dataplane.probeNftTransactions(null);
            assertTrue(states[0] >= 4, "the changes were probed in " + states[0] + " states");
            forge.accept("after the changes");
            assertEquals(List.of(), through, "no state lets a forged local address through");
            assertTrue(pings(w3, 1), "w3 still reaches w1");
        }
    }

    /**
     * Since session 59 an nftables endpoint's dispatch element goes to its shared chain. w1's ingress moves from the
     * shared chain of "Deny role a, Allow" to that of "Deny role b, Allow" (its label ver 1 -> 2), a chain no endpoint
     * had, while w2 moves from role a to role b (role a's set stays, w3's ingress denies it too): w2 -> w1 is denied
     * and w3 (role c) -> w1 allowed before and after. The probe, before each transaction of each move, checks the
     * state the kernel is in (w3 -> w1 answered, w2 -> w1 not),
     * and puts the kernel, one set or map at a time, in the state of that set's changes alone (each packet's lookups read
     * their own moment): in none may w2 -> w1 pass, nor w3 -> w1 be dropped. A gap with the element deleted before the
     * new chain's element is added drops w3's flow; the element kept on the old chain while the sets loosen (w2 out of
     * role a's set) lets w2 through.
     */
    @Test
    void anNftablesEndpointMovingToANewSharedChainKeepsItsAllowedFlowAndItsDeniedOneInEveryState() throws Exception {
        IntFunction<Snapshot> state = move -> versioned(move % 2 == 1 ? 2 : 1, true, false);
        try (WorkloadHost lab = new WorkloadHost(PREFIX)) {
            lab.workload(1);
            CommandRunner w2 = lab.workload(2);
            CommandRunner w3 = lab.workload(3);
            HostStateCalculator calculator = new HostStateCalculator();
            Dataplane dataplane = started(lab, calculator, state.apply(0), w3);
            assertTrue(blocked(w2, 1), "w2 (role a) is denied");
            List<String> wrong = new ArrayList<>();
            int[] move = {0};
            int[] transaction = {0};
            java.util.Set<String> newChains = new java.util.TreeSet<>();
            java.util.function.Consumer<String> check = when -> {
                if (!pings(w3, 1)) {
                    wrong.add("w3 -> w1 dropped " + when);
                }
                if (!blocked(w2, 1)) {
                    wrong.add("w2 -> w1 answered " + when);
                }
            };
            dataplane.probeNftTransactions(script -> {
                transaction[0]++;
                check.accept("before transaction " + transaction[0] + " of move " + move[0]);
                script.lines().filter(line -> line.startsWith("add chain ip jcalico jc-si-"))
                        .forEach(line -> newChains.add(line.split(" ")[4]));
                Map<String, List<String>> bySet = new java.util.TreeMap<>();
                script.lines().map(ELEMENT_LINE::matcher).filter(java.util.regex.Matcher::matches)
                        .filter(line -> line.group(2).startsWith(" element ip "))
                        .forEach(line -> bySet.computeIfAbsent(line.group(3), set -> new ArrayList<>()).add(line.group()));
                bySet.forEach((set, lines) -> {
                    if (lab.host().run("nft", "list", "map", "ip", "jcalico", set).ok()
                            || script.contains("add set ip jcalico " + set + " ")) {
                        // a map's elements (their chains must be in, which the transaction itself may add), or a
                        // set the transaction makes: no packet meets it before its rules
                        return;
                    }
                    lab.host().run(List.of("nft", "-f", "-"), String.join("\n", lines) + "\n").check();
                    check.accept("with only " + set + " changed of transaction " + transaction[0] + " of move " + move[0]);
                    lab.host().run(List.of("nft", "-f", "-"), lines.reversed().stream().map(ELEMENT_LINE::matcher)
                            .peek(java.util.regex.Matcher::matches)
                            .map(line -> (line.group(1).equals("add") ? "delete" : "add") + line.group(2))
                            .collect(java.util.stream.Collectors.joining("\n", "", "\n"))).check();
                });
            });
            for (move[0] = 1; move[0] <= 2; move[0]++) {
                transaction[0] = 0;
                assertEquals(Map.of(), dataplane.apply(calculator.calculate(state.apply(move[0]))).failures());
                check.accept("after move " + move[0]);
            }
            dataplane.probeNftTransactions(null);
            assertEquals(2, newChains.size(), "each move went to a shared chain no endpoint had: " + newChains);
            assertEquals(List.of(), wrong, "w3 -> w1 allowed and w2 -> w1 denied in every state of the moves");
        }
    }

    /** w1's ingress: "Deny role a" for ver 1, "Deny role b" for ver 2, then Allow; w3's denies role a. */
    private static final List<Policy> BY_VERSION = ResourceCodec.decodeAll("""
            kind: GlobalNetworkPolicy
            metadata: {name: deny-a-v1}
            spec: {order: 10, selector: ver == "1", ingress: [{action: Deny, source: {selector: role == "a"}}]}
            ---
            kind: GlobalNetworkPolicy
            metadata: {name: deny-b-v2}
            spec: {order: 10, selector: ver == "2", ingress: [{action: Deny, source: {selector: role == "b"}}]}
            ---
            kind: GlobalNetworkPolicy
            metadata: {name: allow-rest}
            spec: {order: 30, selector: app == "web", ingress: [{action: Allow}]}
            ---
            kind: GlobalNetworkPolicy
            metadata: {name: deny-a-to-c}
            spec: {order: 10, selector: role == "c", ingress: [{action: Deny, source: {selector: role == "a"}}]}
            """).stream().map(Policy.class::cast).toList();

    /**
     * Under BY_VERSION on nftables: w1 of VERSION, active or admin-down, w2 of role a (version 1) or b (2), w3; with
     * DOWN, w9 admin-down throughout, so that w1 going down or up changes no hook (else the tables are
     * replaced whole, bridged, and no element is moved).
     */
    private static Snapshot versioned(int version, boolean active, boolean down) {
        List<WorkloadEndpoint> endpoints = endpoints(version == 2 ? "b" : "a");
        endpoints.set(0, new WorkloadEndpoint("h1", null, "c1", "w1", "jcw1", null,
                List.of(Cidr.parse("10.65.0.1/32")), List.of(), List.of("open"), active ? null : "down", null,
                Map.of("app", "web", "ver", String.valueOf(version)), null, null, List.of()));
        if (down) {
            endpoints.add(new WorkloadEndpoint("h1", null, "c9", "w9", "jcw9", null, List.of(Cidr.parse("10.65.0.9/32")),
                    List.of(), List.of("open"), "down", null, Map.of("app", "client"), null, null, List.of()));
        }
        return snapshot(endpoints, BY_VERSION, List.of())
                .withConfig(FelixConfiguration.DEFAULTS.withDataplaneDriver(DataplaneDriver.NFTABLES));
    }

    /**
     * w1 admin-down, then back with policies whose shared chain is new (ver 1 -> 2, w2 role a -> b), down again and
     * back to ver 1, on nftables: in every state before each transaction w2 -> w1 is denied; no transaction deletes
     * one of w1's dispatch elements without adding it again (its packets move from one chain to the other, never to
     * the map's drop, and never to a chain without its rules); once back, w3 -> w1 is answered.
     */
    @Test
    void anNftablesEndpointGoingAdminDownAndBackToANewSharedChainMovesItsElementsInOneTransaction() throws Exception {
        try (WorkloadHost lab = new WorkloadHost(PREFIX)) {
            lab.workload(1);
            CommandRunner w2 = lab.workload(2);
            CommandRunner w3 = lab.workload(3);
            lab.workload(9);
            HostStateCalculator calculator = new HostStateCalculator();
            Dataplane dataplane = started(lab, calculator, versioned(1, true, true), w3);
            List<String> wrong = new ArrayList<>();
            java.util.Set<Integer> moved = new java.util.TreeSet<>();
            int[] move = {0};
            dataplane.probeNftTransactions(script -> {
                if (!blocked(w2, 1)) {
                    wrong.add("w2 -> w1 answered before a transaction of move " + move[0]);
                }
                // (an element of the short way, jc-established-*, deleted alone sends its packets the long way, to
                // the dispatch, never to a drop)
                script.lines().filter(line -> line.startsWith("delete element ") && line.contains("\"jcw1\""))
                        .map(line -> line.split(" ")[4]).filter(map -> !map.startsWith("jc-established"))
                        .filter(map -> script.lines().noneMatch(line -> line.startsWith("add element ip jcalico " + map
                                + " ") && line.contains("\"jcw1\"")))
                        .forEach(map -> wrong.add("w1's element of " + map + " deleted alone in move " + move[0]));
                if (script.contains("delete element ip jcalico jc-to-wl-dispatch-oifname { \"jcw1\" }")) {
                    moved.add(move[0]);
                }
            });
            int[][] moves = {{1, 0}, {2, 1}, {2, 0}, {1, 1}};
            for (move[0] = 1; move[0] <= moves.length; move[0]++) {
                int[] to = moves[move[0] - 1];
                assertEquals(Map.of(), dataplane.apply(calculator.calculate(versioned(to[0], to[1] == 1, true))).failures());
                if (!blocked(w2, 1)) {
                    wrong.add("w2 -> w1 answered after move " + move[0]);
                }
                if (to[1] == 1 ? !pings(w3, 1) : !blocked(w3, 1)) {
                    wrong.add("w3 -> w1 " + (to[1] == 1 ? "dropped" : "answered") + " after move " + move[0]);
                }
            }
            dataplane.probeNftTransactions(null);
            assertEquals(List.of(), wrong, "w1 down and back, its policies' chain new each time");
            assertEquals(moves.length, moved.size(), "each move was a delta that moved w1's elements: " + moved);
        }
    }

    /**
     * The repoint transaction refused (a chain of the test's jumps to w1's old shared chain, so the kernel will not
     * delete it): the kernel keeps the first transaction's state, w1 on its old chain over tightened sets, and the
     * driver writes neither the loosening nor the hold's release after it. Written anyway, role a's set would lose w2
     * under the old chain's "Deny role a": w2 -> w1 must stay denied and w3 -> w1 answered; the failure is reported
     * and the next apply, a whole replace, puts the change in force.
     */
    @Test
    void anNftablesRepointTheKernelRefusesLeavesTheTightenedStateAndNothingLooser() throws Exception {
        try (WorkloadHost lab = new WorkloadHost(PREFIX)) {
            lab.workload(1);
            CommandRunner w2 = lab.workload(2);
            CommandRunner w3 = lab.workload(3);
            HostStateCalculator calculator = new HostStateCalculator();
            Dataplane dataplane = started(lab, calculator, versioned(1, true, false), w3);
            List<String> pinned = new ArrayList<>();
            dataplane.probeNftTransactions(script -> {
                if (script.startsWith("delete element ip jcalico jc-to-wl-dispatch-oifname { \"jcw1\" }")) {
                    script.lines().filter(line -> line.startsWith("delete chain ip jcalico jc-si-"))
                            .map(line -> line.split(" ")[4]).forEach(old -> {
                                pinned.add(old);
                                lab.host().run(List.of("nft", "-f", "-"), "add chain ip jcalico jc-zpin\n"
                                        + "add rule ip jcalico jc-zpin jump " + old + "\n").check();
                            });
                }
            });
            Map<String, String> failures = dataplane.apply(calculator.calculate(versioned(2, true, false))).failures();
            dataplane.probeNftTransactions(null);
            assertEquals(1, pinned.size(), "the repoint deletes w1's old chain: " + pinned);
            assertTrue(failures.containsKey("nftables"), "the refused repoint is reported: " + failures);
            assertTrue(blocked(w2, 1), "w2 -> w1 denied with the repoint refused");
            assertTrue(pings(w3, 1), "w3 -> w1 answered with the repoint refused");
            assertEquals(Map.of(), dataplane.apply(calculator.calculate(versioned(2, true, false))).failures(), "the retry");
            assertTrue(blocked(w2, 1) && pings(w3, 1), "the policy holds after the retry");
        }
    }

    /** One element of a verdict map sending packets to a chain: the map, the key and the chain. */
    private static final java.util.regex.Pattern MAP_ELEMENT =
            java.util.regex.Pattern.compile("add element ip jcalico (\\S+) \\{ ([^:{},]+) : (?:goto|jump) (\\S+) \\}");

    /** An nft script's line that adds or deletes a set's elements: the verb, the rest, and the set's name. */
    private static final java.util.regex.Pattern ELEMENT_LINE =
            java.util.regex.Pattern.compile("(add|delete)( element \\S+ \\S+ (\\S+) \\{.*)");

    /**
     * Mixed sets: a move writes one set's delete and the other's add before the rules (no order of them is safe for
     * rules that read each set both ways), in name order; only the hold of w2's address keeps w2 -> w1 denied between
     * them. Move 2 (b -> a) replayed: where BASE and a broken hold let it through.
     */
    @Test
    void noSetWriteOfAMoveBetweenMixedSetsLetsADeniedPairThroughOnIptables() throws Exception {
        moves(DataplaneDriver.IPTABLES, 2, 2, 10, true, move -> labelled(MIXED, move % 2 == 1 ? "b" : "a"));
    }

    /**
     * A remote endpoint that arrives in a set only Allow rules match is written once the rules are in, never held: on
     * another host, the first packet to or from a new container is not dropped for the length of that host's apply
     * (NewBlockReachabilityIT). w3 -> w1, allowed before and after, is answered in every state in between.
     */
    @Test
    void aNewRemoteEndpointInAllowingSetsIsNeverHeldOnIptables() throws Exception {
        try (WorkloadHost lab = new WorkloadHost(PREFIX)) {
            lab.workload(1);
            lab.workload(2);
            CommandRunner w3 = lab.workload(3);
            Dataplane dataplane = new Dataplane(lab.host());
            assertTrue(dataplane.start().failures().isEmpty());
            HostStateCalculator calculator = new HostStateCalculator();
            assertEquals(Map.of(), dataplane.apply(calculator.calculate(labelled(ALLOW_C, "a"))).failures());
            assertTrue(Eventually.within(10, () -> pings(w3, 1)), "w3 (role c) reaches w1");
            List<String> seen = new ArrayList<>();
            dataplane.probeSetWrites(() -> seen.add(held(lab) + (pings(w3, 1) ? "" : " w3 -> w1 dropped")));
            List<WorkloadEndpoint> endpoints = endpoints("a");
            endpoints.add(new WorkloadEndpoint("h2", null, "c9", "w9", "jcw9", null, List.of(Cidr.parse("10.65.1.9/32")),
                    List.of(), List.of("open"), null, null, Map.of("app", "client", "role", "c"), null, null, List.of()));
            assertEquals(Map.of(), dataplane.apply(calculator.calculate(snapshot(endpoints, ALLOW_C, List.of()))).failures());
            dataplane.probeSetWrites(null);
            assertTrue(!seen.isEmpty() && seen.stream().allMatch(String::isEmpty),
                    "nothing held, w3 -> w1 answered, in every state: " + seen);
        }
    }

    /**
     * A new agent's first apply over rules and sets an earlier version left: session 52's main and every version before
     * session 53 had no hold sets and no hold rules. Stood in for by this version's rules and sets (w2 of role b, mixed
     * sets) with every rule that matches a hold set deleted (iptables-save without those lines, restored) and the hold
     * sets destroyed. Before the agent's first change every set counts as mixed, so w2's move b -> a is a mixed-set
     * change, held; the hold must be in force (its sets and rules) before the first write that moves w2.
     */
    @Test
    void theFirstApplyOverAKernelWithoutTheHoldHoldsItsMixedChangesOnIptables() throws Exception {
        try (WorkloadHost lab = new WorkloadHost(PREFIX)) {
            CommandRunner w2 = lab.workload(2);
            CommandRunner w3 = lab.workload(3);
            Dataplane upgraded = earlierVersionsKernel(lab, w2, w3, () -> { });
            List<String> opened = new ArrayList<>();
            java.util.Set<String> heldSeen = new java.util.TreeSet<>();
            upgraded.probeSetWrites(() -> {
                if (!blocked(w2, 1)) {
                    opened.add("w2 -> w1 answered between two ipset messages of the first apply");
                }
                heldSeen.add(held(lab));
            });
            Snapshot moved = labelled(MIXED, "a");
            assertEquals(Map.of(), upgraded.resync(() -> org.jcalico.felix.ColdStart.guard(moved),
                    () -> new HostStateCalculator().calculate(moved)).failures());
            upgraded.probeSetWrites(null);
            assertEquals(List.of(), opened, "every state the first apply passed through denies w2 -> w1");
            assertTrue(heldSeen.stream().anyMatch(held -> held.contains("10.65.0.2")), "w2 was held: " + heldSeen);
            assertTrue(blocked(w2, 1) && pings(w3, 1), "the policy holds after the first apply");
            assertEquals("", held(lab), "the hold released");
        }
    }

    /**
     * The same first apply over an earlier version's kernel, with the hold's set name taken by a set of another type (a
     * bitmap of ports), so that the kernel refuses the hold set and the hold rules are not put in. No mixed-set change
     * may then be written, nor the rules that would meet the sets half-changed: the apply fails for every endpoint,
     * the kernel keeps the state before it (tightened at most), and the retry, once the fill has replaced the misfit
     * by the hold set, puts the hold in force and moves w2 under it.
     */
    @Test
    void aFirstApplyWhoseHoldTheKernelRefusesWritesNoMixedChangeOnIptables() throws Exception {
        try (WorkloadHost lab = new WorkloadHost(PREFIX)) {
            CommandRunner w2 = lab.workload(2);
            CommandRunner w3 = lab.workload(3);
            Dataplane upgraded = earlierVersionsKernel(lab, w2, w3, () -> lab.host().run("ipset", "create",
                    HostState.holdSet(4), "bitmap:port", "range", "1-2").check());
            List<String> opened = new ArrayList<>();
            upgraded.probeSetWrites(() -> {
                if (!blocked(w2, 1)) {
                    opened.add("w2 -> w1 answered between two ipset messages of the first apply");
                }
            });
            Snapshot moved = labelled(MIXED, "a");
            Map<String, String> failures = upgraded.resync(() -> org.jcalico.felix.ColdStart.guard(moved),
                    () -> new HostStateCalculator().calculate(moved)).failures();
            upgraded.probeSetWrites(null);
            assertEquals(List.of(), opened, "every state the first apply passed through denies w2 -> w1");
            assertTrue(failures.containsKey("iptables") && failures.get("iptables").contains("hold"),
                    "the apply fails for every endpoint, saying why: " + failures);
            assertTrue(blocked(w2, 1) && pings(w3, 1), "the kernel keeps the policy before the apply");

            java.util.Set<String> heldSeen = new java.util.TreeSet<>();
            upgraded.probeSetWrites(() -> heldSeen.add(held(lab)));
            assertEquals(Map.of(), upgraded.apply(new HostStateCalculator().calculate(moved)).failures(), "the retry");
            upgraded.probeSetWrites(null);
            assertTrue(heldSeen.stream().anyMatch(held -> held.contains("10.65.0.2")), "w2 was held: " + heldSeen);
            assertTrue(blocked(w2, 1) && pings(w3, 1), "the policy holds after the retry");
            assertEquals("", held(lab), "the hold released");
        }
    }

    /**
     * LAB's w1, W2 (role b) and W3 under MIXED, written by a Dataplane of this version and made into an earlier
     * version's ({@link #withoutTheHold}), then THEN; w2 -> w1 denied, w3 -> w1 answered. Returns the new version's
     * Dataplane, started.
     */
    private static Dataplane earlierVersionsKernel(WorkloadHost lab, CommandRunner w2, CommandRunner w3, Runnable then) {
        lab.workload(1);
        Dataplane earlier = new Dataplane(lab.host());
        assertTrue(earlier.start().failures().isEmpty());
        assertEquals(Map.of(), earlier.apply(new HostStateCalculator().calculate(labelled(MIXED, "b"))).failures());
        withoutTheHold(lab.host());
        then.run();
        assertTrue(Eventually.within(10, () -> pings(w3, 1)), "w3 (role c) reaches w1");
        assertTrue(blocked(w2, 1), "w2 is denied");
        Dataplane upgraded = new Dataplane(lab.host());
        assertTrue(upgraded.start().failures().isEmpty());
        return upgraded;
    }

    /** HOST's kernel as an earlier version leaves it: no rule matching a hold set, no hold set. */
    private static void withoutTheHold(CommandRunner host) {
        for (int version : List.of(4, 6)) {
            String tool = version == 4 ? "iptables" : "ip6tables";
            String hold = HostState.holdSet(version);
            String saved = host.run(tool + "-save").check().stdout();
            assertTrue(saved.contains(hold), "the hold rules were in the kernel");
            host.run(List.of(tool + "-restore"), saved.lines().filter(line -> !line.contains(hold))
                    .collect(java.util.stream.Collectors.joining("\n", "", "\n"))).check();
            assertTrue(Eventually.within(10, () -> host.run("ipset", "destroy", hold).ok()), hold + " destroyed");
        }
    }

    /** The addresses the hold sets hold, as "held: ..." ("" when none, or when there is no hold set). */
    private static String held(WorkloadHost lab) {
        List<String> held = new ArrayList<>();
        for (int version : List.of(4, 6)) {
            lab.host().run("ipset", "save", HostState.holdSet(version)).stdout().lines()
                    .filter(line -> line.startsWith("add ")).forEach(held::add);
        }
        return held.isEmpty() ? "" : "held: " + held;
    }

    /**
     * w2's address moved from one network set's nets to another's, under "Deny role b, Allow notSelector role a": in the
     * a set it meets the end of the tier, in the b set the Deny, in neither the Allow.
     */
    @Test
    void noSetWriteOfANetworkSetsNetsLetsADeniedPairThroughOnIptables() throws Exception {
        // move 2 replayed: where BASE let it through, three times
        moves(DataplaneDriver.IPTABLES, 2, 2, 10, false, move -> netted(move % 2 == 1 ? "b" : "a"));
    }

    /**
     * STATE(0) applied, then PROBED moves (STATE(1), STATE(2), ...), those from FROM on replayed message by message
     * (iptables; each denied probe waits out its ping's second), then FLIPS moves under a pinger's fire, on DRIVER; w2
     * -> w1 is denied in every STATE, w3 -> w1 allowed. HOLDS: whether the replay must see w2 held (mixed sets) or
     * must see nothing held.
     */
    private void moves(DataplaneDriver driver, int from, int probed, int flips, boolean holds,
                       IntFunction<Snapshot> states) throws Exception {
        IntFunction<Snapshot> state = move -> states.apply(move).withConfig(FelixConfiguration.DEFAULTS.withDataplaneDriver(driver));
        try (WorkloadHost lab = new WorkloadHost(PREFIX)) {
            CommandRunner w1 = lab.workload(1);
            CommandRunner w2 = lab.workload(2);
            CommandRunner w3 = lab.workload(3);
            HostStateCalculator calculator = new HostStateCalculator();
            Dataplane dataplane = started(lab, calculator, state.apply(0), w3);
            assertTrue(blocked(w2, 1), "w2 is denied");

            List<String> opened = new ArrayList<>();
            java.util.Set<Boolean> heldSeen = new java.util.HashSet<>();
            int[] move = {0};
            dataplane.probeSetWrites(() -> {
                if (move[0] < from) {
                    return;
                }
                if (!blocked(w2, 1)) {
                    opened.add("w2 -> w1 answered between two ipset messages of move " + move[0]);
                }
                heldSeen.add(!held(lab).isEmpty());
            });
            for (move[0] = 1; move[0] <= probed; move[0]++) {
                assertEquals(Map.of(), dataplane.apply(calculator.calculate(state.apply(move[0])))
                        .failures());
            }
            dataplane.probeSetWrites(null);
            assertEquals(List.of(), opened, "every state the kernel passed through denies w2 -> w1");
            if (probed > 0) {
                assertEquals(holds, heldSeen.contains(true), holds ? "w2 was held" : "nothing was held");
            }

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
                                // a ping's process starts during one move and may send during a later one
                                int after = flip[0];
                                answered.add("move " + during + (after == during ? "" : "-" + after));
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

    /** A Dataplane on LAB's host, started, with FIRST applied and W3 reaching w1. */
    private static Dataplane started(WorkloadHost lab, HostStateCalculator calculator, Snapshot first, CommandRunner w3) {
        Dataplane dataplane = new Dataplane(lab.host());
        assertTrue(dataplane.start().failures().isEmpty());
        assertEquals(Map.of(), dataplane.apply(calculator.calculate(first)).failures());
        assertTrue(Eventually.within(10, () -> pings(w3, 1)), "w3 (role c) reaches w1");
        return dataplane;
    }

    /** w1 is web; w2 has ROLE; w3 has role c; under POLICIES. */
    private static Snapshot labelled(List<Policy> policies, String role) {
        return snapshot(endpoints(role), policies, List.of());
    }

    /** w2 and w3 have role c; w2's address is in the nets of the network set of ROLE, a far address in the other's. */
    private static Snapshot netted(String role) {
        List<LabelledNets> sets = new ArrayList<>();
        for (String labelled : List.of("a", "b")) {
            sets.add((LabelledNets) ResourceCodec.decodeAll("kind: GlobalNetworkSet\nmetadata: {name: set-" + labelled
                    + ", labels: {role: " + labelled + "}}\nspec: {nets: [" + (labelled.equals(role) ? "10.65.0.2/32" : "10.65.0.250/32")
                    + "]}\n").get(0));
        }
        return snapshot(endpoints("c"), NOT_A, sets);
    }

    private static Snapshot snapshot(List<WorkloadEndpoint> endpoints, List<Policy> policies, List<LabelledNets> sets) {
        return Snapshot.of("h1", FelixConfiguration.DEFAULTS, endpoints, Map.of("open", OPEN))
                .withPolicy(List.of(), policies, sets, Map.of());
    }

    /** w1 (web), w2 (ROLE) and w3 (role c), on h1. */
    private static List<WorkloadEndpoint> endpoints(String role) {
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
        return endpoints;
    }
}
