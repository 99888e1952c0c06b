package org.jcalico.felix;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.jcalico.lab.Probe;
import org.jcalico.testing.Eventually;
import org.jcalico.testing.ProfileLab;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * The real agent on the nftables driver (lab "jcn1"): SingleHostPolicyIT's connectivity matrix and rule change,
 * then the driver switched at run time to iptables and back while a denied flow is probed all along: it never
 * passes, the allowed flows work on each driver, and only the chosen driver's state is in the kernel.
 */
@Tag("kernel")
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class NftablesPolicyIT {
    private static ProfileLab lab;

    @BeforeAll
    static void up() {
        lab = ProfileLab.up("jcn1", Map.of("w1", "blue", "w2", "blue", "w3", "red"), configuration("nftables"));
    }

    @AfterAll
    static void down() {
        if (lab != null) {
            lab.close();
        }
    }

    private static String configuration(String driver) {
        return "kind: FelixConfiguration\nname: global\nresyncIntervalSeconds: 2\ndataplaneDriver: " + driver + "\n";
    }

    @Test
    @Order(1)
    void withinAProfileAllowedAcrossProfilesRefusedBothFamilies() {
        assertTrue(Eventually.within(10, () -> onlyDriver("nftables")), "the agent programs nftables only");
        lab.assertProfileMatrix();
    }

    @Test
    @Order(2)
    void ruleChangesTakeEffect() {
        lab.assertARuleChangeTakesEffect("w1", "w3");
    }

    @Test
    @Order(3)
    void switchingDriversAtRunTimeNeverLetsADeniedFlowThrough() throws Exception {
        Probe denied = Probe.tcp(lab.ns("w3"), lab.address("w1", 4), 80);
        AtomicBoolean switching = new AtomicBoolean(true);
        AtomicInteger probed = new AtomicInteger();
        AtomicInteger passed = new AtomicInteger();
        Thread prober = Thread.startVirtualThread(() -> {
            while (switching.get()) {
                probed.incrementAndGet();
                if (denied.succeeds()) {
                    passed.incrementAndGet();
                }
            }
        });
        // rounds of both switches until the prober has been at it for a while: a denied probe waits out its timeout
        // (a second), and with commands started from the jar's start-up cache one round can be over in a second
        for (int round = 0; round < 10 && (round == 0 || probed.get() < 3); round++) {
            for (String driver : List.of("iptables", "nftables")) {
                lab.fixture().apply(ProfileLab.HOST, configuration(driver));
                assertTrue(Eventually.within(10, () -> onlyDriver(driver)), "the agent switched to " + driver);
                assertTrue(Eventually.within(5, () -> Probe.tcp(lab.ns("w1"), lab.address("w2", 4), 80).succeeds()),
                        "blue reaches blue on " + driver);
            }
        }
        switching.set(false);
        prober.join();
        assertTrue(probed.get() >= 3, "the denied flow was probed during the switches: " + probed.get());
        assertEquals(0, passed.get(), "red -> blue passed during a switch");
        lab.assertProfileMatrix();
    }

    /**
     * A host whose iptables FORWARD policy is DROP (docker sets it) drops the traffic that jcalico's nftables rules
     * accept, since an accept ends only the table's own chain: `node status` says so, naming the chain, until the
     * policy is ACCEPT again.
     */
    @Test
    @Order(4)
    void aForwardDropOfAnotherTableIsInTheStatus() {
        lab.fixture().apply(ProfileLab.HOST, configuration("nftables"));
        assertTrue(Eventually.within(10, () -> onlyDriver("nftables")), "the agent programs nftables only");
        String host = lab.fixture().layout().host(1);
        Probe allowed = Probe.tcp(lab.ns("w1"), lab.address("w2", 4), 80);
        lab.fixture().in(host, "iptables", "-P", "FORWARD", "DROP").check();
        try {
            assertFalse(allowed.succeeds(), "blue -> blue dropped by iptables' FORWARD policy");
            assertTrue(Eventually.within(10, () -> status().contains("warning: forwarded workload traffic")
                    && status().contains("ip filter FORWARD")), "node status names the chain: " + status());
        } finally {
            lab.fixture().in(host, "iptables", "-P", "FORWARD", "ACCEPT").check();
        }
        assertTrue(Eventually.within(10, () -> !status().contains("ip filter FORWARD")), "the warning gone: " + status());
        assertTrue(allowed.succeeds(), "blue -> blue again");
    }

    private static String status() {
        return lab.fixture().run(ProfileLab.HOST, "node", "status").stdout();
    }

    private static boolean onlyDriver(String driver) {
        return lab.fixture().programsOnly(lab.fixture().layout().host(1), driver);
    }
}
