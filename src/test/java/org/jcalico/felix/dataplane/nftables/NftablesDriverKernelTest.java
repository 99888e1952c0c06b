package org.jcalico.felix.dataplane.nftables;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import static org.jcalico.testing.WebAndDb.OPEN;
import static org.jcalico.testing.WebAndDb.endpoint;
import static org.jcalico.testing.WebAndDb.endpoints;
import static org.jcalico.testing.WebAndDb.policies;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import org.jcalico.felix.calc.DataplaneNames;
import org.jcalico.felix.calc.HostStateCalculator;
import org.jcalico.felix.calc.Snapshot;
import org.jcalico.felix.dataplane.Change;
import org.jcalico.felix.dataplane.Changes;
import org.jcalico.felix.hoststate.HostState;
import org.jcalico.kernel.CommandRunner;
import org.jcalico.kernel.Namespaces;
import org.jcalico.model.DataplaneDriver;
import org.jcalico.model.FelixConfiguration;
import org.jcalico.model.LabelledNets;
import org.jcalico.model.Policy;
import org.jcalico.model.ResourceCodec;
import org.jcalico.model.WorkloadEndpoint;
import org.jcalico.testing.KernelTests;
import org.jcalico.testing.TestNamespaces;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * The nftables driver's incremental transactions against the real kernel ("jcn1-" namespace): after each change of
 * calc's state (endpoints come and go, a policy comes, changes and goes, a set gains and loses members, with and
 * without a network overlapping an endpoint's address), the tables the driver's small transaction left hold exactly
 * what a whole-table replace of the same state holds, and the transaction wrote only what changed.
 */
@Tag("kernel")
class NftablesDriverKernelTest {
    /** After JCALICO_TEST_NS_PREFIX when set, so that people sharing a machine do not remove each other's namespace. */
    private static final String PREFIX = TestNamespaces.named("jcn1-");
    private static final FelixConfiguration CONFIG = FelixConfiguration.DEFAULTS.withDataplaneDriver(DataplaneDriver.NFTABLES);
    private static CommandRunner host;
    private final HostStateCalculator calculator = new HostStateCalculator();

    @BeforeAll
    static void createHost() {
        KernelTests.assumeKernel();
        Namespaces.deleteAll(PREFIX);
        host = Namespaces.create(PREFIX + "host");
    }

    @AfterAll
    static void deleteNamespaces() {
        Namespaces.deleteAll(PREFIX);
    }

    /**
     * The first add after a large transaction (the first pass's, a resync's) met libnftables' first transaction after it,
     * two to five times an add's (docs/dataplane.md, "Session 39 (n-add): one endpoint added to 1,000"): the driver runs a settling
     * transaction of its own on the library's context right after a large one, and the kernel holds the same before and
     * after it. Fails when no transaction follows the large one (the generation stays where the large one left it).
     */
    @Test
    void aLargeTransactionIsFollowedByASettlingOneThatChangesNothing() throws InterruptedException {
        org.junit.jupiter.api.Assumptions.assumeTrue(org.jcalico.kernel.Nft.inProcess(), "libnftables not loaded");
        NftablesDriver driver = new NftablesDriver(host);
        List<WorkloadEndpoint> endpoints = new ArrayList<>();
        for (int i = 0; i < 300; i++) {
            endpoints.add(numbered(i));
        }
        org.jcalico.kernel.NfTables tables = host.nfTables();
        // as the agent's first pass: the guard's tables replaced whole, then the endpoints added in one large transaction
        assertEquals(Map.of(), driver.apply(state(List.of(), List.of(), List.of()), Set.of()).failures());
        long guarded = tables.read();
        assertEquals(Map.of(), driver.apply(state(endpoints, List.of(), List.of()), Set.of()).failures());
        generation(tables, guarded + 2);
        String settled = kernel();
        assertFalse(settled.contains(NftablesPlanner.SETTLE_SET), settled);
        driver.forget();
        assertEquals(Map.of(), driver.apply(state(endpoints, List.of(), List.of()), Set.of()).failures());
        // over the tables in force: the bridge, the replace, its settling, the bridge deleted
        generation(tables, guarded + 6);
        assertEquals(normalized(kernel()), normalized(settled), "the tables as a whole replace of the same state leaves them");
        endpoints.add(numbered(300));
        assertEquals(Map.of(), driver.apply(state(endpoints, List.of(), List.of()), Set.of()).failures());
        Thread.sleep(200);
        // one transaction: the endpoint's dispatch elements, to shared chains whose rules are in (session 59: until
        // then two, the endpoint's chains first)
        assertEquals(guarded + 7, tables.read(), "an endpoint's add is followed by no settling");
    }

