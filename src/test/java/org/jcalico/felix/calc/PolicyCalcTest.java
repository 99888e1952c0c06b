package org.jcalico.felix.calc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import org.jcalico.felix.hoststate.Chain;
import org.jcalico.felix.hoststate.HostState;
import org.jcalico.felix.program.Origin;
import org.jcalico.model.Cidr;
import org.jcalico.model.Direction;
import org.jcalico.model.EndpointPort;
import org.jcalico.model.FelixConfiguration;
import org.jcalico.model.LabelledNets;
import org.jcalico.model.Namespace;
import org.jcalico.model.Policy;
import org.jcalico.model.Profile;
import org.jcalico.model.Resource;
import org.jcalico.model.ResourceCodec;
import org.jcalico.model.Tier;
import org.jcalico.model.WorkloadEndpoint;
import org.junit.jupiter.api.Test;

/** Tiers, policies and their sharing, as docs/policy.md and docs/dataplane.md say calc renders them. */
class PolicyCalcTest {
    private static final Profile OPEN = new Profile("open", List.of(), Map.of(),
            List.of(org.jcalico.model.Rule.allow()), List.of(org.jcalico.model.Rule.allow()));

    private static WorkloadEndpoint endpoint(String node, String id, String ip, String namespace, Map<String, String> labels,
                                             EndpointPort... ports) {
        return new WorkloadEndpoint(node, null, "c-" + id, id, "jc" + id, null, List.of(Cidr.parseHostOrNet(ip)),
                List.of(), List.of("open"), null, namespace, labels, List.of(ports));
    }

    private static HostState calculate(List<WorkloadEndpoint> endpoints, String yaml) {
        return new HostStateCalculator().calculate(snapshot(endpoints, yaml));
    }

    static Snapshot snapshot(List<WorkloadEndpoint> endpoints, String yaml) {
        List<Tier> tiers = new ArrayList<>();
        List<Policy> policies = new ArrayList<>();
        List<LabelledNets> sets = new ArrayList<>();
        Map<String, Namespace> namespaces = new TreeMap<>();
        for (Resource resource : yaml.isBlank() ? List.<Resource>of() : ResourceCodec.decodeAll(yaml)) {
            switch (resource) {
                case Tier tier -> tiers.add(tier);
                case Policy policy -> policies.add(policy);
                case LabelledNets set -> sets.add(set);
                case Namespace namespace -> namespaces.put(namespace.name(), namespace);
                default -> throw new IllegalArgumentException(resource.kind());
            }
        }
        // the rules' structure; DropLogCalcTest adds the denied-flow log's rules to it
        return Snapshot.of("h1", FelixConfiguration.DEFAULTS.withDeniedFlowLogsEnabled(false), endpoints, Map.of("open", OPEN))
                .withPolicy(tiers, policies, sets, namespaces);
    }

    private static List<String> rules(HostState state, String chain) {
        return state.ipv4().chains("filter").get(chain).rules();
    }

    /** The chain an endpoint's IPv4 chain leaves its policy to, shared by the endpoints with the same policies. */
    static String shared(HostState state, String endpointChain) {
        return shared(state.ipv4().chains("filter"), endpointChain);
    }

    static String shared(Map<String, Chain> filter, String endpointChain) {
        List<String> rules = filter.get(endpointChain).rules();
        return rules.get(rules.size() - 1).substring("-j ".length());
    }

    /**
     * What a packet meets in an endpoint's chain, with the shared chain it jumps to in its place: the shared chain's
     * connection state and policy (what the endpoint's chain held itself before it shared them).
     */
    static List<String> policyRules(Map<String, Chain> filter, String endpointChain) {
        List<String> rules = new java.util.ArrayList<>(filter.get(endpointChain).rules());
        String shared = shared(filter, endpointChain);
        if (!shared.startsWith("jc-si-") && !shared.startsWith("jc-so-")) {
            return rules;
        }
        rules.remove(rules.size() - 1);
        rules.addAll(filter.get(shared).rules());
        return rules;
    }

    private static List<String> policyRules(HostState state, String endpointChain) {
        return policyRules(state.ipv4().chains("filter"), endpointChain);
    }

