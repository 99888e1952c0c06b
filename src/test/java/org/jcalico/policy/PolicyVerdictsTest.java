package org.jcalico.policy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.jcalico.model.Action;
import org.jcalico.model.Cidr;
import org.jcalico.model.Direction;
import org.jcalico.model.EndpointPort;
import org.jcalico.model.GlobalNetworkPolicy;
import org.jcalico.model.GlobalNetworkSet;
import org.jcalico.model.IpAddress;
import org.jcalico.model.LabelledNets;
import org.jcalico.model.Metadata;
import org.jcalico.model.Namespace;
import org.jcalico.model.NetworkPolicy;
import org.jcalico.model.NetworkSet;
import org.jcalico.model.NetworkSetSpec;
import org.jcalico.model.Policy;
import org.jcalico.model.PolicySpec;
import org.jcalico.model.Profile;
import org.jcalico.model.Protocol;
import org.jcalico.model.Rule;
import org.jcalico.model.Tier;
import org.jcalico.model.WorkloadEndpoint;
import org.junit.jupiter.api.Test;

/** Every branch of docs/policy.md's "Evaluation", and every rule field of its "Rules", one test each or close. */
class PolicyVerdictsTest {
    private static final YAMLMapper YAML = new YAMLMapper();

    private final List<WorkloadEndpoint> endpoints = new ArrayList<>();
    private final Map<String, Profile> profiles = new java.util.HashMap<>();
    private final Map<String, Namespace> namespaces = new java.util.HashMap<>();
    private final List<Tier> tiers = new ArrayList<>();
    private final List<Policy> policies = new ArrayList<>();
    private final List<LabelledNets> networkSets = new ArrayList<>();

    // --- building the cluster -------------------------------------------------------------------------------------

    private WorkloadEndpoint endpoint(String id, String address, String namespace, String labels, String... profileIds) {
        return endpoint(id, address, namespace, labels, List.of(), profileIds);
    }

    private WorkloadEndpoint endpoint(String id, String address, String namespace, String labels, List<EndpointPort> ports,
                                      String... profileIds) {
        Cidr net = Cidr.parseHostOrNet(address);
        WorkloadEndpoint endpoint = new WorkloadEndpoint("h1", "jcalico", "netns:" + id, id, "jc" + id, null,
                net.version() == 4 ? List.of(net) : List.of(), net.version() == 6 ? List.of(net) : List.of(),
                List.of(profileIds), null, namespace, labels(labels), ports);
        endpoints.add(endpoint);
        return endpoint;
    }

    private static Map<String, String> labels(String text) {
        Map<String, String> labels = new java.util.TreeMap<>();
        if (!text.isEmpty()) {
            for (String pair : text.split(",")) {
                String[] kv = pair.split("=", 2);
                labels.put(kv[0], kv[1]);
            }
        }
        return labels;
    }

    private static <T> T yaml(String text, Class<T> type) {
        try {
            return YAML.readValue(text, type);
        } catch (java.io.IOException e) {
            throw new IllegalArgumentException(text, e);
        }
    }

    static Rule rule(String yaml) {
        return yaml(yaml, Rule.class);
    }

    private void tier(String name, Double order, Action defaultAction) {
        tiers.add(new Tier(Metadata.named(name), new Tier.Spec(order, defaultAction)));
    }

    /** A GlobalNetworkPolicy from its spec in YAML flow style. */
    private void gnp(String name, String spec) {
        policies.add(new GlobalNetworkPolicy(Metadata.named(name), yaml(spec, PolicySpec.class)));
    }

    private void np(String namespace, String name, String spec) {
        policies.add(new NetworkPolicy(new Metadata(name, namespace, null, null), yaml(spec, PolicySpec.class)));
    }

    private void profile(String name, List<Rule> inbound, List<Rule> outbound, String... tags) {
        profiles.put(name, new Profile(name, List.of(tags), Map.of(), inbound, outbound));
    }

    private PolicyVerdicts model() {
        return new PolicyVerdicts(new PolicyCluster(endpoints, profiles, namespaces, tiers, policies, networkSets));
    }

    private static Packet tcp(String from, String to, int port) {
        return Packet.toPort(IpAddress.parse(from), IpAddress.parse(to), Protocol.parse("tcp"), port);
    }

    private static Packet udp(String from, String to, int port) {
        return Packet.toPort(IpAddress.parse(from), IpAddress.parse(to), Protocol.parse("udp"), port);
    }

    private Verdict ingress(Packet packet) {
        return model().explain(packet).ingress();
    }

    private Verdict egress(Packet packet) {
        return model().explain(packet).egress();
    }

