package org.jcalico.felix.calc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.jcalico.felix.hoststate.HostState;
import org.jcalico.felix.hoststate.MemberSet;
import org.jcalico.felix.hoststate.SetPolarity;
import org.jcalico.felix.hoststate.RouteSpec;
import org.jcalico.felix.render.iptables.IptablesRenderer;
import org.jcalico.model.Action;
import org.jcalico.model.Cidr;
import org.jcalico.model.Direction;
import org.jcalico.model.EntityMatch;
import org.jcalico.model.FelixConfiguration;
import org.jcalico.model.Ports;
import org.jcalico.model.Profile;
import org.jcalico.model.Protocol;
import org.jcalico.model.Rule;
import org.jcalico.model.WorkloadEndpoint;
import org.junit.jupiter.api.Test;

class HostStateCalculatorTest {
    private static WorkloadEndpoint endpoint(String node, String id, String v4, String v6, String... profiles) {
        return new WorkloadEndpoint(node, null, "c-" + id, id, "jc" + id, null,
                v4 == null ? List.of() : List.of(Cidr.parseHostOrNet(v4)),
                v6 == null ? List.of() : List.of(Cidr.parseHostOrNet(v6)), List.of(profiles), null, null, null, null);
    }

    private static Snapshot snapshot(List<WorkloadEndpoint> endpoints, Profile... profiles) {
        Map<String, Profile> byName = new java.util.TreeMap<>();
        for (Profile profile : profiles) {
            byName.put(profile.name(), profile);
        }
        // the rules' structure; DropLogCalcTest adds the denied-flow log's rules to it
        return Snapshot.of("h1", FelixConfiguration.DEFAULTS.withDeniedFlowLogsEnabled(false), endpoints, byName);
    }

    private final Profile web = Profile.securityGroup("web");
    private final Profile db = Profile.securityGroup("db");

    @Test
    void localEndpointsGetDispatchWithAntiSpoofingAndPolicyChains() {
        HostState state = new HostStateCalculator().calculate(snapshot(List.of(
                endpoint("h1", "a1", "10.0.0.1", "fd00::1", "web"),
                endpoint("h2", "b1", "10.0.0.65", null, "web")), web));
        var v4 = state.ipv4().chains("filter");
        assertEquals(List.of("-i jca1 -s 10.0.0.1/32 -g jc-fw-jca1", "-j DROP"), v4.get("jc-from-wl-dispatch").rules(),
                "one endpoint: no tree, its rule in the root");
        assertEquals(List.of("-o jca1 -g jc-tw-jca1", "-j DROP"), v4.get("jc-to-wl-dispatch").rules());
        assertFalse(v4.containsKey("jc-from-wl-dispatch-a"));
        assertEquals(List.of(
                "-m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT",
                "-m conntrack --ctstate INVALID -j DROP",
                "-j MARK --set-xmark 0x0/0x3000000",
                "-j jc-pi-web",
                "-m mark --mark 0x1000000/0x1000000 -j RETURN",
                "-j DROP"), PolicyCalcTest.policyRules(v4, "jc-tw-jca1"));
        assertEquals(List.of("-m set --match-set jc-4t-web src -j MARK --set-xmark 0x1000000/0x1000000",
                "-m mark --mark 0x1000000/0x1000000 -j RETURN"), v4.get("jc-pi-web").rules());
        assertFalse(v4.containsKey("jc-fw-jcb1"), "remote endpoints get no chains here");
        assertEquals(List.of("-i jca1 -s fd00::1/128 -g jc-fw-jca1", "-j DROP"),
                state.ipv6().chains("filter").get("jc-from-wl-dispatch").rules());
        assertEquals(Set.of(RouteSpec.toInterface(Cidr.parse("10.0.0.1/32"), "jca1"),
                RouteSpec.toInterface(Cidr.parse("fd00::1/128"), "jca1")), state.routes());
    }