    /** Waits up to 5 s for the namespace's generation to reach EXPECTED (a settling transaction runs after its large one returned). */
    private static void generation(org.jcalico.kernel.NfTables tables, long expected) throws InterruptedException {
        for (int wait = 0; wait < 250 && tables.read() < expected; wait++) {
            Thread.sleep(20);
        }
        assertEquals(expected, tables.read(), "the large transaction and one after it");
    }

    private static WorkloadEndpoint numbered(int index) {
        return new WorkloadEndpoint("h1", null, "c" + index, "w" + index, "jcw" + index, null,
                List.of(org.jcalico.model.Cidr.parse("10.66." + index / 250 + "." + (index % 250 + 1) + "/32")),
                List.of(org.jcalico.model.Cidr.parse("fd66::" + Integer.toHexString(index + 1) + "/128")),
                List.of("open"), null, null, Map.of("app", index % 2 == 0 ? "web" : "db"), null);
    }

    /**
     * Session 59: an agent of this version started over the tables an agent of the old layout wrote (an endpoint chain
     * of one jump each, the dispatch elements going to it) replaces them whole, bridged, and leaves what it leaves over
     * its own: no endpoint chain, the elements going to the shared chains, no bridge.
     */
    @Test
    void aRestartOverTheOldLayoutsTablesLeavesTheNewLayout() {
        HostState state = state(endpoints(4), List.of(), List.of());
        assertEquals(Map.of(), new NftablesDriver(host).apply(oldLayout(state), Set.of()).failures());
        assertTrue(kernel().contains("chain jc-fw-jcw1 {") && kernel().contains(": goto jc-tw-jcw1"), kernel());
        NftablesDriver restarted = new NftablesDriver(host);
        assertEquals(Map.of(), restarted.apply(state, Set.of()).failures());
        String over = kernel();
        assertFalse(over.contains("chain jc-fw-") || over.contains("chain jc-tw-") || over.contains("goto jc-fw-"), over);
        assertEquals(Set.of("ip jcalico", "ip6 jcalico"), host.nfTables().tables());
        restarted.forget();
        assertEquals(Map.of(), restarted.apply(state, Set.of()).failures());
        assertEquals(normalized(kernel()), normalized(over), "as a replace over its own tables leaves them");
    }

    /** STATE as the renderer wrote it before session 59: each endpoint's elements going to a chain of one jump. */
    private static HostState oldLayout(HostState state) {
        return new HostState(oldLayout(state.ipv4()), oldLayout(state.ipv6()), state.ipSets(), state.routes(),
                state.interfaces(), state.concerns(), state.failedClosed(), state.driver());
    }

    private static org.jcalico.felix.hoststate.IptablesState oldLayout(org.jcalico.felix.hoststate.IptablesState state) {
        Map<String, org.jcalico.felix.hoststate.Chain> filter = new java.util.HashMap<>(state.chains("filter"));
        for (org.jcalico.felix.hoststate.Chain chain : List.copyOf(filter.values())) {
            List<org.jcalico.felix.hoststate.VerdictMap> maps = new ArrayList<>();
            for (org.jcalico.felix.hoststate.VerdictMap map : chain.maps()) {
                String prefix = map.key().startsWith("iifname") ? "jc-fw-" : "jc-tw-";
                var elements = map.elements().editor();
                map.elements().forEach((key, target) -> {
                    String own = prefix + key.substring(1, key.indexOf('"', 1));
                    filter.put(own, new org.jcalico.felix.hoststate.Chain(own, List.of("counter " + target.replace("goto", "jump"))));
                    elements.put(key, "goto " + own);
                });
                maps.add(new org.jcalico.felix.hoststate.VerdictMap(map.name(), map.key(), map.type(), elements.map()));
            }
            if (!maps.isEmpty()) {
                filter.put(chain.name(), new org.jcalico.felix.hoststate.Chain(chain.name(), chain.rules(), chain.origins(), maps));
            }
        }
        Map<String, Map<String, org.jcalico.felix.hoststate.Chain>> tables = new java.util.HashMap<>(state.tables());
        tables.put("filter", filter);
        return new org.jcalico.felix.hoststate.IptablesState(state.version(), tables, state.hooks());
    }