    private static Hit.PolicyRule policyRule(String tier, String policy, int rule, Action action) {
        return new Hit.PolicyRule(tier, policy, rule, action);
    }

    // --- who is checked ----------------------------------------------------------------------------------------------

    @Test
    void anAddressOutsideEveryEndpointIsNotCheckedOnItsSide() {
        endpoint("a", "10.0.0.1", null, "", "open");
        profile("open", List.of(Rule.allow()), List.of(Rule.allow()));
        Explanation out = model().explain(tcp("10.0.0.1", "203.0.113.2", 80));
        assertEquals("a", out.egress().endpoint());
        assertEquals(new Hit.ProfileRule("open", 0, Action.ALLOW), out.egress().decision());
        assertEquals(new Hit.Unchecked(), out.ingress().decision());
        assertTrue(out.allows());
        Explanation in = model().explain(tcp("203.0.113.2", "10.0.0.1", 80));
        assertEquals(new Hit.Unchecked(), in.egress().decision());
        assertEquals(new Hit.ProfileRule("open", 0, Action.ALLOW), in.ingress().decision());
    }

    @Test
    void aPacketPassesOnlyIfBothDirectionsAllowIt() {
        endpoint("a", "10.0.0.1", null, "", "out");
        endpoint("b", "10.0.0.2", null, "", "closed");
        profile("out", List.of(), List.of(Rule.allow()));
        profile("closed", List.of(), List.of());
        Explanation explanation = model().explain(tcp("10.0.0.1", "10.0.0.2", 80));
        assertTrue(explanation.egress().allows());
        assertFalse(explanation.ingress().allows());
        assertEquals(new Hit.ProfilesEnd(List.of("closed")), explanation.ingress().decision());
        assertFalse(explanation.allows());
    }

    // --- 1. the applying policies -------------------------------------------------------------------------------------

    @Test
    void aPolicyAppliesOnlyInTheDirectionsOfItsTypes() {
        endpoint("a", "10.0.0.1", null, "app=a");
        endpoint("b", "10.0.0.2", null, "app=b");
        gnp("deny-in", "{selector: all(), ingress: [{action: Deny}]}");
        Explanation explanation = model().explain(tcp("10.0.0.1", "10.0.0.2", 80));
        assertEquals(new Hit.NoProfile(), explanation.egress().decision(), "an Ingress policy says nothing on egress");
        assertEquals(policyRule("default", "GlobalNetworkPolicy/deny-in", 0, Action.DENY), explanation.ingress().decision());
    }

    @Test
    void aPolicyAppliesOnlyToEndpointsItsSelectorMatches() {
        endpoint("a", "10.0.0.1", null, "app=a", "open");
        endpoint("b", "10.0.0.2", null, "app=b", "open");
        profile("open", List.of(Rule.allow()), List.of(Rule.allow()));
        gnp("deny-to-b", "{selector: app == 'b', ingress: [{action: Deny}]}");
        assertEquals(policyRule("default", "GlobalNetworkPolicy/deny-to-b", 0, Action.DENY),
                ingress(tcp("10.0.0.1", "10.0.0.2", 80)).decision());
        assertEquals(new Hit.ProfileRule("open", 0, Action.ALLOW), ingress(tcp("10.0.0.2", "10.0.0.1", 80)).decision());
    }

    @Test
    void aNetworkPolicyAppliesOnlyInItsNamespace() {
        endpoint("a", "10.0.0.1", "shop", "", "open");
        endpoint("b", "10.0.0.2", "bank", "", "open");
        profile("open", List.of(Rule.allow()), List.of(Rule.allow()));
        np("shop", "deny", "{selector: all(), ingress: [{action: Deny}]}");
        assertEquals(policyRule("default", "NetworkPolicy/shop/deny", 0, Action.DENY),
                ingress(tcp("10.0.0.2", "10.0.0.1", 80)).decision());
        assertEquals(new Hit.ProfileRule("open", 0, Action.ALLOW), ingress(tcp("10.0.0.1", "10.0.0.2", 80)).decision());
    }

