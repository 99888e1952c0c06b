package org.jcalico.felix.dataplane;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.math.BigInteger;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import org.jcalico.felix.ColdStart;
import org.jcalico.felix.calc.HostStateCalculator;
import org.jcalico.felix.calc.Snapshot;
import org.jcalico.felix.hoststate.HostState;
import org.jcalico.kernel.CommandRunner;
import org.jcalico.kernel.Namespaces;
import org.jcalico.model.Cidr;
import org.jcalico.model.DataplaneDriver;
import org.jcalico.model.FelixConfiguration;
import org.jcalico.model.Profile;
import org.jcalico.model.WorkloadEndpoint;
import org.jcalico.testing.KernelTests;
import org.jcalico.testing.TestNamespaces;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The agent's first pass on an empty kernel ({@link Dataplane#resync(Supplier, Supplier)}): the guard's hooks and drops
 * go in while the calculation runs, and no link comes up before them; a kernel that already holds jcalico's rules gets
 * nothing before the calculation ends. Namespaces "jct-cold-..." (after JCALICO_TEST_NS_PREFIX when set).
 */
@Tag("kernel")
class ColdStartKernelTest {
    private static final String PREFIX = TestNamespaces.named("jct-cold-");
    private final List<String> namespaces = new ArrayList<>();
    private CommandRunner host;

    @BeforeAll
    static void removeLeftovers() {
        KernelTests.assumeKernel();
        Namespaces.deleteAll(PREFIX);
    }

    @BeforeEach
    void createHost() {
        host = Namespaces.create(PREFIX + "host");
        namespaces.add(PREFIX + "host");
        for (String name : List.of("jcA", "jcB")) {
            host.run(List.of("ip", "link", "add", name, "type", "veth", "peer", "name", "p" + name)).check();
            host.run(List.of("ip", "link", "set", "p" + name, "up")).check();
        }
    }

    @AfterEach
    void deleteNamespaces() {
        namespaces.forEach(Namespaces::delete);
    }

    @ParameterizedTest
    @EnumSource(DataplaneDriver.class)
    void onAnEmptyKernelTheGuardIsInBeforeAnyLinkComesUp(DataplaneDriver driver) {
        Snapshot snapshot = snapshot(driver, "jcA", "jcB");
        Dataplane dataplane = new Dataplane(host);
        assertTrue(dataplane.start().failures().isEmpty());
        List<String> seen = new ArrayList<>();
        DataplaneReport report = dataplane.resync(() -> ColdStart.guard(snapshot), () -> {
            // the calculation waits for the guard: it is written while the calculation runs, or never
            waitUntil(() -> hooked(driver));
            seen.add(rules(driver));
            seen.add(linkUp("jcA") || linkUp("jcB") ? "a link up" : "links down");
            return new HostStateCalculator().calculate(snapshot);
        });
        assertEquals(Map.of(), report.failures());
        String guard = seen.getFirst();
        if (driver == DataplaneDriver.IPTABLES) {
            assertTrue(guard.matches("(?s).*\\n-A jc-from-wl-dispatch [^\\n]*-j DROP\\n.*"), guard);
            assertTrue(guard.matches("(?s).*\\n-A jc-to-wl-dispatch [^\\n]*-j DROP\\n.*"), guard);
            assertFalse(guard.contains("-g jc-fw-") || guard.contains("-g jc-tw-"), "no endpoint is dispatched yet: " + guard);
        } else {
            assertFalse(dispatched(driver, guard, "jcA"), "no endpoint is dispatched yet: " + guard);
        }
        assertEquals("links down", seen.get(1), "the links wait for the calculation, behind the guard");
        String after = rules(driver);
        assertTrue(dispatched(driver, after, "jcA") && dispatched(driver, after, "jcB"), after);
        assertTrue(linkUp("jcA") && linkUp("jcB"));
        assertTrue(host.run(List.of("ip", "route", "show", "proto", "98")).check().stdout().contains("10.65.0.2"));
    }

    @ParameterizedTest
    @EnumSource(DataplaneDriver.class)
    void aKernelHoldingJcalicoRulesGetsNothingBeforeTheCalculationEnds(DataplaneDriver driver) {
        Snapshot first = snapshot(driver, "jcA");
        Dataplane before = new Dataplane(host);
        assertTrue(before.start().failures().isEmpty());
        assertEquals(Map.of(), before.resync(new HostStateCalculator().calculate(first)).failures());

        // a restarted agent: jcB arrived while it was down
        Snapshot second = snapshot(driver, "jcA", "jcB");
        Dataplane restarted = new Dataplane(host);
        List<Boolean> upDuringCalc = new ArrayList<>();
        DataplaneReport report = restarted.resync(() -> ColdStart.guard(second), () -> {
            sleep(500);
            upDuringCalc.add(linkUp("jcB"));
            upDuringCalc.add(dispatched(driver, rules(driver), "jcA"));
            return new HostStateCalculator().calculate(second);
        });
        assertEquals(Map.of(), report.failures());
        assertEquals(List.of(false, true), upDuringCalc, "jcB down and jcA's rules kept while calc ran");
        assertTrue(linkUp("jcB"));
        assertTrue(dispatched(driver, rules(driver), "jcB"));
    }

