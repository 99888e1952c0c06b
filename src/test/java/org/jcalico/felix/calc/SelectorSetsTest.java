package org.jcalico.felix.calc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.jcalico.felix.hoststate.IpSetSpec;
import org.jcalico.model.Cidr;
import org.jcalico.model.EndpointPort;
import org.jcalico.model.GlobalNetworkSet;
import org.jcalico.model.LabelledNets;
import org.jcalico.model.Metadata;
import org.jcalico.model.Namespace;
import org.jcalico.model.NetworkSet;
import org.jcalico.model.NetworkSetSpec;
import org.jcalico.model.Profile;
import org.jcalico.model.Protocol;
import org.jcalico.model.WorkloadEndpoint;
import org.jcalico.model.selector.Selector;
import org.junit.jupiter.api.Test;

class SelectorSetsTest {
    private static final SetKey WEB4 = SetKey.of(Selector.parse("app == 'web'"), 4);
    private static final SetKey WEB6 = SetKey.of(Selector.parse("app == 'web'"), 6);
    private final SelectorSets index = new SelectorSets();
    private final List<WorkloadEndpoint> endpoints = new ArrayList<>();
    private final List<LabelledNets> networkSets = new ArrayList<>();
    private Map<String, Profile> profiles = Map.of();
    private Map<String, Namespace> namespaces = Map.of();

    static WorkloadEndpoint endpoint(String id, String namespace, Map<String, String> labels, String v4, String v6,
                                     List<EndpointPort> ports, String... profiles) {
        return new WorkloadEndpoint("h2", null, "c-" + id, id, "jc" + id, null,
                v4 == null ? List.of() : List.of(Cidr.parse(v4 + "/32")),
                v6 == null ? List.of() : List.of(Cidr.parse(v6 + "/128")), List.of(profiles), null, namespace, labels,
                ports);
    }

    static WorkloadEndpoint endpoint(String id, Map<String, String> labels, String v4) {
        return endpoint(id, null, labels, v4, null, List.of());
    }

    private Map<String, IpSetSpec> calculate(SetKey... needed) {
        return index.calculate(endpoints, networkSets, profiles, namespaces, Set.of(needed));
    }

    private Set<String> members(SetKey key) {
        return calculate(key).get(key.name()).members();
    }

    @Test
    void aSelectorSetHoldsTheAddressesOfTheFamilyOfEveryMatchingEndpoint() {
        endpoints.add(endpoint("a", null, Map.of("app", "web"), "10.0.0.1", "fd00::1", List.of()));
        endpoints.add(endpoint("b", null, Map.of("app", "db"), "10.0.0.2", "fd00::2", List.of()));
        Map<String, IpSetSpec> sets = calculate(WEB4, WEB6);
        assertEquals(new IpSetSpec(WEB4.name(), 4, Set.of("10.0.0.1/32")), sets.get(WEB4.name()));
        assertEquals(new IpSetSpec(WEB6.name(), 6, Set.of("fd00::1/128")), sets.get(WEB6.name()));
    }

    @Test
    void aLabelChangeMovesAnEndpointBetweenSetsAndLeavesOtherSetsTheSameObjects() {
        SetKey db = SetKey.of(Selector.parse("app == 'db'"), 4);
        SetKey other = SetKey.of(Selector.parse("app == 'cache'"), 4);
        WorkloadEndpoint a = endpoint("a", Map.of("app", "web"), "10.0.0.1");
        endpoints.add(a);
        Map<String, IpSetSpec> before = calculate(WEB4, db, other);
        endpoints.set(0, a.withLabels(Map.of("app", "db")));
        Map<String, IpSetSpec> after = calculate(WEB4, db, other);
        assertEquals(Set.of(), after.get(WEB4.name()).members());
        assertEquals(Set.of("10.0.0.1/32"), after.get(db.name()).members());
        assertSame(before.get(other.name()), after.get(other.name()));
        assertSame(after.get(db.name()), calculate(WEB4, db, other).get(db.name()), "nothing changed: same object");
    }

    @Test
    void twoEndpointsSharingAnAddressKeepItUntilBothAreGone() {
        WorkloadEndpoint a = endpoint("a", Map.of("app", "web"), "10.0.0.1");
        WorkloadEndpoint b = endpoint("b", Map.of("app", "web"), "10.0.0.1");
        endpoints.addAll(List.of(a, b));
        assertEquals(Set.of("10.0.0.1/32"), members(WEB4));
        endpoints.remove(a);
        assertEquals(Set.of("10.0.0.1/32"), members(WEB4));
        endpoints.remove(b);
        assertEquals(Set.of(), members(WEB4));
    }