    private static final String TIERS = """
            kind: Tier
            metadata: {name: platform}
            spec: {order: 100}
            ---
            kind: Tier
            metadata: {name: last}
            spec: {defaultAction: Pass}
            ---
            kind: GlobalNetworkPolicy
            metadata: {name: z-block}
            spec:
              tier: platform
              order: 10
              selector: app == "web"
              types: [Ingress]
              ingress:
              - {action: Deny, source: {selector: app == "legacy"}}
              - {action: Pass}
            ---
            kind: GlobalNetworkPolicy
            metadata: {name: a-later}
            spec: {tier: platform, order: 20, selector: all(), ingress: [{action: Allow}]}
            ---
            kind: GlobalNetworkPolicy
            metadata: {name: unordered}
            spec: {tier: platform, selector: all(), ingress: [{action: Log}]}
            ---
            kind: NetworkPolicy
            metadata: {name: web, namespace: shop}
            spec: {selector: app == "web", ingress: [{action: Allow, protocol: TCP, destination: {ports: [80]}}]}
            ---
            kind: GlobalNetworkPolicy
            metadata: {name: tail}
            spec: {tier: last, selector: all(), types: [Ingress, Egress]}
            """;

    @Test
    void tiersInOrderPoliciesByOrderThenNameEndOfTierDropUnlessPass() {
        HostState state = calculate(List.of(endpoint("h1", "a1", "10.0.0.1", "shop", Map.of("app", "web"))), TIERS);
        String shared = shared(state, "jc-tw-jca1");
        assertTrue(shared.startsWith("jc-si-"), shared);
        assertEquals(List.of("-j " + shared), rules(state, "jc-tw-jca1"), "the chain endpoints like it share");
        assertEquals(List.of(
                "-m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT",
                "-m conntrack --ctstate INVALID -j DROP",
                "-j MARK --set-xmark 0x0/0x3000000",
                "-m mark --mark 0x0/0x3000000 -j jc-gi-z-block",
                "-m mark --mark 0x0/0x3000000 -j jc-gi-a-later",
                "-m mark --mark 0x0/0x3000000 -j jc-gi-unordered",
                "-m mark --mark 0x1000000/0x1000000 -j RETURN",
                "-m mark --mark 0x0/0x2000000 -j DROP",
                "-j MARK --set-xmark 0x0/0x2000000",
                "-m mark --mark 0x0/0x3000000 -j jc-ni-shop.web",
                "-m mark --mark 0x1000000/0x1000000 -j RETURN",
                "-m mark --mark 0x0/0x2000000 -j DROP",
                "-j MARK --set-xmark 0x0/0x2000000",
                "-m mark --mark 0x0/0x3000000 -j jc-gi-tail",
                "-m mark --mark 0x1000000/0x1000000 -j RETURN",
                "-j MARK --set-xmark 0x0/0x2000000",
                "-j jc-pi-open",
                "-m mark --mark 0x1000000/0x1000000 -j RETURN",
                "-j DROP"), rules(state, shared), "the connection state, then platform, then default, then last (no"
                + " order), then profiles");
        Chain inbound = state.ipv4().chains("filter").get(shared);
        assertEquals(new Origin.EndOfTier("platform", "GlobalNetworkPolicy/unordered", null, Direction.INBOUND),
                inbound.origins().get(7));
        assertEquals(new Origin.PolicyEntry("GlobalNetworkPolicy/z-block", "platform", Direction.INBOUND), inbound.origins().get(3));
        assertEquals(new Origin.EndpointDrop(null, Direction.INBOUND), inbound.origins().get(18));
        String legacy = SetKey.of(org.jcalico.model.selector.Selector.parse("app == \"legacy\""), 4).name();
        assertEquals(List.of(
                "-m set --match-set " + legacy + " src -j DROP",
                "-j MARK --set-xmark 0x2000000/0x2000000",
                "-m mark --mark 0x2000000/0x2000000 -j RETURN"), rules(state, "jc-gi-z-block"));
        assertEquals(new Origin.PolicyRule("GlobalNetworkPolicy/z-block", "platform", Direction.INBOUND, 1,
                org.jcalico.model.Action.PASS), state.ipv4().chains("filter").get("jc-gi-z-block").origins().get(2));
        assertTrue(rules(state, "jc-gi-unordered").get(0).startsWith("-j NFLOG --nflog-group 1 --nflog-prefix jc-gi-unordered:0"));
        assertEquals(List.of("-p tcp -m multiport --destination-ports 80 -j MARK --set-xmark 0x1000000/0x1000000",
                "-m mark --mark 0x1000000/0x1000000 -j RETURN"), rules(state, "jc-ni-shop.web"));
        assertEquals(List.of(
                "-m conntrack --ctstate RELATED,ESTABLISHED -j RETURN",
                "-m conntrack --ctstate INVALID -j DROP",
                "-j MARK --set-xmark 0x0/0x3000000",
                "-m mark --mark 0x0/0x3000000 -j jc-go-tail",
                "-m mark --mark 0x1000000/0x1000000 -j RETURN",
                "-j MARK --set-xmark 0x0/0x2000000",
                "-j jc-po-open",
                "-m mark --mark 0x1000000/0x1000000 -j RETURN",
                "-j DROP"), policyRules(state, "jc-fw-jca1"), "egress: only the tail policy governs it");
    }