    /**
     * An apply with no guard before it (the first pass threw, or the guard was refused) on a kernel without jcalico's
     * hooks: the links wait for the rules. 60,000 remote members of the profile's set hold the rules back while the
     * set fills; with links beside the rules, as before, a link was up with nothing in FORWARD for that long.
     */
    @ParameterizedTest
    @EnumSource(DataplaneDriver.class)
    void withNoHooksInTheKernelNoLinkComesUpBeforeTheRules(DataplaneDriver driver) throws Exception {
        Snapshot local = snapshot(driver, "jcA");
        List<WorkloadEndpoint> endpoints = new ArrayList<>(local.endpoints());
        endpoints.addAll(remoteMembers(60_000));
        HostState desired = new HostStateCalculator().calculate(
                Snapshot.of("local", local.config(), endpoints, local.profiles()));
        Dataplane dataplane = new Dataplane(host);
        assertTrue(dataplane.start().failures().isEmpty());
        assertNeverUpUnhooked("jcA", driver, () -> dataplane.apply(desired));
    }

    /**
     * A kernel that refuses jcalico's rules whole: another program owns the table they go in (nft's owner flag: only
     * its socket may change it, and the table goes with that socket): "ip filter", as a firewall daemon may, or, for
     * nftables, a table of jcalico's own name, which is then not jcalico's and filters nothing for it (the old guard
     * took its presence for jcalico's hooks and set the link up). The guard and the rules are refused; the links stay
     * down, reported, and come up once the rules are in.
     */
    @ParameterizedTest
    @EnumSource(DataplaneDriver.class)
    void linksAreHeldBackWhileTheKernelRefusesEveryHook(DataplaneDriver driver) throws Exception {
        Snapshot snapshot = snapshot(driver, "jcA");
        String table = driver == DataplaneDriver.IPTABLES ? "ip filter" : "ip jcalico";
        Process owner = new ProcessBuilder("ip", "netns", "exec", PREFIX + "host", "nft", "-i")
                .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        try {
            owner.getOutputStream().write(("add table " + table + " { flags owner; }\n").getBytes());
            owner.getOutputStream().flush();
            waitUntil(() -> host.run(List.of("nft", "list", "tables")).check().stdout().contains("table " + table));
            Dataplane dataplane = new Dataplane(host);
            assertTrue(dataplane.start().failures().isEmpty());
            DataplaneReport refused = dataplane.resync(() -> ColdStart.guard(snapshot),
                    () -> new HostStateCalculator().calculate(snapshot));
            String key = driver == DataplaneDriver.IPTABLES ? "iptables" : "nftables";
            assertTrue(refused.failures().containsKey(key), refused.failures().toString());
            assertTrue(refused.failures().getOrDefault("interfaces", "").contains("held back"), refused.failures().toString());
            assertFalse(linkUp("jcA"), "no link up while nothing filters it");

            owner.getOutputStream().close();
            owner.waitFor();
            waitUntil(() -> !host.run(List.of("nft", "list", "tables")).check().stdout().contains("table " + table));
            DataplaneReport applied = dataplane.apply(new HostStateCalculator().calculate(snapshot));
            assertEquals(Map.of(), applied.failures());
            assertTrue(linkUp("jcA") && hooked(driver));
        } finally {
            owner.destroyForcibly().waitFor();
        }
    }

    /**
     * A restart onto a kernel that holds jcalico's chains but not its hooks in force (the FORWARD hook deleted from
     * iptables; nftables' table made dormant): those chains filter nothing, so the guard goes in during the
     * calculation, and a link that arrived meanwhile (jcB) never comes up unhooked. 60,000 remote members hold the
     * rules back; the old guard took the chains for hooks, and jcB came up beside the rules, unfiltered.
     */
    @ParameterizedTest
    @EnumSource(DataplaneDriver.class)
    void chainsWithoutTheirHooksInForceAreNoHook(DataplaneDriver driver) throws Exception {
        Dataplane before = new Dataplane(host);
        assertTrue(before.start().failures().isEmpty());
        assertEquals(Map.of(), before.resync(new HostStateCalculator().calculate(snapshot(driver, "jcA"))).failures());
        if (driver == DataplaneDriver.IPTABLES) {
            host.run(List.of("iptables", "-F", "FORWARD")).check();
        } else {
            host.run(List.of("nft", "add table ip jcalico { flags dormant; }")).check();
        }
        assertFalse(hooked(driver));

        Snapshot local = snapshot(driver, "jcA", "jcB");
        List<WorkloadEndpoint> endpoints = new ArrayList<>(local.endpoints());
        endpoints.addAll(remoteMembers(60_000));
        Snapshot second = Snapshot.of("local", local.config(), endpoints, local.profiles());
        Dataplane restarted = new Dataplane(host);
        assertNeverUpUnhooked("jcB", driver,
                () -> restarted.resync(() -> ColdStart.guard(second), () -> new HostStateCalculator().calculate(second)));
    }