    @Test
    void aNamespaceLabelChangeMovesItsEndpointsAndNetworkSetsInAndOut() {
        SetKey prod = SetKey.of(Selector.parse("pcns.env == 'prod' && role == 'x'"), 4);
        endpoints.add(endpoint("a", "ns1", Map.of("role", "x"), "10.0.0.1", null, List.of()));
        endpoints.add(endpoint("b", "ns2", Map.of("role", "x"), "10.0.0.2", null, List.of()));
        networkSets.add(new NetworkSet(new Metadata("ext", "ns1", Map.of("role", "x"), null),
                new NetworkSetSpec(List.of(Cidr.parse("192.0.2.0/24")))));
        assertEquals(Set.of(), members(prod));
        namespaces = Map.of("ns1", new Namespace("ns1", Map.of("env", "prod")));
        assertEquals(Set.of("10.0.0.1/32", "192.0.2.0/24"), members(prod));
        namespaces = Map.of("ns1", new Namespace("ns1", Map.of("env", "dev")),
                "ns2", new Namespace("ns2", Map.of("env", "prod")));
        assertEquals(Set.of("10.0.0.2/32"), members(prod));
    }

    @Test
    void namespacesAndProfilesChangedInTheCallersOwnMapsAreSeen() {
        SetKey prodGold = SetKey.of(Selector.parse("pcns.env == 'prod' && tier == 'gold'"), 4);
        endpoints.add(endpoint("a", "ns1", Map.of(), "10.0.0.1", null, List.of(), "p"));
        Map<String, Namespace> ownNamespaces = new java.util.HashMap<>(Map.of("ns1", new Namespace("ns1", Map.of("env", "prod"))));
        Map<String, Profile> ownProfiles = new java.util.HashMap<>(Map.of("p", new Profile("p", null, Map.of("tier", "gold"), null, null)));
        namespaces = ownNamespaces;
        profiles = ownProfiles;
        assertEquals(Set.of("10.0.0.1/32"), members(prodGold));
        ownNamespaces.put("ns1", new Namespace("ns1", Map.of("env", "dev")));
        assertEquals(Set.of(), members(prodGold));
        ownNamespaces.put("ns1", new Namespace("ns1", Map.of("env", "prod")));
        ownProfiles.put("p", new Profile("p", null, Map.of("tier", "bronze"), null, null));
        assertEquals(Set.of(), members(prodGold));
    }

    @Test
    void aProfilesLabelsToApplyReachItsEndpointsUnlessTheyHaveTheKey() {
        SetKey gold = SetKey.of(Selector.parse("tier == 'gold'"), 4);
        endpoints.add(endpoint("a", null, Map.of(), "10.0.0.1", null, List.of(), "p"));
        endpoints.add(endpoint("b", null, Map.of("tier", "silver"), "10.0.0.2", null, List.of(), "p"));
        endpoints.add(endpoint("c", null, Map.of(), "10.0.0.3", null, List.of()));
        assertEquals(Set.of(), members(gold));
        profiles = Map.of("p", new Profile("p", null, Map.of("tier", "gold"), null, null));
        assertEquals(Set.of("10.0.0.1/32"), members(gold));
        profiles = Map.of("p", new Profile("p", null, Map.of("tier", "bronze"), null, null));
        assertEquals(Set.of(), members(gold));
    }

    @Test
    void networkSetsJoinBySelectorAndGlobalSelectsOnlyGlobalOnes() {
        SetKey global = SetKey.of(Selector.parse("global() && role == 'ext'"), 4);
        SetKey ext6 = SetKey.of(Selector.parse("role == 'ext'"), 6);
        networkSets.add(new GlobalNetworkSet(new Metadata("g", null, Map.of("role", "ext"), null),
                new NetworkSetSpec(List.of(Cidr.parse("198.51.100.0/24"), Cidr.parse("2001:db8::/32")))));
        networkSets.add(new NetworkSet(new Metadata("n", "ns1", Map.of("role", "ext"), null),
                new NetworkSetSpec(List.of(Cidr.parse("203.0.113.0/24"), Cidr.parse("0.0.0.0/0")))));
        endpoints.add(endpoint("a", Map.of("role", "ext"), "10.0.0.1"));
        Map<String, IpSetSpec> sets = calculate(global, ext6);
        assertEquals(Set.of("198.51.100.0/24"), sets.get(global.name()).members());
        assertEquals(Set.of("2001:db8::/32"), sets.get(ext6.name()).members());

        SetKey all4 = SetKey.of(Selector.parse("role == 'ext'"), 4);
        assertEquals(Set.of("198.51.100.0/24", "203.0.113.0/24", "0.0.0.0/1", "128.0.0.0/1", "10.0.0.1/32"),
                members(all4), "the kernel takes no /0 in a hash:net set: its two halves instead");
    }