    @Test
    void aGlobalPolicysNamespaceSelectorMatchesTheLabelsOfTheEndpointsNamespace() {
        namespaces.put("shop", new Namespace("shop", Map.of("env", "prod")));
        endpoint("a", "10.0.0.1", "shop", "", "open");
        endpoint("b", "10.0.0.2", "bank", "", "open");
        endpoint("c", "10.0.0.3", "dev", "", "open");
        profile("open", List.of(Rule.allow()), List.of(Rule.allow()));
        gnp("prod", "{selector: all(), namespaceSelector: env == 'prod', ingress: [{action: Deny}]}");
        gnp("by-name", "{selector: all(), namespaceSelector: projectcalico.org/name == 'dev', ingress: [{action: Deny}]}");
        assertEquals(policyRule("default", "GlobalNetworkPolicy/prod", 0, Action.DENY), ingress(tcp("10.0.0.2", "10.0.0.1", 80)).decision());
        assertEquals(new Hit.ProfileRule("open", 0, Action.ALLOW), ingress(tcp("10.0.0.1", "10.0.0.2", 80)).decision());
        assertEquals(policyRule("default", "GlobalNetworkPolicy/by-name", 0, Action.DENY), ingress(tcp("10.0.0.1", "10.0.0.3", 80)).decision());
    }

    @Test
    void theApplyingPoliciesAreGroupedByTierInOrder() {
        endpoint("a", "10.0.0.1", null, "");
        tier("late", null, null);
        tier("b-first", 10.0, null);
        tier("a-first", 10.0, null);
        tier("unused", 1.0, null);
        gnp("late.x", "{tier: late, ingress: [{action: Allow}]}");
        gnp("z", "{order: 5, ingress: [{action: Allow}]}");
        gnp("y", "{ingress: [{action: Allow}]}");
        gnp("x", "{ingress: [{action: Allow}]}");
        gnp("w", "{order: 7, ingress: [{action: Allow}]}");
        gnp("b-first.p", "{tier: b-first, ingress: [{action: Allow}]}");
        gnp("a-first.p", "{tier: a-first, ingress: [{action: Allow}]}");
        var applying = model().applying(endpoints.get(0), Direction.INBOUND);
        assertEquals(List.of("a-first", "b-first", "default", "late"), applying.stream().map(t -> t.tier().name()).toList(),
                "by order, ties by name, the default tier at 1,000,000, a tier without order last, a tier without policy left out");
        assertEquals(List.of("z", "w", "x", "y"),
                applying.get(2).policies().stream().map(p -> ((org.jcalico.model.Resource) p).name()).toList(),
                "by order, then policies without order by name");
    }

    @Test
    void namespacedPoliciesAreOrderedByTheirNamespaceAndName() {
        endpoint("a", "10.0.0.1", "shop", "");
        np("shop", "b", "{ingress: [{action: Allow}]}");
        gnp("shop", "{ingress: [{action: Deny}]}");
        np("shop", "a", "{ingress: [{action: Deny}]}");
        assertEquals(List.of("shop", "shop/a", "shop/b"), model().applying(endpoints.get(0), Direction.INBOUND).get(0)
                .policies().stream().map(p -> ((org.jcalico.model.Resource) p).name()).toList());
        assertEquals(policyRule("default", "GlobalNetworkPolicy/shop", 0, Action.DENY), ingress(tcp("10.9.9.9", "10.0.0.1", 1)).decision());
    }

    // --- 2. tiers, policies, rules ----------------------------------------------------------------------------------

    @Test
    void theFirstMatchingRuleDecidesAllowOrDeny() {
        endpoint("a", "10.0.0.1", null, "");
        gnp("p", "{ingress: [{action: Deny, protocol: UDP}, {action: Allow, protocol: TCP}, {action: Deny}]}");
        assertEquals(policyRule("default", "GlobalNetworkPolicy/p", 1, Action.ALLOW), ingress(tcp("10.9.9.9", "10.0.0.1", 80)).decision());
        assertTrue(ingress(tcp("10.9.9.9", "10.0.0.1", 80)).allows());
        assertEquals(policyRule("default", "GlobalNetworkPolicy/p", 0, Action.DENY), ingress(udp("10.9.9.9", "10.0.0.1", 53)).decision());
    }

    @Test
    void rulesOfTheOrderedPoliciesAreTriedPolicyAfterPolicy() {
        endpoint("a", "10.0.0.1", null, "");
        gnp("second", "{order: 20, ingress: [{action: Allow}]}");
        gnp("first", "{order: 10, ingress: [{action: Deny, protocol: UDP}]}");
        assertEquals(policyRule("default", "GlobalNetworkPolicy/second", 0, Action.ALLOW), ingress(tcp("10.9.9.9", "10.0.0.1", 80)).decision());
        assertEquals(policyRule("default", "GlobalNetworkPolicy/first", 0, Action.DENY), ingress(udp("10.9.9.9", "10.0.0.1", 80)).decision());
    }