    /**
     * An endpoint with no address (nor allowed source prefix) of a family takes no part in it: the family's dispatch
     * drops its traffic both ways (as anti-spoofing already dropped everything it sent), and it has no chains there,
     * nor do the policies and profiles only it uses. Each transaction that adds a rule makes the kernel validate every
     * rule its table's hooks reach (docs/dataplane.md), so an IPv4-only endpoint's IPv6 chains made every IPv6 change
     * cost more, and its arrival an IPv6 transaction of its own.
     */
    @Test
    void anEndpointWithoutAnAddressOfAFamilyHasNoChainsInIt() {
        Profile v4only = Profile.securityGroup("v4only");
        HostStateCalculator calculator = new HostStateCalculator();
        HostState before = calculator.calculate(snapshot(List.of(endpoint("h1", "a2", "10.0.0.2", "fd00::2", "web")), web, v4only));
        HostState state = calculator.calculate(snapshot(List.of(
                endpoint("h1", "a1", "10.0.0.1", null, "v4only"),
                endpoint("h1", "a2", "10.0.0.2", "fd00::2", "web")), web, v4only));
        var v4 = state.ipv4().chains("filter");
        var v6 = state.ipv6().chains("filter");
        assertEquals(List.of("-o jca1 -g jc-tw-jca1", "-o jca2 -g jc-tw-jca2", "-j DROP"), v4.get("jc-to-wl-dispatch").rules());
        assertTrue(v4.containsKey("jc-fw-jca1") && v4.containsKey("jc-tw-jca1") && v4.containsKey("jc-pi-v4only"));
        assertEquals(List.of("-o jca2 -g jc-tw-jca2", "-j DROP"), v6.get("jc-to-wl-dispatch").rules());
        assertEquals(List.of("-i jca2 -s fd00::2/128 -g jc-fw-jca2", "-j DROP"), v6.get("jc-from-wl-dispatch").rules());
        assertFalse(v6.containsKey("jc-fw-jca1") || v6.containsKey("jc-tw-jca1") || v6.containsKey("jc-pi-v4only")
                || v6.containsKey("jc-po-v4only"), "no IPv6 chain of the IPv4-only endpoint: " + v6.keySet());
        assertEquals(before.ipv6().chains("filter"), v6, "the IPv4-only endpoint's arrival changes nothing in IPv6");
        HostState spoofing = new HostStateCalculator().calculate(snapshot(List.of(endpoint("h1", "a3", "10.0.0.3", null)
                .withMembership(List.of("web"), Map.of(), List.of(Cidr.parse("fd00:1::/64")))), web));
        assertEquals(List.of("-o jca3 -g jc-tw-jca3", "-j DROP"), spoofing.ipv6().chains("filter").get("jc-to-wl-dispatch").rules(),
                "an endpoint that may send from an IPv6 prefix keeps its IPv6 chains");
        assertTrue(spoofing.ipv6().chains("filter").containsKey("jc-tw-jca3"));
    }

    /**
     * 16 rules in the root, then a level keyed by the first hex digit, past 256 a second by the next; and back. The
     * calculator kept from one count to the next (which changes only the chains an endpoint touches) agrees with one
     * from nothing.
     */
    @Test
    void theDispatchTreeGrowsALevelPastEachSixteenfold() {
        HostStateCalculator kept = new HostStateCalculator();
        for (int count : List.of(16, 17, 256, 257, 258, 257, 256, 17, 16)) {
            List<WorkloadEndpoint> endpoints = new java.util.ArrayList<>();
            for (int i = 0; i < count; i++) {
                endpoints.add(endpoint("h1", String.format("%03x", i), "10.1." + i / 250 + "." + (1 + i % 250), null, "web"));
            }
            HostState fresh = new HostStateCalculator().calculate(snapshot(endpoints, web));
            assertEquals(fresh, kept.calculate(snapshot(endpoints, web)), count + " endpoints");
            var v4 = fresh.ipv4().chains("filter");
            List<String> root = v4.get("jc-to-wl-dispatch").rules();
            if (count == 16) {
                assertEquals(17, root.size(), "every endpoint's rule and the drop");
                assertEquals("-o jc000 -g jc-tw-jc000", root.get(0));
            } else if (count <= 256) {
                assertEquals("-o jc0+ -g jc-to-wl-dispatch-0", root.get(0));
                assertEquals("-o jc000 -g jc-tw-jc000", v4.get("jc-to-wl-dispatch-0").rules().get(0));
                assertFalse(v4.containsKey("jc-to-wl-dispatch-00"));
            } else {
                assertEquals("-o jc0+ -g jc-to-wl-dispatch-0", root.get(0));
                assertEquals("-o jc00+ -g jc-to-wl-dispatch-00", v4.get("jc-to-wl-dispatch-0").rules().get(0));
                assertEquals(List.of("-o jc000 -g jc-tw-jc000", "-o jc001 -g jc-tw-jc001", "-o jc002 -g jc-tw-jc002",
                        "-o jc003 -g jc-tw-jc003", "-o jc004 -g jc-tw-jc004", "-o jc005 -g jc-tw-jc005", "-o jc006 -g jc-tw-jc006",
                        "-o jc007 -g jc-tw-jc007", "-o jc008 -g jc-tw-jc008", "-o jc009 -g jc-tw-jc009", "-o jc00a -g jc-tw-jc00a",
                        "-o jc00b -g jc-tw-jc00b", "-o jc00c -g jc-tw-jc00c", "-o jc00d -g jc-tw-jc00d", "-o jc00e -g jc-tw-jc00e",
                        "-o jc00f -g jc-tw-jc00f", "-j DROP"), v4.get("jc-to-wl-dispatch-00").rules());
            }
            assertEquals("-j DROP", root.get(root.size() - 1), "whatever no rule takes is dropped");
        }
    }