    @Test
    void namespaceScopingAndTypesDecideWhichPoliciesApply() {
        HostState state = calculate(List.of(
                endpoint("h1", "a1", "10.0.0.1", "shop", Map.of("app", "web")),
                endpoint("h1", "a2", "10.0.0.2", "other", Map.of("app", "web")),
                endpoint("h1", "a3", "10.0.0.3", "other", Map.of("app", "db"))), """
                kind: Namespace
                name: other
                labels: {team: b}
                ---
                kind: NetworkPolicy
                metadata: {name: web, namespace: shop}
                spec: {selector: app == "web", ingress: [{action: Allow}]}
                ---
                kind: GlobalNetworkPolicy
                metadata: {name: team-b}
                spec: {namespaceSelector: team == "b", selector: all(), types: [Egress], egress: [{action: Allow}]}
                """);
        assertTrue(policyRules(state, "jc-tw-jca1").contains("-m mark --mark 0x0/0x3000000 -j jc-ni-shop.web"));
        assertFalse(String.join("\n", policyRules(state, "jc-tw-jca2")).contains("jc-ni-shop.web"), "another namespace");
        assertFalse(String.join("\n", policyRules(state, "jc-fw-jca1")).contains("jc-go-team-b"), "namespace not labelled b");
        assertTrue(policyRules(state, "jc-fw-jca2").contains("-m mark --mark 0x0/0x3000000 -j jc-go-team-b"));
        assertTrue(policyRules(state, "jc-fw-jca3").contains("-m mark --mark 0x0/0x3000000 -j jc-go-team-b"));
        assertFalse(String.join("\n", policyRules(state, "jc-tw-jca3")).contains("jc-go-team-b"), "types: Egress only");
        assertFalse(state.ipv4().chains("filter").containsKey("jc-gi-team-b"));
    }

    @Test
    void twoEndpointsShareOnePolicyChainAndItsRefusalConcernsBoth() {
        String yaml = """
                kind: GlobalNetworkPolicy
                metadata: {name: shared}
                spec: {selector: app == "web", ingress: [{action: Allow, source: {selector: app == "lb"}}]}
                """;
        HostState state = calculate(List.of(
                endpoint("h1", "a1", "10.0.0.1", "default", Map.of("app", "web")),
                endpoint("h1", "a2", "10.0.0.2", "default", Map.of("app", "web")),
                endpoint("h1", "a3", "10.0.0.3", "default", Map.of("app", "db")),
                endpoint("h2", "b1", "10.0.0.65", "default", Map.of("app", "lb"))), yaml);
        long policyChains = state.ipv4().chains("filter").keySet().stream().filter(name -> name.startsWith("jc-g")).count();
        assertEquals(1, policyChains, "one chain for the policy's one direction");
        assertEquals(Set.of("jca1", "jca2"), state.concerns().get("jc-gi-shared"));
        String lb = SetKey.of(org.jcalico.model.selector.Selector.parse("app == \"lb\""), 4).name();
        assertEquals(Set.of("jca1", "jca2"), state.concerns().get(lb));
        assertEquals(Set.of("10.0.0.65/32"), state.ipSets().get(lb).members(), "remote endpoints are members");
    }