    /**
     * The bridge a whole replace makes over the tables in force is gone once the replace returns, and one a kill -9
     * between the bridge's transactions left is deleted by the next replace, and by the switch to the other driver.
     */
    @Test
    void noBridgeOutlivesItsReplaceNorACrash() {
        NftablesDriver driver = new NftablesDriver(host);
        HostState state = state(endpoints(2), List.of(), List.of());
        assertEquals(Map.of(), driver.apply(state, Set.of()).failures());
        driver.forget();
        assertEquals(Map.of(), driver.apply(state, Set.of()).failures(), "a replace over the tables in force");
        assertEquals(Set.of("ip jcalico", "ip6 jcalico"), host.nfTables().tables());

        host.run(List.of("nft", "-f", "-"), "add table ip jcalico-bridge\nadd chain ip jcalico-bridge filter-FORWARD"
                + " { type filter hook forward priority 0; policy accept; }\nadd rule ip jcalico-bridge filter-FORWARD drop\n"
                + "add table ip6 jcalico-bridge\n").check();
        driver.forget();
        assertEquals(Map.of(), driver.apply(state, Set.of()).failures());
        assertEquals(Set.of("ip jcalico", "ip6 jcalico"), host.nfTables().tables(), "the bridge a crash left is gone");

        host.run(List.of("nft", "-f", "-"), "add table ip jcalico-bridge\n").check();
        driver.forget();
        assertEquals(Map.of(), driver.remove().failures());
        assertEquals(Set.of(), host.nfTables().tables(), "the switch to iptables removes the bridge too");
    }

    /**
     * The forward hook's base chain as nft lists it: the short way's two lookups in it, each behind its own state test,
     * above the jump into jc-FORWARD, and no chain of the short way's (docs/dataplane.md, "Session 70 (p-nojump)"):
     * an established packet meets no jump before its lookup. The same after an endpoint's add, which changes only the
     * maps' elements, and with no endpoint, when the maps are empty.
     */
    @Test
    void theForwardHookLooksTheShortWayUpItselfWithNoJumpBeforeIt() {
        NftablesDriver driver = new NftablesDriver(host);
        for (int count : List.of(0, 2, 3)) {
            assertEquals(Map.of(), driver.apply(state(endpoints(count), List.of(), List.of()), Set.of()).failures());
            for (String family : List.of("ip", "ip6")) {
                String listing = host.run("nft", "list", "chain", family, "jcalico", "filter-FORWARD").check().stdout();
                List<String> rules = listing.lines().map(String::strip)
                        .filter(line -> !line.isEmpty() && !line.startsWith("chain ") && !line.startsWith("table ")
                                && !line.startsWith("type ") && !line.equals("}")).toList();
                assertEquals(List.of(
                        "ct state established,related oifname != \"jc*\" iifname . " + family + " saddr vmap @jc-established-from",
                        "ct state established,related iifname != \"jc*\" " + family + " saddr != @jc-" + (family.equals("ip") ? 4 : 6)
                                + "-local oifname vmap @jc-established-to",
                        "jump jc-FORWARD"), rules, count + " endpoints, " + family + ": " + listing);
            }
            assertFalse(kernel().contains("chain jc-established"), kernel());
        }
        String maps = host.run("nft", "list", "map", "ip", "jcalico", "jc-established-to").check().stdout();
        assertTrue(maps.contains("\"jcw3\" : accept"), maps);
    }