    @Test
    void anEndpointMaySendFromItsAllowedSpoofedPrefixesToo() {
        WorkloadEndpoint a1 = endpoint("h1", "a1", "10.0.0.1", null, "web");
        WorkloadEndpoint spoofing = a1.withMembership(a1.profileIds(), a1.labels(),
                List.of(Cidr.parse("10.0.0.2/32"), Cidr.parse("fd00::2/128")));
        HostState state = new HostStateCalculator().calculate(snapshot(List.of(spoofing), web));
        assertEquals(List.of("-i jca1 -s 10.0.0.1/32 -g jc-fw-jca1", "-i jca1 -s 10.0.0.2/32 -g jc-fw-jca1", "-j DROP"),
                state.ipv4().chains("filter").get("jc-from-wl-dispatch").rules());
        assertEquals(List.of("-i jca1 -s fd00::2/128 -g jc-fw-jca1", "-j DROP"),
                state.ipv6().chains("filter").get("jc-from-wl-dispatch").rules());
        assertEquals(Set.of(RouteSpec.toInterface(Cidr.parse("10.0.0.1/32"), "jca1")), state.routes(), "no route to what it may send from");
    }

    @Test
    void eachEndpointsChainsProfilesAndTagSetsConcernItsInterfaceOnly() {
        Profile dbFromWeb = db.withRules(Direction.INBOUND, List.of(db.inbound().get(0),
                Rule.allow().withSource(new EntityMatch("web", null, null))));
        HostState state = new HostStateCalculator().calculate(snapshot(List.of(
                endpoint("h1", "a1", "10.0.0.1", null, "web"),
                endpoint("h1", "a2", "10.0.0.2", "fd00::2", "web", "db"),
                endpoint("h2", "b1", "10.0.0.65", null, "db")), web, dbFromWeb));
        assertEquals(Set.of("jca1"), state.concerns().get("jc-fw-jca1"));
        assertEquals(Set.of("jca2"), state.concerns().get("jc-tw-jca2"));
        assertEquals(Set.of("jca1", "jca2"), state.concerns().get("jc-pi-web"));
        assertEquals(Set.of("jca2"), state.concerns().get("jc-po-db"));
        assertEquals(Set.of("jca1", "jca2"), state.concerns().get("jc-4t-web"), "both match tag web");
        assertEquals(Set.of("jca2"), state.concerns().get("jc-6t-db"));
        assertFalse(state.concerns().containsKey("jc-from-wl-dispatch"), "shared chains are nobody's alone");
        assertFalse(state.concerns().containsKey("jc-fw-jcb1"), "remote endpoints have no chains here");
    }

    /**
     * The drops of the addresses a driver holds during a change, ahead of every policy (IPv4): the state first, so that
     * an established packet, nearly every packet forwarded, is done with them without a set lookup.
     */
    private static final String HELD_SOURCE = "-m conntrack --ctstate NEW,INVALID,UNTRACKED -m set --match-set jc-4-hold src -j DROP";
    private static final String HELD_DESTINATION = "-m conntrack --ctstate NEW,INVALID,UNTRACKED -m set --match-set jc-4-hold dst -j DROP";
    /** What jc-FORWARD marks first under the iptables driver: every packet it saw (the security table checks it). */
    private static final String SEEN = "-j MARK --set-xmark 0x4000000/0x4000000";

