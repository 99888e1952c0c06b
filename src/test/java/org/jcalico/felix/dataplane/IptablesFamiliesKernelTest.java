package org.jcalico.felix.dataplane;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.jcalico.felix.calc.HostStateCalculator;
import org.jcalico.felix.calc.Snapshot;
import org.jcalico.kernel.CommandRunner;
import org.jcalico.kernel.Namespaces;
import org.jcalico.model.Cidr;
import org.jcalico.model.FelixConfiguration;
import org.jcalico.model.Profile;
import org.jcalico.model.Rule;
import org.jcalico.model.WorkloadEndpoint;
import org.jcalico.testing.KernelTests;
import org.jcalico.testing.TestNamespaces;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * An endpoint without an address of a family is not in that family's table ("jcpc-fam-" namespaces): the dispatch
 * drops its traffic there, and its arrival sends the family nothing. Every transaction that adds a rule makes the
 * kernel validate each rule its table's hooks reach (docs/dataplane.md), so IPv4-only endpoints' IPv6 chains made every
 * IPv6 change dearer, and each IPv4-only arrival cost an IPv6 transaction of its own.
 */
@Tag("kernel")
class IptablesFamiliesKernelTest {
    private static final String PREFIX = TestNamespaces.named("jcpc-fam-");
    private static final Profile OPEN = new Profile("open", List.of(), Map.of(), List.of(Rule.allow()), List.of(Rule.allow()));
    private CommandRunner host;

    @Test
    void anIpv4OnlyEndpointIsNotInTheIpv6TableAndItsArrivalWritesNoIpv6Rule() {
        KernelTests.assumeKernel();
        Namespaces.deleteAll(PREFIX);
        host = Namespaces.create(PREFIX + "host");
        try {
            checkFamilies();
        } finally {
            Namespaces.deleteAll(PREFIX);
        }
    }

    private void checkFamilies() {
        List<WorkloadEndpoint> endpoints = new ArrayList<>(List.of(endpoint(1, true), endpoint(2, false)));
        HostStateCalculator calculator = new HostStateCalculator();
        Dataplane dataplane = new Dataplane(host);
        assertTrue(dataplane.start().failures().isEmpty());
        assertEquals(Map.of(), dataplane.apply(calculator.calculate(snapshot(endpoints))).failures());
        String ipv6 = rules("ip6tables-save");
        assertTrue(ipv6.contains("-A jc-to-wl-dispatch -o jcw1 -g jc-tw-jcw1") && ipv6.contains("-A jc-tw-jcw1 "), ipv6);
        assertFalse(ipv6.contains("jcw2"), "no IPv6 dispatch rule or chain for the IPv4-only endpoint:\n" + ipv6);
        assertTrue(ipv6.lines().anyMatch(line -> line.equals("-A jc-to-wl-dispatch -j DROP")),
                "IPv6 traffic to it is dropped by the dispatch:\n" + ipv6);
        assertTrue(rules("iptables-save").contains("-o jcw2 -g jc-tw-jcw2"), "it is in the IPv4 table");

        endpoints.add(endpoint(3, false));
        assertEquals(Map.of(), dataplane.apply(calculator.calculate(snapshot(endpoints))).failures());
        assertTrue(rules("iptables-save").contains("-o jcw3 -g jc-tw-jcw3"));
        assertEquals(ipv6, rules("ip6tables-save"), "an IPv4-only endpoint's arrival changes nothing in IPv6");
    }

    /** The endpoint, with a link of its name for the interface and route drivers. */
    private WorkloadEndpoint endpoint(int number, boolean dualStack) {
        host.run("ip", "link", "add", "jcw" + number, "type", "veth", "peer", "name", "xw" + number).check();
        return new WorkloadEndpoint("h1", null, "c" + number, "w" + number, "jcw" + number, null,
                List.of(Cidr.parse("10.65.0." + number + "/32")),
                dualStack ? List.of(Cidr.parse("fd65::" + number + "/128")) : List.of(), List.of("open"), null, null,
                Map.of(), null);
    }

    private static Snapshot snapshot(List<WorkloadEndpoint> endpoints) {
        return Snapshot.of("h1", FelixConfiguration.DEFAULTS, List.copyOf(endpoints), Map.of("open", OPEN));
    }

    /** The filter table's rules, without their jc: tags (nor the save's header, counters and footer). */
    private String rules(String save) {
        return String.join("\n", host.run(save, "-t", "filter").check().stdout().lines()
                .filter(line -> line.startsWith("-A ")).map(line -> line.replaceAll("-m comment --comment \"jc:[^\"]*\" ", ""))
                .toList());
    }
}