    /** Runs PASS, watching LINK throughout: never up while no hook of DRIVER is in force; up and hooked after. */
    private void assertNeverUpUnhooked(String link, DataplaneDriver driver, Supplier<DataplaneReport> pass) throws Exception {
        java.util.concurrent.CompletableFuture<DataplaneReport> applied = java.util.concurrent.CompletableFuture.supplyAsync(pass);
        int unguarded = 0;
        while (!applied.isDone()) {
            // the link read first: a hook seen after it was there when the link came up or came after it
            if (linkUp(link) && !hooked(driver)) {
                unguarded++;
            }
        }
        assertEquals(Map.of(), applied.get().failures());
        assertEquals(0, unguarded, "samples with " + link + " up and no hook in force");
        assertTrue(linkUp(link) && hooked(driver));
    }

    /** COUNT endpoints of other hosts in profile web: members of its set, which take a while to fill. */
    private static List<WorkloadEndpoint> remoteMembers(int count) {
        List<WorkloadEndpoint> endpoints = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            Cidr address = Cidr.host(Cidr.parse("10.96.0.0/14").addressAt(BigInteger.valueOf(i + 1)));
            endpoints.add(new WorkloadEndpoint("remote", null, "r" + i, "r" + i, "cali" + i, null, List.of(address),
                    List.of(), List.of("web"), null, null, null, null));
        }
        return endpoints;
    }

    private static Snapshot snapshot(DataplaneDriver driver, String... interfaces) {
        List<WorkloadEndpoint> endpoints = new ArrayList<>();
        for (int i = 0; i < interfaces.length; i++) {
            Cidr v4 = Cidr.host(Cidr.parse("10.65.0.0/24").addressAt(BigInteger.valueOf(i + 1)));
            endpoints.add(new WorkloadEndpoint("local", null, "w" + i, "e" + i, interfaces[i], null, List.of(v4),
                    List.of(), List.of("web"), null, null, null, null));
        }
        return Snapshot.of("local", FelixConfiguration.DEFAULTS.withDataplaneDriver(driver), endpoints,
                Map.of("web", Profile.securityGroup("web")));
    }

    /**
     * Whether RULES dispatch the endpoint on IFACE: its chain on iptables; on nftables, which has no chain for an
     * endpoint that only enters its shared chain (session 59), its dispatch elements.
     */
    private static boolean dispatched(DataplaneDriver driver, String rules, String iface) {
        return driver == DataplaneDriver.IPTABLES ? rules.contains("jc-fw-" + iface) : rules.contains("\"" + iface + "\"");
    }

    private String rules(DataplaneDriver driver) {
        return driver == DataplaneDriver.IPTABLES ? host.run(List.of("iptables-save")).check().stdout()
                : host.run(List.of("nft", "list", "table", "ip", "jcalico")).check().stdout();
    }

    /** Whether FORWARD jumps to jcalico's chain (iptables) or jcalico's own table has its forward hook in force (nftables). */
    private boolean hooked(DataplaneDriver driver) {
        if (driver == DataplaneDriver.IPTABLES) {
            return host.run(List.of("iptables-save")).check().stdout().matches("(?s).*\\n-A FORWARD [^\\n]*-j jc-FORWARD\\n.*");
        }
        CommandRunner.Result table = host.run(List.of("nft", "list", "table", "ip", "jcalico"));
        return table.ok() && table.stdout().contains("hook forward") && !table.stdout().contains("dormant")
                && !table.stdout().contains("owner");
    }

    private boolean linkUp(String name) {
        return host.run(List.of("ip", "-o", "link", "show", name)).check().stdout().matches("(?s).*[<,]UP[,>].*");
    }

    private static void waitUntil(Supplier<Boolean> condition) {
        long deadline = System.nanoTime() + 10_000_000_000L;
        while (!condition.get()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("not before the calculation ended");
            }
            sleep(20);
        }
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }
}