    @Test
    void addressesHeldDuringAChangeAreDroppedAheadOfPolicyOnBothDrivers() {
        HostState iptables = new HostStateCalculator().calculate(snapshot(List.of()));
        // after the mark of what jc-FORWARD saw (iptables only: the security table's check reads it)
        assertEquals(List.of(SEEN, HELD_SOURCE, HELD_DESTINATION),
                iptables.ipv4().chains("filter").get("jc-FORWARD").rules().subList(0, 3));
        assertEquals(Set.of(), iptables.ipSets().get("jc-4-hold").members(), "calc declares the hold empty");
        assertTrue(iptables.ipSets().containsKey("jc-6-hold"));
        var nft = FelixConfiguration.DEFAULTS.withDataplaneDriver(org.jcalico.model.DataplaneDriver.NFTABLES);
        HostState nftables = new HostStateCalculator().calculate(Snapshot.of("h1", nft, List.of(), Map.of()));
        assertEquals(List.of("ct state new,invalid,untracked ip saddr @jc-4-hold drop",
                        "ct state new,invalid,untracked ip daddr @jc-4-hold drop"),
                nftables.ipv4().chains("filter").get("jc-FORWARD").rules().subList(0, 2),
                "a packet meets an nftables transaction's sets part before it and part after: mixed sets' changes are held");
        assertEquals(Set.of(), nftables.ipSets().get("jc-4-hold").members());
        // jcalico's own nftables table needs no mark nor check after it: another table's accept cannot end its chains
        assertEquals(Set.of("filter"), nftables.ipv4().tables().keySet());
    }

    /**
     * The set of the local endpoints' addresses that jc-FORWARD sends to jc-local-source: every local endpoint's, of
     * its family, no remote one's; an address two endpoints share stays while one has it; each change says only what
     * it changed (the drivers write that), and the set only drops (DENYING: grown before the rules, shrunk after).
     */
    @Test
    void theLocalEndpointsAddressesAreKeptAsTheSourcesOnlyTheirInterfacesMayBringIn() {
        HostStateCalculator calc = new HostStateCalculator();
        WorkloadEndpoint a = endpoint("h1", "a", "10.0.0.1", "fd00::1", "web");
        WorkloadEndpoint b = endpoint("h1", "b", "10.0.0.2", null, "web");
        WorkloadEndpoint moved = endpoint("h1", "c", "10.0.0.2", null, "web");
        WorkloadEndpoint remote = endpoint("h2", "r", "10.0.1.1", null, "web");
        HostState first = calc.calculate(snapshot(List.of(a, b, remote), web));
        assertEquals(Set.of("10.0.0.1/32", "10.0.0.2/32"), first.ipSets().get("jc-4-local").members());
        assertEquals(Set.of("fd00::1/128"), first.ipSets().get("jc-6-local").members());
        assertEquals(SetPolarity.DENYING, first.polarities().get("jc-4-local"));
        assertEquals(SetPolarity.DENYING, first.polarities().get("jc-6-local"));

        HostState shared = calc.calculate(snapshot(List.of(a, b, moved, remote), web));
        assertEquals(Set.of("10.0.0.1/32", "10.0.0.2/32"), shared.ipSets().get("jc-4-local").members());
        HostState left = calc.calculate(snapshot(List.of(moved, remote), web));
        var v4 = (MemberSet) left.ipSets().get("jc-4-local").members();
        assertEquals(Set.of("10.0.0.2/32"), v4, "the address c still has stays");
        assertTrue(v4.madeFrom(shared.ipSets().get("jc-4-local").members()));
        assertEquals(Set.of("10.0.0.1/32"), v4.removed());
        assertEquals(Set.of(), v4.added());
        assertEquals(Set.of(), left.ipSets().get("jc-6-local").members());

        assertEquals("! -i jc+ -m set --match-set jc-6-local src -j jc-local-source",
                first.ipv6().chains("filter").get("jc-FORWARD").rules().get(3),
                "IPv6 (ip6tables) too; a workload's packet is told by its interface before any set lookup");
        assertEquals(List.of("-j DROP"), first.ipv6().chains("filter").get("jc-local-source").rules(),
                "only a packet in on no workload's interface gets there");
        var nft = FelixConfiguration.DEFAULTS.withDataplaneDriver(org.jcalico.model.DataplaneDriver.NFTABLES);
        HostState nftables = new HostStateCalculator().calculate(Snapshot.of("h1", nft, List.of(a), Map.of("web", web)));
        assertEquals("iifname != \"jc*\" ip saddr @jc-4-local jump jc-local-source",
                nftables.ipv4().chains("filter").get("jc-FORWARD").rules().get(2));
        assertEquals("iifname != \"jc*\" ip6 saddr @jc-6-local jump jc-local-source",
                nftables.ipv6().chains("filter").get("jc-FORWARD").rules().get(2));
        assertEquals("iifname != \"jc*\" ip6 saddr @jc-6-local jump jc-local-source",
                nftables.ipv6().chains("filter").get("jc-INPUT").rules().get(0),
                "what the host itself gets is checked first too");
        assertEquals(Set.of("fd00::1/128"), nftables.ipSets().get("jc-6-local").members());
    }

