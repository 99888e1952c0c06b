package org.jcalico.felix.dataplane;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.jcalico.felix.dataplane.WorkloadHost.blocked;
import static org.jcalico.felix.dataplane.WorkloadHost.pings;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.jcalico.felix.calc.HostStateCalculator;
import org.jcalico.felix.calc.SetKey;
import org.jcalico.felix.calc.Snapshot;
import org.jcalico.felix.hoststate.HostState;
import org.jcalico.felix.hoststate.IpSetSpec;
import org.jcalico.explain.KernelPath;
import org.jcalico.explain.KernelStep;
import org.jcalico.explain.PolicyExplainer;
import org.jcalico.explain.RuleCounters;
import org.jcalico.felix.calc.DataplaneNames;
import org.jcalico.felix.program.Origin;
import org.jcalico.kernel.CommandRunner;
import org.jcalico.kernel.Namespaces;
import org.jcalico.model.Cidr;
import org.jcalico.model.FelixConfiguration;
import org.jcalico.model.Policy;
import org.jcalico.model.Profile;
import org.jcalico.model.ResourceCodec;
import org.jcalico.model.Rule;
import org.jcalico.model.WorkloadEndpoint;
import org.jcalico.model.selector.Selector;
import org.jcalico.testing.KernelTests;
import org.jcalico.model.DataplaneDriver;
import org.jcalico.testing.TestNamespaces;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * Fail closed, isolate, report, for a policy's chain shared by two endpoints ("jctk-fc-" namespaces), on each
 * dataplane driver: when the kernel refuses it, exactly the endpoints the policy applies to fail and drop what the
 * policy would have judged; a third endpoint it does not apply to keeps working. The refusal is provoked as a
 * calculation bug would: the policy's selector set is left out of the desired state, so the kernel refuses the rule
 * that matches it. Then the same host switches to the other driver: the policy holds throughout and the first
 * driver's state is gone. Likewise for a chain whose rules read a set the kernel refused to fill.
 */
@Tag("kernel")
class PolicyChainRefusedKernelTest {
    /** After JCALICO_TEST_NS_PREFIX when set, so that people sharing a machine do not remove each other's namespaces. */
    private static final String PREFIX = TestNamespaces.named("jctk-fc-");
    private static final Profile OPEN = new Profile("open", List.of(), Map.of(), List.of(Rule.allow()), List.of(Rule.allow()));
    private WorkloadHost lab;
    private CommandRunner host;

    @BeforeAll
    static void removeLeftovers() {
        KernelTests.assumeKernel();
        Namespaces.deleteAll(PREFIX);
    }

    @BeforeEach
    void createHost() {
        lab = new WorkloadHost(PREFIX);
        host = lab.host();
    }

    @AfterEach
    void deleteNamespaces() {
        lab.close();
    }

    @Test
    void aRefusedPolicyChainFailsOnlyTheEndpointsItAppliesTo() {
        failsOnlyTheEndpointsItAppliesTo(DataplaneDriver.IPTABLES);
    }

    @Test
    void onNftablesToo() {
        failsOnlyTheEndpointsItAppliesTo(DataplaneDriver.NFTABLES);
    }