    /**
     * A policy's record the agent cannot read and never read: the endpoints it could apply to (its key's namespace,
     * or every one for a global policy) are dropped both ways and fail naming the key; later passes keep them so until
     * it goes, and then they are open again.
     */
    @Test
    void anUnreadablePolicyFailsClosedTheEndpointsItCouldApplyTo() {
        List<WorkloadEndpoint> endpoints = List.of(endpoint("h1", "a1", "10.0.0.1", "shop", Map.of()),
                endpoint("h1", "a2", "10.0.0.2", "default", Map.of()));
        Snapshot open = snapshot(endpoints, "");
        UnreadableRecord namespaced = UnreadableRecord.policy("/jcalico/v1/networkpolicies/shop/guard", "shop",
                "datastore record /jcalico/v1/networkpolicies/shop/guard cannot be read: no");
        HostStateCalculator calculator = new HostStateCalculator();
        calculator.calculate(open);
        HostState state = calculator.calculate(withUnreadable(open, List.of(namespaced)));
        assertEquals(List.of("-m conntrack --ctstate RELATED,ESTABLISHED -m conntrack --ctdir REPLY -j ACCEPT", "-j DROP"),
                rules(state, "jc-tw-jca1"));
        assertTrue(state.failedClosed().get("a1").startsWith(namespaced.problem() + ": a policy it may hold could apply to"
                + " this endpoint, so all inbound traffic"), state.failedClosed().toString());
        assertTrue(state.failedClosed().get("a1").contains("all outbound traffic"), state.failedClosed().toString());
        assertFalse(state.failedClosed().containsKey("a2"), "another namespace's endpoint");

        UnreadableRecord global = UnreadableRecord.policy("/jcalico/v1/globalnetworkpolicies/g", null, "g cannot be read");
        state = calculator.calculate(withUnreadable(open, List.of(global)));
        assertEquals(Set.of("a1", "a2"), state.failedClosed().keySet());
        assertTrue(calculator.calculate(open).failedClosed().isEmpty(), "the record gone, both open again");
    }

    /**
     * A namespace, network set, endpoint or profile record the agent never read: a Deny (or Pass) that selects peers,
     * or an Allow that excludes them by notSelector, could match it and so matches less than written. Every local
     * endpoint with such a rule in a direction is dropped in that direction, and an unread namespace's own endpoints
     * both ways (their labels are unknown); an Allow that selects peers only allows less, and stays.
     */
    @Test
    void anUnreadablePeerFailsClosedTheRulesItCouldLoosen() {
        List<WorkloadEndpoint> endpoints = List.of(endpoint("h1", "a1", "10.0.0.1", "shop", Map.of("app", "web")),
                endpoint("h1", "a2", "10.0.0.2", "default", Map.of("app", "db")),
                endpoint("h1", "a3", "10.0.0.3", "default", Map.of("app", "lb")),
                endpoint("h2", "b1", "10.0.0.65", "shop", Map.of("quarantine", "yes")));
        Snapshot open = snapshot(endpoints, """
                kind: GlobalNetworkPolicy
                metadata: {name: quarantine}
                spec:
                  selector: app == "web"
                  types: [Ingress]
                  ingress: [{action: Deny, source: {selector: quarantine == "yes"}}, {action: Allow}]
                ---
                kind: GlobalNetworkPolicy
                metadata: {name: db}
                spec:
                  selector: app == "db"
                  types: [Egress]
                  egress: [{action: Allow, destination: {notSelector: quarantine == "yes"}}]
                ---
                kind: GlobalNetworkPolicy
                metadata: {name: lb}
                spec:
                  selector: app == "lb"
                  types: [Ingress]
                  ingress: [{action: Allow, source: {selector: app == "web"}}]
                """);
        HostStateCalculator calculator = new HostStateCalculator();
        assertEquals(Map.of(), calculator.calculate(open).failedClosed());
        for (String key : List.of("/jcalico/v1/workloadendpoints/h2/b2", "/jcalico/v1/globalnetworksets/bad",
                "/jcalico/v1/networksets/shop/bad", "/jcalico/v1/profiles/bad")) {
            UnreadableRecord peer = new UnreadableRecord(key, UnreadableRecord.Reach.PEERS, null, key + " cannot be read");
            HostState state = calculator.calculate(withUnreadable(open, List.of(peer)));
            assertEquals(Set.of("a1", "a2"), state.failedClosed().keySet(), key + ": " + state.failedClosed());
            assertTrue(state.failedClosed().get("a1").startsWith(key + " cannot be read: it may describe a peer that a rule"
                    + " of this endpoint's inbound policy"), state.failedClosed().get("a1"));
            assertEquals(List.of("-m conntrack --ctstate RELATED,ESTABLISHED -m conntrack --ctdir REPLY -j ACCEPT",
                    "-j DROP"), rules(state, "jc-tw-jca1"), "a1's ingress, which the Deny guards");
            assertFalse(state.failedClosed().get("a1").contains("outbound"), "a1's egress has no such rule: as written");
            assertEquals(List.of("-m conntrack --ctstate RELATED,ESTABLISHED -m conntrack --ctdir REPLY -j RETURN",
                    "-j DROP"), rules(state, "jc-fw-jca2"), "a2's egress, whose Allow excludes by notSelector");
        }
        UnreadableRecord namespace = new UnreadableRecord("/jcalico/v1/namespaces/default", UnreadableRecord.Reach.NAMESPACE,
                "default", "default cannot be read");
        HostState state = calculator.calculate(withUnreadable(open, List.of(namespace)));
        assertEquals(Set.of("a1", "a2", "a3"), state.failedClosed().keySet(), "its own endpoints, and a1 for its Deny");
        assertEquals(List.of("-m conntrack --ctstate RELATED,ESTABLISHED -m conntrack --ctdir REPLY -j ACCEPT", "-j DROP"),
                rules(state, "jc-tw-jca3"), "a3's labels are unknown: dropped even where its Allow only allows less");
        assertEquals(Map.of(), calculator.calculate(open).failedClosed(), "the records gone, all open again");
    }

