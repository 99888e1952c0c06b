package org.jcalico.felix.dataplane;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import org.jcalico.felix.calc.HostStateCalculator;
import org.jcalico.felix.calc.Snapshot;
import org.jcalico.kernel.CommandRunner;
import org.jcalico.kernel.Namespaces;
import org.jcalico.model.BgpConfiguration;
import org.jcalico.model.Cidr;
import org.jcalico.model.DataplaneDriver;
import org.jcalico.model.FelixConfiguration;
import org.jcalico.model.IpPool;
import org.jcalico.testing.KernelTests;
import org.jcalico.testing.TestNamespaces;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The nat hook goes with the natOutgoing pool, in the kernel, on both drivers: it comes when a pool masquerades and
 * goes with it (calc renders no nat chain nor hook without one), so that traffic is not masqueraded after the pool
 * stopped asking for it, nor run through NAT for nothing. Namespace "jct-nat-host".
 */
@Tag("kernel")
class NatHookKernelTest {
    private static final String PREFIX = TestNamespaces.named("jct-nat-");
    private CommandRunner host;

    @BeforeAll
    static void removeLeftovers() {
        KernelTests.assumeKernel();
        Namespaces.deleteAll(PREFIX);
    }

    @BeforeEach
    void createHost() {
        host = Namespaces.create(PREFIX + "host");
    }

    @AfterEach
    void deleteHost() {
        Namespaces.delete(PREFIX + "host");
    }

    @ParameterizedTest
    @EnumSource(DataplaneDriver.class)
    void theNatHookComesAndGoesWithTheNatOutgoingPool(DataplaneDriver driver) {
        Dataplane dataplane = new Dataplane(host);
        assertTrue(dataplane.start().failures().isEmpty());
        HostStateCalculator calculator = new HostStateCalculator();
        assertEquals(Map.of(), dataplane.apply(calculator.calculate(snapshot(driver, true))).failures());
        assertTrue(nat(driver).contains(driver == DataplaneDriver.IPTABLES ? "-j MASQUERADE" : "masquerade"), nat(driver));
        assertEquals(Map.of(), dataplane.apply(calculator.calculate(snapshot(driver, false))).failures());
        assertFalse(nat(driver).contains("jc-POSTROUTING") || nat(driver).contains("masquerade")
                || nat(driver).contains("postrouting"), "no NAT once the pool stops masquerading: " + nat(driver));
    }

    private static Snapshot snapshot(DataplaneDriver driver, boolean natOutgoing) {
        return new Snapshot("local", FelixConfiguration.DEFAULTS.withDataplaneDriver(driver), List.of(), Map.of(),
                List.of(new IpPool(Cidr.parse("10.65.0.0/16"), natOutgoing, 26, false)), List.of(), List.of(), List.of(),
                BgpConfiguration.DEFAULTS, List.of(), List.of(), List.of(), Map.of());
    }

    /** What the kernel holds of NAT: the iptables nat table, or jcalico's nftables table. */
    private String nat(DataplaneDriver driver) {
        return driver == DataplaneDriver.IPTABLES ? host.run(List.of("iptables-save", "-t", "nat")).check().stdout()
                : host.run(List.of("nft", "list", "table", "ip", "jcalico")).check().stdout();
    }
}