    @Test
    void passSkipsTheRestOfTheTierToTheNextTierWithAnApplyingPolicy() {
        endpoint("a", "10.0.0.1", null, "");
        tier("platform", 100.0, null);
        tier("between", 200.0, null);
        gnp("platform.pass", "{tier: platform, order: 1, ingress: [{action: Pass, protocol: TCP}]}");
        gnp("platform.deny", "{tier: platform, order: 2, ingress: [{action: Deny}]}");
        gnp("between.other", "{tier: between, selector: app == 'other', ingress: [{action: Deny}]}");
        gnp("allow", "{ingress: [{action: Allow}]}");
        Verdict verdict = ingress(tcp("10.9.9.9", "10.0.0.1", 80));
        assertEquals(policyRule("default", "GlobalNetworkPolicy/allow", 0, Action.ALLOW), verdict.decision());
        assertEquals(List.of(policyRule("platform", "GlobalNetworkPolicy/platform.pass", 0, Action.PASS)), verdict.path());
        assertEquals(policyRule("platform", "GlobalNetworkPolicy/platform.deny", 0, Action.DENY),
                ingress(udp("10.9.9.9", "10.0.0.1", 80)).decision(), "what Pass does not match goes on in the tier");
    }

    @Test
    void logRecordsThePacketAndGoesOnWithTheNextRule() {
        endpoint("a", "10.0.0.1", null, "");
        gnp("p", "{order: 1, ingress: [{action: Log}, {action: Log, protocol: UDP}]}");
        gnp("q", "{order: 2, ingress: [{action: Log, protocol: TCP}, {action: Allow}]}");
        Verdict verdict = ingress(tcp("10.9.9.9", "10.0.0.1", 80));
        assertEquals(List.of(policyRule("default", "GlobalNetworkPolicy/p", 0, Action.LOG),
                policyRule("default", "GlobalNetworkPolicy/q", 0, Action.LOG)), verdict.path());
        assertEquals(policyRule("default", "GlobalNetworkPolicy/q", 1, Action.ALLOW), verdict.decision());
    }

    @Test
    void aTierWhosePoliciesApplyButDoNotDecideDrops() {
        endpoint("a", "10.0.0.1", null, "", "open");
        profile("open", List.of(Rule.allow()), List.of(Rule.allow()));
        tier("platform", 100.0, null);
        gnp("platform.udp", "{tier: platform, ingress: [{action: Allow, protocol: UDP}]}");
        Verdict verdict = ingress(tcp("10.9.9.9", "10.0.0.1", 80));
        assertEquals(new Hit.TierEnd("platform", Action.DENY), verdict.decision());
        assertFalse(verdict.allows());
    }

    @Test
    void aPolicyWithoutRulesForTheDirectionIsolatesTheEndpoint() {
        endpoint("a", "10.0.0.1", null, "", "open");
        profile("open", List.of(Rule.allow()), List.of(Rule.allow()));
        gnp("isolate", "{types: [Ingress, Egress]}");
        assertEquals(new Hit.TierEnd("default", Action.DENY), ingress(tcp("10.9.9.9", "10.0.0.1", 80)).decision());
        assertEquals(new Hit.TierEnd("default", Action.DENY), egress(tcp("10.0.0.1", "10.9.9.9", 80)).decision());
    }

    @Test
    void aTierWithDefaultActionPassHandsOnWhatItsPoliciesDidNotDecide() {
        endpoint("a", "10.0.0.1", null, "");
        tier("platform", 100.0, Action.PASS);
        gnp("platform.udp", "{tier: platform, ingress: [{action: Deny, protocol: UDP}]}");
        gnp("allow", "{ingress: [{action: Allow}]}");
        Verdict verdict = ingress(tcp("10.9.9.9", "10.0.0.1", 80));
        assertEquals(policyRule("default", "GlobalNetworkPolicy/allow", 0, Action.ALLOW), verdict.decision());
        assertEquals(List.of(new Hit.TierEnd("platform", Action.PASS)), verdict.path());
    }

    @Test
    void aPolicyOfATierThatDoesNotExistFailsClosed() {
        endpoint("a", "10.0.0.1", null, "", "open");
        profile("open", List.of(Rule.allow()), List.of(Rule.allow()));
        gnp("ghost.p", "{tier: ghost, ingress: [{action: Allow, protocol: UDP}]}");
        assertEquals(new Hit.TierEnd("ghost", Action.DENY), ingress(tcp("10.9.9.9", "10.0.0.1", 80)).decision());
    }

    // --- 3. profiles --------------------------------------------------------------------------------------------------