    /**
     * A set the kernel refuses to fill whole (full at its maxelem, as a blocklist that outgrew 1,048,576 entries would
     * be) is provoked cheaply: the dataplane makes its sets with room for four members, and the kernel refuses the Deny's
     * set its fifth (room for one, as before session 58, refused the set of the local endpoints' addresses too, which
     * every forwarded packet meets: no rule at all was written). The Deny that reads it must not enforce part of it and let the rest through: the policy's chain
     * drops all traffic, its endpoint fails, the others keep working; once sets are made large enough again, the set
     * (in use) is replaced and the policy applies.
     */
    @Test
    void aDenyBySetTheKernelRefusesLetsNothingThrough() throws InterruptedException {
        List<CommandRunner> workloads = new ArrayList<>();
        List<WorkloadEndpoint> endpoints = new ArrayList<>();
        List<String> apps = List.of("web", "bad", "bad", "good");
        for (int number = 1; number <= apps.size(); number++) {
            workloads.add(lab.workload(number));
            endpoints.add(new WorkloadEndpoint("h1", null, "c" + number, "w" + number, "jcw" + number, null,
                    List.of(Cidr.parse("10.65.0." + number + "/32")), List.of(), List.of("open"), null, null,
                    Map.of("app", apps.get(number - 1)), null));
        }
        // three bad endpoints on another host: the Deny's set (five) outgrows the local endpoints' addresses' (four)
        for (int number = 1; number <= 3; number++) {
            endpoints.add(new WorkloadEndpoint("h2", null, "r" + number, "r" + number, "jcr" + number, null,
                    List.of(Cidr.parse("10.65.1." + number + "/32")), List.of(), List.of("open"), null, null,
                    Map.of("app", "bad"), null));
        }
        List<Policy> policies = List.of((Policy) ResourceCodec.decodeAll("""
                kind: GlobalNetworkPolicy
                metadata: {name: blocklist}
                spec: {selector: app == "web", ingress: [{action: Deny, source: {selector: app == "bad"}}, {action: Allow}]}
                """).get(0));
        HostState desired = new HostStateCalculator().calculate(
                Snapshot.of("h1", FelixConfiguration.DEFAULTS, endpoints, Map.of("open", OPEN))
                        .withPolicy(List.of(), policies, List.of(), Map.of()));
        IpSetSpec denied = desired.ipSets().get(SetKey.of(Selector.parse("app == \"bad\""), 4).name());
        Dataplane dataplane = new Dataplane(host);
        // every set with room for four members: the Deny's has five (the local endpoints' addresses' fits)
        dataplane.limitSetsTo(4);
        assertTrue(dataplane.start().failures().isEmpty());
        DataplaneReport report = dataplane.apply(desired);
        lab.awaitLinksPassPackets();
        assertTrue(report.failures().containsKey(denied.name()), report.failures().toString());
        assertTrue(blocked(workloads.get(1), 1), "the first bad endpoint, in the set, is denied");
        assertTrue(blocked(workloads.get(2), 1), "the second bad endpoint is denied too, the set being refused: "
                + report.failures());
        assertTrue(report.failures().containsKey("jcw1"), "web's endpoint fails: " + report.failures());
        assertTrue(report.failures().values().stream().anyMatch(why -> why.contains("drops all traffic: it reads a set")),
                "the policy's chain is held drop-only, saying why: " + report.failures());
        assertFalse(report.failures().containsKey("jcw4"), "the good endpoint is not the policy's: " + report.failures());
        assertTrue(pings(workloads.get(3), 2), "an endpoint the refused set does not concern keeps working");

        dataplane.limitSetsTo(1 << 20);
        assertTrue(dataplane.resync(desired).failures().isEmpty(), "the whole state applies once the set can hold it");
        assertTrue(pings(workloads.get(3), 1), "good reaches web through the policy");
        assertTrue(blocked(workloads.get(2), 1));
    }
    private void failsOnlyTheEndpointsItAppliesTo(DataplaneDriver driver) {
        FelixConfiguration config = FelixConfiguration.DEFAULTS.withDataplaneDriver(driver);
        Map<String, CommandRunner> workloads = new HashMap<>();
        List<WorkloadEndpoint> endpoints = new ArrayList<>();
        int number = 1;
        for (String app : List.of("web", "web", "db")) {
            String name = "w" + number;
            workloads.put(name, lab.workload(number));
            endpoints.add(new WorkloadEndpoint("h1", null, "c" + number, name, "jc" + name, null,
                    List.of(Cidr.parse("10.65.0." + number + "/32")), List.of(Cidr.parse("fd65::" + number + "/128")),
                    List.of("open"), null, null, Map.of("app", app), null));
            number++;
        }
        List<Policy> policies = List.of((Policy) ResourceCodec.decodeAll("""
                kind: GlobalNetworkPolicy
                metadata: {name: web-in}
                spec: {selector: app == "web", ingress: [{action: Allow, source: {selector: app == "db"}}]}
                """).get(0));
        HostStateCalculator calculator = new HostStateCalculator();
        Snapshot snapshot = Snapshot.of("h1", config, endpoints, Map.of("open", OPEN))
                .withPolicy(List.of(), policies, List.of(), Map.of());
        HostState desired = calculator.calculate(snapshot);
        assertEquals(driver, desired.driver());
        Map<String, IpSetSpec> withoutSets = new HashMap<>(desired.ipSets());
        for (int version : List.of(4, 6)) {
            withoutSets.remove(SetKey.of(Selector.parse("app == \"db\""), version).name());
        }
        HostState broken = new HostState(desired.ipv4(), desired.ipv6(), withoutSets, desired.routes(),
                desired.interfaces(), desired.concerns(), desired.failedClosed(), driver);
        Dataplane dataplane = new Dataplane(host);
        assertTrue(dataplane.start().failures().isEmpty());
        DataplaneReport report = dataplane.apply(broken);
        assertTrue(report.failures().containsKey("jc-gi-web-in"), report.failures().toString());
        assertTrue(report.failures().containsKey("jcw1") && report.failures().containsKey("jcw2"), report.failures().toString());
        assertFalse(report.failures().containsKey("jcw3"), "the db endpoint is not the policy's: " + report.failures());
        assertTrue(blocked(workloads.get("w3"), 1), "the refused policy chain drops (fail closed), never opens");
        assertTrue(blocked(workloads.get("w3"), 2));
        assertTrue(pings(workloads.get("w1"), 3), "web's egress and db's ingress are not the policy's");

        assertTrue(dataplane.apply(desired).failures().isEmpty(), "the whole state applies once the set is there");
        assertTrue(pings(workloads.get("w3"), 1), "db reaches web through the policy");
        assertTrue(blocked(workloads.get("w2"), 1), "web does not reach web: the policy allows only db");
        // policy explain's kernel half on this driver: the rules that counted a probe, told by their origins
        Map<String, Origin> origins = PolicyExplainer.origins(desired, 4);
        String ingress = DataplaneNames.toEndpoint("jcw1");
        RuleCounters before = PolicyExplainer.counters(host, 4, driver);
        assertTrue(pings(workloads.get("w3"), 1));
        RuleCounters afterAllowed = PolicyExplainer.counters(host, 4, driver);
        KernelPath allowed = KernelPath.read(afterAllowed.since(before), ingress, origins);
        assertTrue(allowed.decision() instanceof KernelStep.Modelled && allowed.decision().accepts(), allowed.toString());
        assertTrue(allowed.decision().text().contains("web-in"), allowed.decision().text());
        assertTrue(blocked(workloads.get("w2"), 1));
        KernelPath denied = KernelPath.read(PolicyExplainer.counters(host, 4, driver).since(afterAllowed), ingress, origins);
        assertTrue(denied.decision() instanceof KernelStep.Modelled && !denied.decision().accepts(), denied.toString());

        DataplaneDriver other = driver == DataplaneDriver.IPTABLES ? DataplaneDriver.NFTABLES : DataplaneDriver.IPTABLES;
        HostState switched = calculator.calculate(Snapshot.of("h1", config.withDataplaneDriver(other), endpoints,
                Map.of("open", OPEN)).withPolicy(List.of(), policies, List.of(), Map.of()));
        assertEquals(Map.of(), dataplane.apply(switched).failures());
        assertTrue(pings(workloads.get("w3"), 1), "db reaches web on " + other);
        assertTrue(blocked(workloads.get("w2"), 1), "web does not reach web on " + other);
        assertEquals(other == DataplaneDriver.NFTABLES, nftTable(), "jcalico's nft tables exist only on nftables");
        assertEquals(other == DataplaneDriver.IPTABLES, host.run("iptables-save").check().stdout().contains(":jc-FORWARD"),
                "jcalico's iptables chains exist only on iptables");
        assertEquals(other == DataplaneDriver.IPTABLES, host.run("ipset", "list", "-n").check().stdout().contains("jc-"),
                "jcalico's ipsets exist only on iptables");
        DataplaneReport resync = dataplane.resync(switched);
        assertEquals(Map.of(), resync.failures());
        assertEquals(other == DataplaneDriver.NFTABLES, resync.changedAnything(),
                "a resync reads iptables back and finds nothing to change; nftables' tables are replaced whole");
        assertTrue(pings(workloads.get("w3"), 1), "db reaches web after the resync");
    }

    private boolean nftTable() {
        return host.run("nft", "list", "tables").check().stdout().contains("table ip jcalico");
    }
}