    /**
     * An address two records claim (docs/policy.md, "Session 51 (t-claim)"): in no set that labels fill, a named
     * port's included, whichever claimant's labels select it; a Deny by selector, which then matches less, fails its
     * endpoint closed; an Allow by selector, which only allows less, stays.
     */
    @Test
    void anAddressClaimedTwiceIsInNoSetAndFailsClosedTheRulesItCouldLoosen() {
        List<WorkloadEndpoint> endpoints = List.of(endpoint("h1", "a1", "10.0.0.1", "default", Map.of("app", "web")),
                endpoint("h1", "a2", "10.0.0.2", "default", Map.of("app", "db"), EndpointPort.parse("pg=tcp/5432")),
                endpoint("h2", "b1", "10.0.0.65", "default", Map.of("role", "web")),
                endpoint("h2", "b2", "10.0.0.2", "default", Map.of("role", "web"), EndpointPort.parse("pg=tcp/6432")));
        Snapshot claimed = snapshot(endpoints, """
                kind: GlobalNetworkPolicy
                metadata: {name: quarantine}
                spec:
                  selector: app == "web"
                  types: [Ingress]
                  ingress: [{action: Deny, source: {selector: role == "web"}}, {action: Allow}]
                ---
                kind: GlobalNetworkPolicy
                metadata: {name: db}
                spec:
                  selector: app == "db"
                  types: [Ingress, Egress]
                  ingress: [{action: Allow, source: {selector: role == "web"}}]
                  egress: [{action: Allow, protocol: TCP, destination: {selector: has(role), ports: [pg]}}]
                """);
        String web = SetKey.of(org.jcalico.model.selector.Selector.parse("role == \"web\""), 4).name();
        String pg = SetKey.namedPort(org.jcalico.model.selector.Selector.parse("has(role)"),
                org.jcalico.model.Protocol.parse("tcp"), "pg", 4).name();
        HostStateCalculator calculator = new HostStateCalculator();
        HostState open = calculator.calculate(claimed);
        assertEquals(Set.of("10.0.0.65/32", "10.0.0.2/32"), open.ipSets().get(web).members(), "as the records say");
        assertEquals(Set.of("10.0.0.2,tcp:6432"), open.ipSets().get(pg).members());

        UnreadableRecord claim = UnreadableRecord.claimed("/jcalico/v1/workloadendpoints/h1/a2",
                List.of(Cidr.parse("10.0.0.2/32")), "address 10.0.0.2/32 claimed by both a2 and b2");
        HostState state = calculator.calculate(withUnreadable(claimed, List.of(claim)));
        assertEquals(Set.of("10.0.0.65/32"), state.ipSets().get(web).members(), "whose packets they are is unknown");
        assertEquals(Set.of(), state.ipSets().get(pg).members());
        assertEquals(Set.of("a1"), state.failedClosed().keySet(), "a1's Deny by role == web would miss it");
        assertTrue(state.failedClosed().get("a1").startsWith("address 10.0.0.2/32 claimed by both a2 and b2: whose packets"
                + " come from it is unknown"), state.failedClosed().get("a1"));
        assertEquals(List.of("-m conntrack --ctstate RELATED,ESTABLISHED -m conntrack --ctdir REPLY -j ACCEPT",
                "-j DROP"), rules(state, "jc-tw-jca1"));
        assertEquals(open.ipSets().get(web).members(), calculator.calculate(claimed).ipSets().get(web).members(),
                "the claim gone, the set as the records say again");
        assertEquals(Map.of(), calculator.calculate(claimed).failedClosed());
    }