    @Test
    void passFromTheLastTierFallsToTheProfiles() {
        endpoint("a", "10.0.0.1", null, "", "open");
        profile("open", List.of(Rule.allow()), List.of(Rule.allow()));
        gnp("pass", "{ingress: [{action: Pass}]}");
        Verdict verdict = ingress(tcp("10.9.9.9", "10.0.0.1", 80));
        assertEquals(new Hit.ProfileRule("open", 0, Action.ALLOW), verdict.decision());
        assertEquals(List.of(policyRule("default", "GlobalNetworkPolicy/pass", 0, Action.PASS)), verdict.path());
    }

    @Test
    void withoutAnyApplyingPolicyTheProfilesDecideInOrder() {
        endpoint("a", "10.0.0.1", null, "", "logger", "missing", "first", "second");
        profile("logger", List.of(rule("{action: Log}")), List.of());
        profile("first", List.of(rule("{action: Deny, protocol: UDP}"), rule("{action: Pass, protocol: TCP}"),
                rule("{action: Allow}")), List.of());
        profile("second", List.of(rule("{action: Allow, protocol: TCP, destination: {ports: [80]}}")), List.of());
        Verdict tcp80 = ingress(tcp("10.9.9.9", "10.0.0.1", 80));
        assertEquals(new Hit.ProfileRule("second", 0, Action.ALLOW), tcp80.decision());
        assertEquals(List.of(new Hit.ProfileRule("logger", 0, Action.LOG), new Hit.MissingProfile("missing"),
                new Hit.ProfileRule("first", 1, Action.PASS)), tcp80.path(), "Pass in a profile ends that profile");
        assertEquals(new Hit.ProfileRule("first", 0, Action.DENY), ingress(udp("10.9.9.9", "10.0.0.1", 80)).decision());
        Verdict tcp81 = ingress(tcp("10.9.9.9", "10.0.0.1", 81));
        assertEquals(new Hit.ProfilesEnd(List.of("logger", "missing", "first", "second")), tcp81.decision());
        assertFalse(tcp81.allows());
    }

    @Test
    void anEndpointWithoutProfilesDropsWhatNoPolicyDecided() {
        endpoint("a", "10.0.0.1", null, "");
        Verdict verdict = ingress(tcp("10.9.9.9", "10.0.0.1", 80));
        assertEquals(new Hit.NoProfile(), verdict.decision());
        assertFalse(verdict.allows());
    }

    // --- rule fields ---------------------------------------------------------------------------------------------------

    /** The first rule's verdict for a packet to endpoint "a" (10.0.0.1, fd00::1 on another endpoint "a6"). */
    private Hit onlyRule(String rule, Packet packet) {
        policies.clear();
        gnp("p", "{ingress: [" + rule + "]}");
        return ingress(packet).decision();
    }

    private boolean matches(String rule, Packet packet) {
        Hit hit = onlyRule(rule, packet);
        return hit instanceof Hit.PolicyRule;
    }

    @Test
    void protocolAndNotProtocol() {
        endpoint("a", "10.0.0.1", null, "");
        assertTrue(matches("{action: Allow, protocol: TCP}", tcp("10.9.9.9", "10.0.0.1", 80)));
        assertFalse(matches("{action: Allow, protocol: UDP}", tcp("10.9.9.9", "10.0.0.1", 80)));
        assertTrue(matches("{action: Allow, protocol: 6}", tcp("10.9.9.9", "10.0.0.1", 80)));
        assertFalse(matches("{action: Allow, notProtocol: TCP}", tcp("10.9.9.9", "10.0.0.1", 80)));
        assertTrue(matches("{action: Allow, notProtocol: UDP}", tcp("10.9.9.9", "10.0.0.1", 80)));
    }

    @Test
    void icmpTypeAndCodeAndTheirNegation() {
        endpoint("a", "10.0.0.1", null, "");
        endpoint("a6", "fd00::1", null, "");
        Packet ping = Packet.echoRequest(IpAddress.parse("10.9.9.9"), IpAddress.parse("10.0.0.1"));
        Packet ping6 = Packet.echoRequest(IpAddress.parse("fd00::9"), IpAddress.parse("fd00::1"));
        assertTrue(matches("{action: Allow, protocol: ICMP, icmp: {type: 8}}", ping));
        assertTrue(matches("{action: Allow, protocol: ICMP, icmp: {type: 8, code: 0}}", ping));
        assertFalse(matches("{action: Allow, protocol: ICMP, icmp: {type: 8, code: 1}}", ping));
        assertFalse(matches("{action: Allow, protocol: ICMP, icmp: {type: 0}}", ping));
        assertFalse(matches("{action: Allow, protocol: ICMP, notICMP: {type: 8}}", ping));
        assertTrue(matches("{action: Allow, protocol: ICMP, notICMP: {type: 8, code: 3}}", ping));
        assertFalse(matches("{action: Allow, protocol: ICMP}", ping6), "ICMP is IPv4 only");
        assertTrue(matches("{action: Allow, protocol: ICMPv6, icmp: {type: 128}}", ping6));
    }