    @Test
    void eachSmallTransactionLeavesWhatAWholeReplaceWould() {
        NftablesDriver driver = new NftablesDriver(host);
        List<WorkloadEndpoint> endpoints = endpoints(6);
        List<Policy> policies = new ArrayList<>(policies("""
                kind: GlobalNetworkPolicy
                metadata: {name: web-in}
                spec:
                  selector: app == "web"
                  ingress:
                  - {action: Allow, protocol: TCP, source: {selector: app == "db"}, destination: {ports: [80, "8000:8080", http]}}
                  - {action: Deny, protocol: ICMP, notICMP: {type: 8, code: 0}}
                """));
        List<LabelledNets> sets = new ArrayList<>();

        Changes first = same(driver, state(endpoints, policies, sets));
        assertTrue(first.count(Change.CHAINS_WRITTEN) > 20, first.toString());
        assertTrue(driver.apply(state(endpoints, policies, sets), Set.of()).counts().isEmpty(), "an unchanged state writes nothing");

        endpoints.add(endpoint(7, "db"));
        String dispatch = dispatchChains();
        Changes added = driver.apply(state(endpoints, policies, sets), Set.of());
        assertEquals(dispatch, dispatchChains(), "the dispatch rules stay as they were (the same handles): one element each");
        same(driver, state(endpoints, policies, sets));
        assertTrue(added.count(Change.CHAINS_WRITTEN) < 12, "one endpoint more is a few chains: " + added);
        assertEquals(12, added.count(Change.SET_MEMBERS_ADDED), "its address joins the db selector's set and the local"
                + " endpoints' set, and its interface each dispatch map (from and to) and each map of the established"
                + " packets' short way (EstablishedPath), of both families: " + added);
        endpoints.remove(endpoints.size() - 1);
        dispatch = dispatchChains();
        Changes removed = driver.apply(state(endpoints, policies, sets), Set.of());
        assertEquals(dispatch, dispatchChains(), "removing it deletes its elements and rewrites no dispatch rule");
        assertEquals(12, removed.count(Change.SET_MEMBERS_REMOVED), "the same, deleted: " + removed);
        same(driver, state(endpoints, policies, sets));
        endpoints.add(endpoint(7, "db"));
        same(driver, state(endpoints, policies, sets));

        sets.add((LabelledNets) ResourceCodec.decodeAll("""
                kind: GlobalNetworkSet
                metadata: {name: outside, labels: {app: db}}
                spec: {nets: [10.65.0.0/28, "fd65::/120"]}
                """).get(0));
        same(driver, state(endpoints, policies, sets));
        endpoints.remove(0);
        same(driver, state(endpoints, policies, sets));

        policies.add(policies("""
                kind: GlobalNetworkPolicy
                metadata: {name: db-out}
                spec: {selector: app == "db", egress: [{action: Pass}, {action: Log}], types: [Egress]}
                """).get(0));
        same(driver, state(endpoints, policies, sets));
        policies.remove(0);
        Changes gone = same(driver, state(endpoints, policies, sets));
        assertTrue(gone.count(Change.CHAINS_DELETED) >= 2 && gone.count(Change.SETS_DELETED) >= 2, gone.toString());
        assertFalse(kernel().contains("web-in"), "the policy's chains are gone");
    }

    /**
     * A set of single addresses (the db selector's: endpoints' /32s and /128s) is a plain hash set, which libnftables
     * does not read back before an element's transaction as it reads every interval set; a network joining it (an
     * IPv6 /32 is one) makes it an interval set in the same transaction that rewrites the chains matching it, and
     * its last network leaving makes it a hash set again. After each step the kernel holds what a replace holds.
     * The endpoint chains make no anonymous set either.
     */
    @Test
    void aSetOfAddressesIsAHashSetAndANetworkSwitchesItsKindInOneTransaction() {
        NftablesDriver driver = new NftablesDriver(host);
        List<WorkloadEndpoint> endpoints = endpoints(4);
        List<Policy> policies = policies("""
                kind: GlobalNetworkPolicy
                metadata: {name: db-only}
                spec:
                  selector: app == "web"
                  ingress: [{action: Allow, source: {selector: app == "db"}}, {action: Deny, source: {notSelector: app == "db"}}]
                """);
        List<LabelledNets> sets = new ArrayList<>();
        same(driver, state(endpoints, policies, sets));
        assertEquals(List.of("type ipv4_addr", "elements [10.65.0.1, 10.65.0.3]"), setHolding("10.65.0.1"));
        assertEquals(List.of("type ipv6_addr", "elements [fd65::1, fd65::3]"), setHolding("fd65::1"));

        sets.add((LabelledNets) ResourceCodec.decodeAll("""
                kind: GlobalNetworkSet
                metadata: {name: outside, labels: {app: db}}
                spec: {nets: [10.66.0.0/16, "fd66::/32"]}
                """).get(0));
        Changes switched = same(driver, state(endpoints, policies, sets));
        assertEquals(List.of("type ipv4_addr", "flags interval", "auto-merge", "elements [10.65.0.1, 10.65.0.3, 10.66.0.0/16]"),
                setHolding("10.65.0.1"));
        assertEquals(List.of("type ipv6_addr", "flags interval", "auto-merge", "elements [fd65::1, fd65::3, fd66::/32]"),
                setHolding("fd65::1"));
        assertTrue(switched.count(Change.CHAINS_WRITTEN) >= 2, "the chains matching the set are written again: " + switched);

        endpoints.add(endpoint(5, "db"));
        same(driver, state(endpoints, policies, sets));
        sets.clear();
        same(driver, state(endpoints, policies, sets));
        assertEquals(List.of("type ipv4_addr", "elements [10.65.0.1, 10.65.0.3, 10.65.0.5]"), setHolding("10.65.0.1"));
        assertEquals(List.of("type ipv6_addr", "elements [fd65::1, fd65::3, fd65::5]"), setHolding("fd65::1"));
        assertFalse(kernel().contains("ct state {"), "a connection state test is a bitmask, not an anonymous set each"
                + " endpoint chain adds to the kernel (and to what libnftables reads in every transaction)");
    }