    @Test
    void endpointsWithoutThePrefixAreHookedAndDispatchedByName() {
        var cali = new FelixConfiguration("global", null, null, "cal", null).merge(FelixConfiguration.DEFAULTS);
        HostState state = new HostStateCalculator().calculate(Snapshot.of("h1", cali, List.of(
                endpoint("h1", "a1", "10.0.0.1", null, "web")), Map.of("web", web)));
        var v4 = state.ipv4().chains("filter");
        assertEquals(List.of("! -i cal+ -m set --match-set jc-4-local src -j jc-local-source", "-i cal+ -g jc-wl-to-host",
                "-i jca1 -g jc-wl-to-host"), v4.get("jc-INPUT").rules());
        assertEquals(List.of(SEEN, HELD_SOURCE, HELD_DESTINATION,
                "! -i cal+ -m set --match-set jc-4-local src -j jc-local-source",
                "-i cal+ -j jc-from-wl-dispatch", "-i jca1 -j jc-from-wl-dispatch",
                "-o cal+ -j jc-to-wl-dispatch", "-o jca1 -j jc-to-wl-dispatch", "-i cal+ -j ACCEPT", "-i jca1 -j ACCEPT",
                "-o cal+ -j ACCEPT", "-o jca1 -j ACCEPT"), v4.get("jc-FORWARD").rules());
        // what jc-FORWARD did not see is dropped after the filter table when jc-FORWARD would have judged it: the same
        // interfaces, and a local endpoint's address from elsewhere
        assertEquals(List.of("-m mark --mark 0x4000000/0x4000000 -j RETURN", "-i cal+ -j DROP", "-i jca1 -j DROP",
                "-o cal+ -j DROP", "-o jca1 -j DROP", "! -i cal+ -m set --match-set jc-4-local src -j DROP"),
                state.ipv4().chains("security").get("jc-JUDGED").rules());
        assertTrue(state.ipv4().hooks().contains(new org.jcalico.felix.hoststate.Hook("security", "FORWARD", "-j jc-JUDGED")));
        assertEquals(List.of("-i jca1 -s 10.0.0.1/32 -g jc-fw-jca1", "-j DROP"), v4.get("jc-from-wl-dispatch").rules());
        assertEquals(List.of("-i jca1 -j RETURN", "-j DROP"), v4.get("jc-local-source").rules(),
                "a local endpoint's address comes in only on a workload's interface, the prefix's (told before the"
                + " jump) or its own");
        assertEquals(List.of("-o jca1 -g jc-tw-jca1", "-j DROP"), v4.get("jc-to-wl-dispatch").rules());

        var refused = new FelixConfiguration("global", 10, FelixConfiguration.EndpointToHostAction.DROP, null, "info");
        assertEquals(List.of("-m set --match-set jc-4-local src -j jc-local-source", "-i jca1 -g jc-wl-to-host"),
                new HostStateCalculator().calculate(Snapshot.of("h1", refused,
                List.of(endpoint("h1", "a1", "10.0.0.1", null, "web")), Map.of("web", web)))
                .ipv4().chains("filter").get("jc-INPUT").rules(), "no prefix accepted: the endpoints' own interfaces");
    }