    @Test
    void ipVersionAndNetsOfOneFamilyLimitTheRuleToIt() {
        endpoint("a", "10.0.0.1", null, "");
        endpoint("a6", "fd00::1", null, "");
        assertFalse(matches("{action: Allow, ipVersion: 6}", tcp("10.9.9.9", "10.0.0.1", 80)));
        assertTrue(matches("{action: Allow, ipVersion: 6}", tcp("fd00::9", "fd00::1", 80)));
        assertFalse(matches("{action: Allow, source: {notNets: [10.1.0.0/16]}}", tcp("10.1.2.3", "10.0.0.1", 80)));
        assertFalse(matches("{action: Allow, source: {nets: [fd00::/8]}}", tcp("10.9.9.9", "10.0.0.1", 80)),
                "a side with nets only of the other family never matches");
        assertTrue(matches("{action: Allow, source: {notNets: [fd00::/8]}}", tcp("10.9.9.9", "10.0.0.1", 80)));
    }

    @Test
    void netsAndNotNetsOfBothSides() {
        endpoint("a", "10.0.0.1", null, "");
        Packet packet = tcp("10.1.2.3", "10.0.0.1", 80);
        assertTrue(matches("{action: Allow, source: {nets: [10.2.0.0/16, 10.1.0.0/16]}}", packet));
        assertFalse(matches("{action: Allow, source: {nets: [10.2.0.0/16]}}", packet));
        assertTrue(matches("{action: Allow, source: {nets: [10.0.0.0/8], notNets: [10.2.0.0/16]}}", packet));
        assertFalse(matches("{action: Allow, source: {nets: [10.0.0.0/8], notNets: [10.1.2.0/24]}}", packet));
        assertTrue(matches("{action: Allow, destination: {nets: [10.0.0.1/32]}}", packet));
        assertFalse(matches("{action: Allow, destination: {notNets: [10.0.0.0/24]}}", packet));
    }

    @Test
    void selectorAndNotSelectorMatchTheLabelsAtTheAddress() {
        endpoint("a", "10.0.0.1", null, "");
        endpoint("web", "10.0.0.2", null, "app=web,tier=front");
        endpoint("db", "10.0.0.3", null, "app=db");
        assertTrue(matches("{action: Allow, source: {selector: app == 'web'}}", tcp("10.0.0.2", "10.0.0.1", 80)));
        assertFalse(matches("{action: Allow, source: {selector: app == 'web'}}", tcp("10.0.0.3", "10.0.0.1", 80)));
        assertFalse(matches("{action: Allow, source: {selector: all()}}", tcp("10.9.9.9", "10.0.0.1", 80)),
                "an address of no endpoint and no network set is in no selector's set");
        assertFalse(matches("{action: Allow, source: {notSelector: has(tier)}}", tcp("10.0.0.2", "10.0.0.1", 80)));
        assertTrue(matches("{action: Allow, source: {notSelector: has(tier)}}", tcp("10.0.0.3", "10.0.0.1", 80)));
        assertTrue(matches("{action: Allow, source: {notSelector: has(tier)}}", tcp("10.9.9.9", "10.0.0.1", 80)));
    }

    @Test
    void aNetworkSetsNetsJoinTheSetsOfTheSelectorsThatMatchItsLabels() {
        endpoint("a", "10.0.0.1", "shop", "");
        networkSets.add(new GlobalNetworkSet(new Metadata("partners", null, Map.of("kind", "partner"), null),
                new NetworkSetSpec(List.of(Cidr.parse("198.51.100.0/24")))));
        networkSets.add(new NetworkSet(new Metadata("office", "shop", Map.of("kind", "office"), null),
                new NetworkSetSpec(List.of(Cidr.parse("192.0.2.0/24")))));
        assertTrue(matches("{action: Allow, source: {selector: kind == 'partner'}}", tcp("198.51.100.7", "10.0.0.1", 80)));
        assertFalse(matches("{action: Allow, source: {selector: kind == 'partner'}}", tcp("198.51.101.7", "10.0.0.1", 80)));
        assertFalse(matches("{action: Allow, source: {notSelector: kind == 'partner'}}", tcp("198.51.100.7", "10.0.0.1", 80)));
        policies.clear();
        np("shop", "from-office", "{ingress: [{action: Allow, source: {selector: kind == 'office'}}]}");
        assertEquals(policyRule("default", "NetworkPolicy/shop/from-office", 0, Action.ALLOW),
                ingress(tcp("192.0.2.9", "10.0.0.1", 80)).decision(), "a NetworkSet is in its namespace");
        policies.clear();
        np("shop", "partners", "{ingress: [{action: Allow, source: {selector: kind == 'partner'}}]}");
        assertEquals(new Hit.TierEnd("default", Action.DENY), ingress(tcp("198.51.100.7", "10.0.0.1", 80)).decision(),
                "a global network set is in no namespace");
        policies.clear();
        np("shop", "partners", "{ingress: [{action: Allow, source: {selector: kind == 'partner', namespaceSelector: global()}}]}");
        assertEquals(policyRule("default", "NetworkPolicy/shop/partners", 0, Action.ALLOW),
                ingress(tcp("198.51.100.7", "10.0.0.1", 80)).decision(), "namespaceSelector: global() reaches it");
    }