    /** The declaration and elements of the one set of jcalico's, but the local endpoints', whose elements hold ADDRESS. */
    private static List<String> setHolding(String address) {
        List<List<String>> found = normalized(kernel()).entrySet().stream()
                .filter(block -> block.getKey().contains(" set "))
                // every local address is in its family's set of the local endpoints' addresses too
                .filter(block -> !block.getKey().contains(DataplaneNames.localSourcesSet(4))
                        && !block.getKey().contains(DataplaneNames.localSourcesSet(6)))
                .map(Map.Entry::getValue)
                .filter(lines -> lines.stream().anyMatch(line -> line.startsWith("elements ")
                        && List.of(line.substring(10, line.length() - 1).split(", ")).contains(address)))
                .toList();
        assertEquals(1, found.size(), "one set holds " + address + ": " + found);
        return found.get(0);
    }

    /** Applies the state incrementally, then compares the kernel with a whole replace of it; the delta's changes. */
    private static Changes same(NftablesDriver driver, HostState state) {
        Changes changes = driver.apply(state, Set.of());
        assertEquals(Map.of(), changes.failures());
        String incremental = kernel();
        driver.forget();
        assertEquals(Map.of(), driver.apply(state, Set.of()).failures());
        Map<String, List<String>> replaced = normalized(kernel());
        Map<String, List<String>> left = normalized(incremental);
        Set<String> differ = new TreeSet<>(replaced.keySet());
        differ.addAll(left.keySet());
        differ.removeIf(block -> java.util.Objects.equals(replaced.get(block), left.get(block)));
        assertEquals(Set.of(), differ, "the small transaction left what a replace leaves, but for these blocks");
        assertTrue(replaced.size() > 20, replaced.keySet().toString());
        return changes;
    }

    private HostState state(List<WorkloadEndpoint> endpoints, List<Policy> policies, List<LabelledNets> sets) {
        HostState state = calculator.calculate(Snapshot.of("h1", CONFIG, List.copyOf(endpoints), Map.of("open", OPEN))
                .withPolicy(List.of(), List.copyOf(policies), List.copyOf(sets), Map.of()));
        assertEquals(DataplaneDriver.NFTABLES, state.driver());
        return state;
    }

    /** Both families' dispatch chains as the kernel lists them, with each rule's handle. */
    private static String dispatchChains() {
        StringBuilder listing = new StringBuilder();
        for (String family : List.of("ip", "ip6")) {
            for (String chain : List.of("jc-from-wl-dispatch", "jc-to-wl-dispatch")) {
                listing.append(host.run("nft", "-a", "list", "chain", family, "jcalico", chain).check().stdout());
            }
        }
        return listing.toString();
    }

    private static String kernel() {
        return host.run("nft", "list", "table", "ip", "jcalico").check().stdout()
                + host.run("nft", "list", "table", "ip6", "jcalico").check().stdout();
    }

    /**
     * The listing as blocks (each set, map and chain of each table, by name), each set's elements as a sorted set: nft lists
     * chains in the order they were made and a set's elements in the order they came.
     */
    private static Map<String, List<String>> normalized(String listing) {
        Map<String, List<String>> blocks = new TreeMap<>();
        String table = "";
        String block = null;
        TreeSet<String> elements = null;
        for (String line : listing.lines().map(String::strip).filter(line -> !line.isEmpty()).toList()) {
            if (line.startsWith("table ")) {
                table = line;
            } else if (block == null && (line.startsWith("chain ") || line.startsWith("set ") || line.startsWith("map "))) {
                block = table + " " + line;
                blocks.put(block, new ArrayList<>());
            } else if (elements != null || line.startsWith("elements = {")) {
                elements = elements == null ? new TreeSet<>() : elements;
                for (String element : line.replace("elements = {", "").replace("}", "").split(",")) {
                    if (!element.isBlank()) {
                        elements.add(element.strip());
                    }
                }
                if (line.endsWith("}")) {
                    blocks.get(block).add("elements " + elements);
                    elements = null;
                }
            } else if (line.equals("}")) {
                block = null;
            } else if (block != null) {
                blocks.get(block).add(line);
            }
        }
        return blocks;
    }
}
