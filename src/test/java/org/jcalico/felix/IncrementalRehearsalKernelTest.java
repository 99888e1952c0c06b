package org.jcalico.felix;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.jcalico.felix.calc.HostStateCalculator;
import org.jcalico.felix.calc.Snapshot;
import org.jcalico.felix.dataplane.Dataplane;
import org.jcalico.felix.dataplane.DataplaneReport;
import org.jcalico.felix.hoststate.HostState;
import org.jcalico.kernel.CommandRunner;
import org.jcalico.kernel.Namespaces;
import org.jcalico.model.Cidr;
import org.jcalico.model.DataplaneDriver;
import org.jcalico.model.FelixConfiguration;
import org.jcalico.model.Policy;
import org.jcalico.model.Profile;
import org.jcalico.model.ResourceCodec;
import org.jcalico.model.WorkloadEndpoint;
import org.jcalico.testing.KernelTests;
import org.jcalico.testing.TestNamespaces;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The rehearsal of the incremental path after the first programming (IncrementalRehearsal) writes nothing and leaves
 * calc and the drivers as the programming left them: the kernel reads the same before and after it, the next real
 * change (an endpoint added and the policy changed) lands as it would have without it (only that change is written),
 * and calc's result for it is a fresh calculator's. The snapshot has a policy, so the rounds rehearse a policy changed
 * too. Both drivers, in a namespace of its own ("jcua-rh-").
 */
@Tag("kernel")
class IncrementalRehearsalKernelTest {
    /** After JCALICO_TEST_NS_PREFIX when set, so that people sharing a machine do not remove each other's namespaces. */
    private static final String PREFIX = TestNamespaces.named("jcua-rh-");
    private CommandRunner host;

    @BeforeAll
    static void removeLeftovers() {
        KernelTests.assumeKernel();
        Namespaces.deleteAll(PREFIX);
    }

    @AfterEach
    void deleteNamespace() {
        Namespaces.deleteAll(PREFIX);
    }

    @ParameterizedTest
    @EnumSource(DataplaneDriver.class)
    void theRehearsalWritesNothingAndTheNextChangeLandsAsWithoutIt(DataplaneDriver driver) {
        host = Namespaces.create(PREFIX + "host");
        for (String link : List.of("jcA", "jcB", "jcC")) {
            host.run("ip", "link", "add", link, "type", "veth", "peer", "name", "p" + link).check();
        }
        FelixConfiguration config = FelixConfiguration.DEFAULTS.withDataplaneDriver(driver);
        Map<String, Profile> profiles = Map.of("web", Profile.securityGroup("web"));
        List<WorkloadEndpoint> endpoints = new ArrayList<>(List.of(endpoint("a", "jcA", 1), endpoint("b", "jcB", 2)));
        Snapshot first = Snapshot.of("host", config, endpoints, profiles).withPolicy(List.of(), List.of(policy(8080)),
                List.of(), Map.of());
        HostStateCalculator calculator = new HostStateCalculator();
        Dataplane dataplane = new Dataplane(host);
        assertTrue(dataplane.start().failures().isEmpty());
        DataplaneReport programmed = dataplane.resync(() -> ColdStart.guard(first), () -> calculator.calculate(first));
        assertTrue(programmed.failures().isEmpty(), programmed.failures().toString());
        String before = kernel(driver);

        assertEquals(IncrementalRehearsal.ROUNDS, IncrementalRehearsal.run(first, calculator::calculate, dataplane, () -> false));
        assertEquals(before, kernel(driver), "the rehearsal wrote nothing");
        assertFalse(before.contains("rehearse"), before);

        endpoints.add(endpoint("c", "jcC", 3));
        Snapshot second = Snapshot.of("host", config, endpoints, profiles).withPolicy(List.of(), List.of(policy(8081)),
                List.of(), Map.of());
        HostState desired = calculator.calculate(second);
        assertEquals(new HostStateCalculator().calculate(second), desired, "calc after the rehearsal is a fresh calculator's");
        DataplaneReport added = dataplane.apply(desired);
        assertTrue(added.failures().isEmpty(), added.failures().toString());
        String after = kernel(driver);
        assertTrue(after.contains("jcC"), after);
        assertTrue(after.contains("8081") && !after.contains("8080"), after);
        assertFalse(after.contains("rehearse") || after.contains("192.0.2.1") || after.contains("2001:db8::1"), after);

        // the kernel holds what a fresh agent programs for the same snapshot (line by line: a chain written later is
        // listed later, and the order of rules within a chain is the drivers' own tests' concern)
        Namespaces.delete(PREFIX + "host");
        host = Namespaces.create(PREFIX + "host");
        for (String link : List.of("jcA", "jcB", "jcC")) {
            host.run("ip", "link", "add", link, "type", "veth", "peer", "name", "p" + link).check();
        }
        Dataplane fresh = new Dataplane(host);
        assertTrue(fresh.start().failures().isEmpty());
        HostStateCalculator freshCalculator = new HostStateCalculator();
        assertTrue(fresh.resync(() -> ColdStart.guard(second), () -> freshCalculator.calculate(second)).failures().isEmpty());
        assertEquals(sorted(kernel(driver)), sorted(after));
    }

    /** A policy of every endpoint with two ingress rules (the rehearsal's change drops the first), to PORT. */
    private static Policy policy(int port) {
        return (Policy) ResourceCodec.decodeAll("""
                kind: GlobalNetworkPolicy
                metadata: {name: guard}
                spec:
                  selector: all()
                  ingress:
                  - {action: Deny, source: {nets: [198.51.100.9/32]}}
                  - {action: Allow, protocol: TCP, destination: {ports: [%d]}}
                """.formatted(port)).getFirst();
    }

    /** The rules and sets of the configured driver, without counters. */
    private String kernel(DataplaneDriver driver) {
        if (driver == DataplaneDriver.NFTABLES) {
            return host.run("nft", "list", "ruleset").check().stdout();
        }
        return strip(host.run("iptables-save").check().stdout()) + "\n" + strip(host.run("ip6tables-save").check().stdout()) + "\n"
                // a set's seed (initval) is the kernel's random choice
                + host.run("ipset", "save").check().stdout().replaceAll(" initval 0x[0-9a-f]+", "") + "\n" + host.run("ip", "route", "show", "proto", "98").check().stdout()
                + host.run("ip", "-6", "route", "show", "proto", "98").check().stdout();
    }

    private static List<String> sorted(String listing) {
        return listing.lines().map(String::strip).sorted().toList();
    }

    /** iptables-save without its comment lines (dates) and counters. */
    private static String strip(String save) {
        return String.join("\n", save.lines().filter(line -> !line.startsWith("#"))
                .map(line -> line.replaceAll("\\[\\d+:\\d+\\]", "")).toList());
    }

    private static WorkloadEndpoint endpoint(String name, String iface, int host) {
        return new WorkloadEndpoint("host", null, "c-" + name, name, iface, null,
                List.of(Cidr.parse("10.65.0." + host + "/32")), List.of(Cidr.parse("fd65::" + host + "/128")),
                List.of("web"), null, null, null, null, null);
    }
}