    @Test
    void aNetworkPolicysSelectorsAreScopedToItsNamespaceButNotItsNotSelector() {
        endpoint("a", "10.0.0.1", "shop", "");
        endpoint("shop-web", "10.0.0.2", "shop", "app=web");
        endpoint("bank-web", "10.0.0.3", "bank", "app=web");
        endpoint("bank-db", "10.0.0.4", "bank", "app=db");
        String selector = "{action: Allow, source: {selector: app == 'web'}}";
        String notSelector = "{action: Allow, source: {notSelector: app == 'web'}}";
        for (var check : List.of(
                new Object[] {selector, "10.0.0.2", true}, new Object[] {selector, "10.0.0.3", false},
                new Object[] {notSelector, "10.0.0.1", true}, new Object[] {notSelector, "10.0.0.2", false},
                new Object[] {notSelector, "10.0.0.4", false}, new Object[] {notSelector, "10.9.9.9", false})) {
            policies.clear();
            np("shop", "p", "{ingress: [" + check[0] + "]}");
            boolean matched = ingress(tcp((String) check[1], "10.0.0.1", 80)).decision() instanceof Hit.PolicyRule;
            assertEquals(check[2], matched, check[0] + " from " + check[1]);
        }
    }

    @Test
    void aNamespaceSelectorSelectsByTheLabelsOfTheNamespaces() {
        namespaces.put("bank", new Namespace("bank", Map.of("env", "prod")));
        endpoint("a", "10.0.0.1", "shop", "");
        endpoint("bank-web", "10.0.0.3", "bank", "app=web");
        endpoint("dev-web", "10.0.0.5", "dev", "app=web");
        assertTrue(matches("{action: Allow, source: {namespaceSelector: env == 'prod'}}", tcp("10.0.0.3", "10.0.0.1", 80)));
        assertFalse(matches("{action: Allow, source: {namespaceSelector: env == 'prod'}}", tcp("10.0.0.5", "10.0.0.1", 80)));
        assertTrue(matches("{action: Allow, source: {namespaceSelector: all(), selector: app == 'web'}}", tcp("10.0.0.5", "10.0.0.1", 80)));
        assertFalse(matches("{action: Allow, source: {namespaceSelector: global()}}", tcp("10.0.0.5", "10.0.0.1", 80)),
                "endpoints are in a namespace");
        policies.clear();
        np("shop", "p", "{ingress: [{action: Allow, source: {namespaceSelector: env == 'prod', selector: app == 'web'}}]}");
        assertTrue(ingress(tcp("10.0.0.3", "10.0.0.1", 80)).allows(), "a namespaceSelector lifts the policy's own scope");
    }

    @Test
    void portsNumbersRangesAndNotPorts() {
        endpoint("a", "10.0.0.1", null, "");
        assertTrue(matches("{action: Allow, protocol: TCP, destination: {ports: [80, '8000:8080']}}", tcp("10.9.9.9", "10.0.0.1", 8042)));
        assertFalse(matches("{action: Allow, protocol: TCP, destination: {ports: [80, '8000:8080']}}", tcp("10.9.9.9", "10.0.0.1", 8081)));
        assertFalse(matches("{action: Allow, protocol: TCP, destination: {notPorts: ['1:1024']}}", tcp("10.9.9.9", "10.0.0.1", 80)));
        assertTrue(matches("{action: Allow, protocol: TCP, destination: {notPorts: ['1:1024']}}", tcp("10.9.9.9", "10.0.0.1", 8080)));
        assertFalse(matches("{action: Allow, protocol: UDP, destination: {ports: [80]}}", tcp("10.9.9.9", "10.0.0.1", 80)));
        Packet fromPort = new Packet(IpAddress.parse("10.9.9.9"), IpAddress.parse("10.0.0.1"), Protocol.parse("tcp"), 5353, 80, null, null);
        assertTrue(matches("{action: Allow, protocol: TCP, source: {ports: [5353]}}", fromPort));
        assertFalse(matches("{action: Allow, protocol: TCP, source: {ports: [5353]}}", tcp("10.9.9.9", "10.0.0.1", 80)),
                "an unknown source port matches no source port test");
        assertFalse(matches("{action: Allow, protocol: TCP, source: {notPorts: [5353]}}", tcp("10.9.9.9", "10.0.0.1", 80)));
    }