    @Test
    void aNamedPortSetHoldsAddressAndPortOfEveryMatchingEndpointThatDeclaresIt() {
        Protocol tcp = Protocol.parse("tcp");
        SetKey http4 = SetKey.namedPort(Selector.parse("app == 'web'"), tcp, "http", 4);
        SetKey http6 = SetKey.namedPort(Selector.parse("app == 'web'"), tcp, "http", 6);
        SetKey httpUdp = SetKey.namedPort(Selector.parse("app == 'web'"), Protocol.parse("udp"), "http", 4);
        endpoints.add(endpoint("a", null, Map.of("app", "web"), "10.0.0.1", "fd00::1",
                List.of(EndpointPort.parse("http=tcp/8080"), EndpointPort.parse("dns=udp/53"))));
        endpoints.add(endpoint("b", null, Map.of("app", "web"), "10.0.0.2", null, List.of(EndpointPort.parse("http=tcp/80"))));
        endpoints.add(endpoint("c", null, Map.of("app", "web"), "10.0.0.3", null, List.of()));
        endpoints.add(endpoint("d", null, Map.of("app", "db"), "10.0.0.4", null, List.of(EndpointPort.parse("http=tcp/80"))));
        Map<String, IpSetSpec> sets = calculate(http4, http6, httpUdp, WEB4);
        assertEquals(new IpSetSpec(http4.name(), IpSetSpec.Type.IP_PORT, 4, Set.of("10.0.0.1,tcp:8080", "10.0.0.2,tcp:80")),
                sets.get(http4.name()));
        assertEquals(Set.of("fd00::1,tcp:8080"), sets.get(http6.name()).members());
        assertEquals(Set.of(), sets.get(httpUdp.name()).members());
        assertEquals(Set.of("10.0.0.1/32", "10.0.0.2/32", "10.0.0.3/32"), sets.get(WEB4.name()).members());
    }

    /**
     * A named port's member is each of an endpoint's nets' network address with the port, whichever set read the
     * endpoint's addresses first; an endpoint's relabelling takes out just what it put in.
     */
    @Test
    void aNamedPortSetTakesEachNetsAddressWhicheverSetReadTheEndpointFirst() {
        Protocol tcp = Protocol.parse("tcp");
        SetKey http4 = SetKey.namedPort(Selector.parse("app == 'web'"), tcp, "http", 4);
        List<Cidr> nets = List.of(Cidr.parse("10.0.1.0/24"), Cidr.parse("10.0.0.9/32"));
        endpoints.add(new WorkloadEndpoint("h2", null, "c-w", "w", "jcw", null, nets, List.of(), List.of(), null, null,
                Map.of("app", "web"), List.of(EndpointPort.parse("http=tcp/8080"))));
        endpoints.add(new WorkloadEndpoint("h2", null, "c-v", "v", "jcv", null, List.of(Cidr.parse("10.0.2.0/24")),
                List.of(), List.of(), null, null, Map.of("app", "web"), List.of(EndpointPort.parse("http=tcp/80"))));
        Set<String> expected = Set.of("10.0.1.0,tcp:8080", "10.0.0.9,tcp:8080", "10.0.2.0,tcp:80");
        assertEquals(expected, members(http4), "the named port's set first");
        SelectorSets other = new SelectorSets();
        other.calculate(endpoints, networkSets, profiles, namespaces, Set.of(WEB4));
        assertEquals(expected, other.calculate(endpoints, networkSets, profiles, namespaces, Set.of(WEB4, http4))
                .get(http4.name()).members(), "the selector set first");

        endpoints.set(0, endpoints.get(0).withLabels(Map.of("app", "db")));
        endpoints.set(1, endpoints.get(1).withLabels(Map.of("app", "db")));
        assertEquals(Set.of(), calculate(http4).get(http4.name()).members());
        assertEquals(Set.of(), other.calculate(endpoints, networkSets, profiles, namespaces, Set.of(WEB4, http4))
                .get(http4.name()).members());
    }

    @Test
    void aSetNoLongerNeededIsForgottenAndBuiltAfreshWhenNeededAgain() {
        endpoints.add(endpoint("a", Map.of("app", "web"), "10.0.0.1"));
        IpSetSpec first = calculate(WEB4).get(WEB4.name());
        assertEquals(Map.of(), calculate());
        endpoints.add(endpoint("b", Map.of("app", "web"), "10.0.0.2"));
        IpSetSpec again = calculate(WEB4).get(WEB4.name());
        assertNotSame(first, again);
        assertEquals(Set.of("10.0.0.1/32", "10.0.0.2/32"), again.members());
    }
}