    @Test
    void tagSetsHoldEveryEndpointInTheClusterCarryingTheTag() {
        HostState state = new HostStateCalculator().calculate(snapshot(List.of(
                endpoint("h1", "a1", "10.0.0.1", "fd00::1", "web"),
                endpoint("h2", "b1", "10.0.0.65", null, "web"),
                endpoint("h2", "b2", "10.0.0.66", null, "db")), web, db));
        assertEquals(Set.of("10.0.0.1/32", "10.0.0.65/32"), state.ipSets().get("jc-4t-web").members());
        assertEquals(Set.of("fd00::1/128"), state.ipSets().get("jc-6t-web").members());
        assertFalse(state.ipSets().containsKey("jc-4t-db"), "no local rule uses tag db");
    }

    @Test
    void rulesRenderEveryMatch() {
        Rule rule = new Rule(Action.ALLOW, Protocol.parse("tcp"), null,
                new EntityMatch("db", Cidr.parse("10.1.0.0/16"), null),
                new EntityMatch(null, null, Ports.parse("80,8000:8080")), null, null, null);
        Rule deny = new Rule(Action.DENY, Protocol.parse("icmp"), null, null, null, new org.jcalico.model.IcmpMatch(8, 0), null, null);
        Rule notUdp = new Rule(Action.ALLOW, null, Protocol.parse("udp"), null, null, null, null, 6);
        Profile profile = new Profile("p", List.of("p"), Map.of(), List.of(deny, rule, notUdp), List.of());
        assertEquals(List.of(
                "-p icmp -m icmp --icmp-type 8/0 -j DROP",
                "-p tcp -s 10.1.0.0/16 -m set --match-set jc-4t-db src -m multiport --destination-ports 80,8000:8080 -j MARK --set-xmark 0x1000000/0x1000000",
                "-m mark --mark 0x1000000/0x1000000 -j RETURN"), profileChain(profile, 4));
        assertEquals(List.of("! -p udp -j MARK --set-xmark 0x1000000/0x1000000", "-m mark --mark 0x1000000/0x1000000 -j RETURN"),
                profileChain(profile, 6));
    }

    private static List<String> profileChain(Profile profile, int version) {
        return IptablesRenderer.chain(new CompiledProfile(profile.name(), profile, false).chain(Direction.INBOUND, version).chain(),
                version).rules();
    }

    /**
     * A nat hook, even in front of an empty chain, makes the kernel run NAT at prerouting and postrouting for every
     * packet the host forwards (docs/dataplane.md, "The per-packet path"): only a family with a natOutgoing pool has
     * one, and it comes and goes with that pool.
     */
    @Test
    void onlyAFamilyWithANatOutgoingPoolHooksNat() {
        Snapshot plain = snapshot(List.of(endpoint("h1", "a1", "10.0.0.1", "fd00::1", "web")), web);
        Snapshot natted = new Snapshot(plain.node(), plain.config(), plain.endpoints(), plain.profiles(),
                List.of(new org.jcalico.model.IpPool(Cidr.parse("10.0.0.0/16"), true, 26, false),
                        new org.jcalico.model.IpPool(Cidr.parse("fd00::/64"), false, 122, false)),
                List.of(), List.of(), List.of(), plain.bgp(), List.of(), List.of(), List.of(), Map.of());
        HostStateCalculator calculator = new HostStateCalculator();
        for (HostState state : List.of(calculator.calculate(plain), new HostStateCalculator().calculate(plain))) {
            for (var family : List.of(state.ipv4(), state.ipv6())) {
                assertEquals(Set.of("filter", "security"), family.tables().keySet());
                assertTrue(family.hooks().stream().noneMatch(hook -> hook.table().equals("nat")), family.hooks().toString());
            }
        }
        HostState withNat = calculator.calculate(natted);
        assertEquals(List.of(new org.jcalico.felix.hoststate.Hook("nat", "POSTROUTING", "-j jc-POSTROUTING")),
                withNat.ipv4().hooks().stream().filter(hook -> hook.table().equals("nat")).toList());
        assertEquals(List.of("-m set --match-set jc-4-nat-pools src -m set ! --match-set jc-4-all-pools dst -j MASQUERADE"),
                withNat.ipv4().chains("nat").get("jc-POSTROUTING").rules());
        assertEquals(Set.of("filter", "security"), withNat.ipv6().tables().keySet(), "no IPv6 pool masquerades");
        assertEquals(Set.of("filter", "security"), calculator.calculate(plain).ipv4().tables().keySet(),
                "the hook goes with the pool");
    }