    @Test
    void aNamedPortIsThePortTheEndpointAtTheAddressDeclares() {
        endpoint("a", "10.0.0.1", null, "role=db", List.of(EndpointPort.parse("postgres=tcp/5432"), EndpointPort.parse("dns=udp/53")));
        endpoint("b", "10.0.0.2", null, "role=cache", List.of(EndpointPort.parse("postgres=tcp/6000")));
        String named = "{action: Allow, protocol: TCP, destination: {ports: [postgres]}}";
        assertTrue(matches(named, tcp("10.9.9.9", "10.0.0.1", 5432)));
        assertFalse(matches(named, tcp("10.9.9.9", "10.0.0.1", 6000)), "6000 is b's postgres, not a's");
        assertTrue(matches(named, tcp("10.9.9.9", "10.0.0.2", 6000)));
        assertFalse(matches("{action: Allow, protocol: UDP, destination: {ports: [postgres]}}", udp("10.9.9.9", "10.0.0.1", 5432)),
                "declared for tcp only");
        assertFalse(matches("{action: Allow, protocol: TCP, destination: {selector: role == 'cache', ports: [postgres]}}",
                tcp("10.9.9.9", "10.0.0.1", 5432)), "only endpoints the side's selector matches");
        assertTrue(matches("{action: Allow, protocol: TCP, destination: {ports: [1, postgres]}}", tcp("10.9.9.9", "10.0.0.1", 5432)));
    }

    @Test
    void aTagMatchesAddressesOfEndpointsWhoseProfilesCarryIt() {
        endpoint("a", "10.0.0.1", null, "", "db");
        endpoint("w", "10.0.0.2", null, "", "web");
        endpoint("x", "10.0.0.3", null, "", "other");
        profile("db", List.of(rule("{action: Allow, source: {tag: web}}")), List.of(Rule.allow()), "db");
        profile("web", List.of(), List.of(Rule.allow()), "web", "frontend");
        profile("other", List.of(), List.of(Rule.allow()), "other");
        assertEquals(new Hit.ProfileRule("db", 0, Action.ALLOW), ingress(tcp("10.0.0.2", "10.0.0.1", 80)).decision());
        assertEquals(new Hit.ProfilesEnd(List.of("db")), ingress(tcp("10.0.0.3", "10.0.0.1", 80)).decision());
    }

    @Test
    void egressRulesMatchTheSameFieldsOnTheWayOut() {
        endpoint("a", "10.0.0.1", null, "app=a");
        endpoint("db", "10.0.0.3", null, "app=db");
        gnp("out", "{selector: app == 'a', egress: [{action: Allow, protocol: TCP, destination: {selector: app == 'db', ports: [5432]}}]}");
        Explanation allowed = model().explain(tcp("10.0.0.1", "10.0.0.3", 5432));
        assertEquals(policyRule("default", "GlobalNetworkPolicy/out", 0, Action.ALLOW), allowed.egress().decision());
        assertEquals(new Hit.TierEnd("default", Action.DENY), model().explain(tcp("10.0.0.1", "10.0.0.3", 5433)).egress().decision());
    }

    @Test
    void theJsonFormNamesEveryStep() throws Exception {
        endpoint("a", "10.0.0.1", null, "");
        gnp("p", "{ingress: [{action: Log}, {action: Deny}]}");
        String json = JsonMapper.builder().build().writeValueAsString(ingress(tcp("10.9.9.9", "10.0.0.1", 80)).json());
        assertEquals("{\"direction\":\"ingress\",\"endpoint\":\"a\",\"path\":[{\"kind\":\"policy-rule\",\"tier\":\"default\","
                + "\"policy\":\"GlobalNetworkPolicy/p\",\"rule\":0,\"action\":\"Log\"}],\"decision\":{\"kind\":\"policy-rule\","
                + "\"tier\":\"default\",\"policy\":\"GlobalNetworkPolicy/p\",\"rule\":1,\"action\":\"Deny\"},\"allowed\":false}", json);
    }
}