    private static Snapshot withUnreadable(Snapshot snapshot, List<UnreadableRecord> unreadable) {
        return new Snapshot(snapshot.node(), snapshot.config(), snapshot.endpoints(), snapshot.profiles(), snapshot.pools(),
                snapshot.localBlocks(), snapshot.nodes(), snapshot.peers(), snapshot.bgp(), snapshot.tiers(),
                snapshot.policies(), snapshot.networkSets(), snapshot.namespaces(), null, unreadable);
    }

    @Test
    void aPolicyInATierThatDoesNotExistFailsItsEndpointsClosed() {
        HostState state = calculate(List.of(
                endpoint("h1", "a1", "10.0.0.1", "default", Map.of("app", "web")),
                endpoint("h1", "a2", "10.0.0.2", "default", Map.of("app", "db"))), """
                kind: GlobalNetworkPolicy
                metadata: {name: ghost.p}
                spec: {tier: ghost, selector: app == "web", ingress: [{action: Allow}]}
                """);
        // every connection into a1 is dropped, established ones too; only the answers to its own connections pass
        assertEquals(List.of("-m conntrack --ctstate RELATED,ESTABLISHED -m conntrack --ctdir REPLY -j ACCEPT", "-j DROP"),
                rules(state, "jc-tw-jca1"));
        assertTrue(state.failedClosed().get("a1").contains("tier 'ghost', which does not exist"), state.failedClosed().toString());
        assertFalse(state.failedClosed().containsKey("a2"));
        assertFalse(state.ipv4().chains("filter").containsKey("jc-gi-ghost.p"), "the policy is not applied");
        assertTrue(policyRules(state, "jc-fw-jca1").contains("-j jc-po-open"), "the policy governs ingress only");
    }

    @Test
    void networkPolicyRuleSelectorsAreScopedAndNamedPortsBecomeSets() {
        String yaml = """
                kind: NetworkPolicy
                metadata: {name: db, namespace: shop}
                spec:
                  selector: role == "db"
                  ingress:
                  - action: Allow
                    protocol: TCP
                    source: {selector: role == "frontend"}
                    destination: {ports: [5432, postgres]}
                  - action: Allow
                    source: {namespaceSelector: global(), nets: [10.9.0.0/16, 10.8.0.0/16]}
                """;
        HostState state = calculate(List.of(
                endpoint("h1", "a1", "10.0.0.1", "shop", Map.of("role", "db"), EndpointPort.parse("postgres=tcp/6432")),
                endpoint("h2", "b1", "10.0.0.65", "shop", Map.of("role", "frontend")),
                endpoint("h2", "b2", "10.0.0.66", "other", Map.of("role", "frontend"))), yaml);
        var scoped = org.jcalico.model.selector.Selector.parse(
                "projectcalico.org/namespace == \"shop\" && role == \"frontend\"");
        String frontend = SetKey.of(scoped, 4).name();
        String postgres = SetKey.namedPort(org.jcalico.model.selector.Selector.all(),
                org.jcalico.model.Protocol.parse("tcp"), "postgres", 4).name();
        List<String> chain = rules(state, "jc-ni-shop.db");
        assertEquals("-p tcp -m set --match-set " + frontend + " src -m multiport --destination-ports 5432"
                + " -j MARK --set-xmark 0x1000000/0x1000000", chain.get(0));
        assertEquals("-p tcp -m set --match-set " + frontend + " src -m set --match-set " + postgres
                + " dst,dst -j MARK --set-xmark 0x1000000/0x1000000", chain.get(1));
        assertEquals(Set.of("10.0.0.65/32"), state.ipSets().get(frontend).members(), "only shop's frontend");
        assertEquals(Set.of("10.0.0.1,tcp:6432"), state.ipSets().get(postgres).members());
        String nets = DataplaneNames.netSet(List.of(Cidr.parse("10.9.0.0/16"), Cidr.parse("10.8.0.0/16")), 4);
        String global = SetKey.of(org.jcalico.model.selector.Selector.parse("global()")
                .overNamespaceLabels("pcns."), 4).name();
        assertEquals("-m set --match-set " + nets + " src -m set --match-set " + global
                + " src -j MARK --set-xmark 0x1000000/0x1000000", chain.get(3));
        assertEquals(Set.of("10.9.0.0/16", "10.8.0.0/16"), state.ipSets().get(nets).members());
    }