    @Test
    void endpointToHostFollowsConfiguration() {
        var accept = new FelixConfiguration("global", null, FelixConfiguration.EndpointToHostAction.ACCEPT, null, null)
                .merge(FelixConfiguration.DEFAULTS);
        var snapshot = Snapshot.of("h1", accept, List.of(), Map.of());
        assertEquals(List.of(HELD_SOURCE, HELD_DESTINATION, "-j jc-from-wl-dispatch", "-j ACCEPT"),
                new HostStateCalculator().calculate(snapshot).ipv4().chains("filter").get("jc-wl-to-host").rules(),
                "established packets meet the endpoint's chain too: an isolated one's drop cuts its flows to the host");
        var dropped = new HostStateCalculator().calculate(snapshot(List.of())).ipv6().chains("filter").get("jc-wl-to-host").rules();
        assertTrue(dropped.contains("-p ipv6-icmp -m icmp6 --icmpv6-type 135 -j ACCEPT"));
        assertEquals(List.of("-j jc-from-wl-dispatch", "-m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT", "-j DROP"),
                dropped.subList(dropped.size() - 3, dropped.size()),
                "with drop, the host's own connections get their answers once the endpoint's chain let them through");
    }

    @Test
    void missingProfilesAreReportedAsAllowingNothing() {
        var snapshot = snapshot(List.of(endpoint("h1", "a1", "10.0.0.1", null, "ghost")));
        HostState state = new HostStateCalculator().calculate(snapshot);
        assertEquals(Map.of("a1", "profile(s) ghost do not exist: they allow nothing (new connections that no policy or other "
                + "profile allows are dropped; established ones go on)"), state.failedClosed());
        assertEquals(List.of(), state.ipv4().chains("filter").get("jc-pi-ghost").rules());
    }

    /**
     * An endpoint whose state is not active (Calico's admin-down; the docker plugin's endpoint whose container's labels
     * are not known yet) drops everything both ways whatever its profile allows, established replies too, and is not reported failed: its
     * status says it is isolated (Agent).
     */
    @Test
    void anEndpointThatIsNotActiveIsIsolatedBothWays() {
        WorkloadEndpoint active = endpoint("h1", "a1", "10.0.0.1", null, "web");
        HostState isolated = new HostStateCalculator().calculate(snapshot(List.of(active.withState("awaiting-labels")), web));
        for (String chain : List.of(DataplaneNames.toEndpoint("jca1"), DataplaneNames.fromEndpoint("jca1"))) {
            List<String> rules = isolated.ipv4().chains("filter").get(chain).rules();
            assertEquals(List.of("-j DROP"), rules, chain + " drops everything, the replies of the other direction too");
        }
        assertEquals(Map.of(), isolated.failedClosed(), "isolated on purpose, not failed");
        // the host's own packets to it are dropped too, in both families (an IPv4-only endpoint has IPv6 link-local)
        List<String> output4 = new ArrayList<>(alwaysInOutput(4));
        output4.add("-o jca1 -j DROP");
        assertEquals(output4, isolated.ipv4().chains("filter").get(DataplaneNames.OUTPUT).rules());
        List<String> output6 = isolated.ipv6().chains("filter").get(DataplaneNames.OUTPUT).rules();
        assertEquals("-o jca1 -j DROP", output6.get(output6.size() - 1), output6.toString());
        assertTrue(output6.contains("-p ipv6-icmp -m icmp6 --icmpv6-type 135 -j RETURN"), output6.toString());
        org.jcalico.felix.hoststate.Hook output = new org.jcalico.felix.hoststate.Hook("filter", "OUTPUT", "-j jc-OUTPUT");
        assertTrue(isolated.ipv4().hooks().contains(output) && isolated.ipv6().hooks().contains(output));
        HostStateCalculator remembering = new HostStateCalculator();
        remembering.calculate(snapshot(List.of(active.withState("awaiting-labels")), web));
        HostState programmed = remembering.calculate(snapshot(List.of(active), web));
        List<String> rules = programmed.ipv4().chains("filter").get(DataplaneNames.toEndpoint("jca1")).rules();
        assertFalse(rules.contains("-j DROP"), "active: the chain of its profile's policy decides: " + rules);
        assertEquals(alwaysInOutput(4), programmed.ipv4().chains("filter").get(DataplaneNames.OUTPUT).rules(),
                "no isolated endpoint: jc-OUTPUT only drops the host's packets from a pool's address, and its users' "
                        + "toward workloads from an address not the host's");
        assertEquals(alwaysInOutput(6), programmed.ipv6().chains("filter").get(DataplaneNames.OUTPUT).rules(),
                "in IPv6 too, without ND");
        assertTrue(programmed.ipv4().hooks().contains(output) && programmed.ipv6().hooks().contains(output),
                "hooked whatever the endpoints");
        assertEquals(SetPolarity.DENYING, programmed.polarities().get(DataplaneNames.allPoolsSet(4)),
                "a pool's address only drops: the pools' set grows before the rules, shrinks after");
    }