    @Test
    void netsAndNotNetsOnOneSideUseOneAddressMatchAndAWholeFamilyExcludedLeavesTheRuleOut() {
        // dual-stack: an endpoint without an IPv6 address has no IPv6 chains, nor its policies
        WorkloadEndpoint dualStack = new WorkloadEndpoint("h1", null, "c-a1", "a1", "jca1", null,
                List.of(Cidr.parseHostOrNet("10.0.0.1")), List.of(Cidr.parseHostOrNet("fd00::1")), List.of("open"), null,
                "default", Map.of(), List.of());
        HostState state = calculate(List.of(dualStack), """
                kind: GlobalNetworkPolicy
                metadata: {name: nets}
                spec:
                  selector: all()
                  ingress:
                  - {action: Deny, source: {nets: [10.1.0.0/16], notNets: [10.1.2.0/24]}}
                  - {action: Deny, source: {notNets: [0.0.0.0/0, fd00::/8]}}
                """);
        String notNets = DataplaneNames.netSet(List.of(Cidr.parse("10.1.2.0/24")), 4);
        assertEquals(List.of("-s 10.1.0.0/16 -m set ! --match-set " + notNets + " src -j DROP"),
                rules(state, "jc-gi-nets"), "one -s per rule (the kernel refuses two); no IPv4 address is outside 0/0");
        assertEquals(List.of("! -s fd00::/8 -j DROP"), state.ipv6().chains("filter").get("jc-gi-nets").rules());
    }

    @Test
    void anotherConfigurationKeepsThePolicyModel() {
        Snapshot snapshot = snapshot(List.of(endpoint("h1", "a1", "10.0.0.1", "shop", Map.of("app", "web"))), TIERS);
        var refused = new FelixConfiguration("global", 10, FelixConfiguration.EndpointToHostAction.DROP, null, "info");
        Snapshot kept = snapshot.withConfig(refused);
        assertEquals(snapshot.policies(), kept.policies(), "the agent's refused-prefix path must not drop policies");
        assertEquals(snapshot.tiers(), kept.tiers());
        assertTrue(policyRules(new HostStateCalculator().calculate(kept), "jc-tw-jca1").contains(
                "-m mark --mark 0x0/0x3000000 -j jc-gi-z-block"));
    }

    @Test
    void aRememberingCalculatorMatchesAFreshOneAcrossPolicyChanges() {
        HostStateCalculator remembering = new HostStateCalculator();
        List<WorkloadEndpoint> endpoints = List.of(
                endpoint("h1", "a1", "10.0.0.1", "shop", Map.of("app", "web")),
                endpoint("h1", "a2", "10.0.0.2", "other", Map.of("app", "legacy")));
        String relabelled = TIERS + "---\nkind: Namespace\nname: shop\nlabels: {team: b}\n";
        for (String yaml : List.of("", TIERS, TIERS.replace("order: 10", "order: 30"), relabelled, TIERS, "")) {
            Snapshot snapshot = snapshot(endpoints, yaml);
            assertEquals(new HostStateCalculator().calculate(snapshot), remembering.calculate(snapshot));
            // the same policy objects with one endpoint relabelled: the others' policy is remembered
            List<WorkloadEndpoint> changed = List.of(endpoints.get(0).withLabels(Map.of("app", "legacy")), endpoints.get(1));
            Snapshot labelled = Snapshot.of("h1", FelixConfiguration.DEFAULTS, changed, Map.of("open", OPEN))
                    .withPolicy(snapshot.tiers(), snapshot.policies(), snapshot.networkSets(), snapshot.namespaces());
            assertEquals(new HostStateCalculator().calculate(labelled), remembering.calculate(labelled));
            assertEquals(new HostStateCalculator().calculate(snapshot), remembering.calculate(snapshot));
        }
    }
}