    /**
     * jc-OUTPUT's rules whatever the endpoints: the host's packets from a pool's address dropped (session 60), then
     * those its users other than root send toward a workload from an address the host does not have (session 61).
     */
    private static List<String> alwaysInOutput(int version) {
        String user = " -m owner --uid-owner 1-4294967294 -m addrtype ! --src-type LOCAL -j DROP";
        return List.of("-m set --match-set jc-" + version + "-all-pools src -j DROP", "-o jc+" + user,
                "-m set --match-set jc-" + version + "-all-pools dst" + user);
    }

    @Test
    void longNamesAreHashedWithinKernelLimits() {
        String longName = "a-very-long-profile-name-that-exceeds-limits";
        assertTrue(DataplaneNames.profile(longName, Direction.INBOUND).startsWith("jc-pih-"));
        assertTrue(DataplaneNames.profile(longName, Direction.INBOUND).length() <= 28);
        assertTrue(DataplaneNames.tagSet(longName, 6).startsWith("jc-6th-"));
        assertEquals("jc-4t-web", DataplaneNames.tagSet("web", 4));
    }

    @Test
    void aCalculatorThatRemembersGivesWhatAFreshOneGivesAfterEveryChange() {
        Profile dbFromWeb = db.withRules(org.jcalico.model.Direction.INBOUND, List.of(db.inbound().get(0),
                new org.jcalico.model.Rule(org.jcalico.model.Action.ALLOW, null, null,
                        new org.jcalico.model.EntityMatch("web", null, null), null, null, null, null)));
        HostStateCalculator remembering = new HostStateCalculator();
        // each policy sees every change (kept sets), then the switch to the next policy (sets rebuilt)
        for (Profile[] policy : List.of(new Profile[]{web, db}, new Profile[]{web, dbFromWeb})) {
            List<WorkloadEndpoint> endpoints = new java.util.ArrayList<>(List.of(
                    endpoint("h1", "a1", "10.0.0.1", "fd00::1", "web"),
                    endpoint("h2", "b1", "10.0.0.65", null, "web"),
                    endpoint("h2", "b2", "10.0.0.66", "fd00::66", "db")));
            List<Runnable> changes = List.of(
                    () -> { },
                    () -> endpoints.add(endpoint("h1", "a2", "10.0.0.2", null, "db")),
                    () -> endpoints.add(endpoint("h2", "b3", "10.0.0.67", "fd00::67", "web")),
                    () -> endpoints.remove(1),
                    // the same address on two endpoints stays in the set until both are gone
                    () -> endpoints.add(endpoint("h2", "b4", "10.0.0.67", null, "web")),
                    () -> endpoints.removeIf(endpoint -> endpoint.endpointId().equals("b3")),
                    () -> endpoints.set(0, endpoint("h1", "a1", "10.0.0.1", "fd00::1", "web", "db")),
                    () -> endpoints.clear());
            for (Runnable change : changes) {
                change.run();
                Snapshot snapshot = snapshot(endpoints, policy);
                assertEquals(new HostStateCalculator().calculate(snapshot), remembering.calculate(snapshot).withoutDeparted());
            }
        }
    }
}
