package org.jcalico.felix;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.jcalico.lab.Probe;
import org.jcalico.model.IpAddress;
import org.jcalico.model.Resource;
import org.jcalico.model.ResourceCodec;
import org.jcalico.model.WorkloadEndpoint;
import org.jcalico.testing.Connectivity;
import org.jcalico.testing.Eventually;
import org.jcalico.testing.LabFixture;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * The real agent on the nftables driver (lab "jcn1"): SingleHostPolicyIT's connectivity matrix and a rule change,
 * then the driver switched at run time to iptables and back while a denied flow is probed all along: it never
 * passes, the allowed flows work on each driver, and only the chosen driver's state is in the kernel.
 */
@Tag("kernel")
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class NftablesPolicyIT {
    private static final String H1 = "h1";
    private static final Map<String, String> PROFILE_OF = new LinkedHashMap<>();
    private static final Map<String, WorkloadEndpoint> ENDPOINTS = new LinkedHashMap<>();
    private static LabFixture fixture;

    @BeforeAll
    static void up() {
        PROFILE_OF.putAll(Map.of("w1", "blue", "w2", "blue", "w3", "red"));
        fixture = LabFixture.up("jcn1", 1, false);
        fixture.apply(H1, "kind: FelixConfiguration\nname: global\nresyncIntervalSeconds: 2\ndataplaneDriver: nftables\n");
        for (String workload : PROFILE_OF.keySet()) {
            String namespace = fixture.lab().workload(workload);
            fixture.jc(H1, "container", "add", "netns:" + namespace, "--profile", PROFILE_OF.get(workload));
            fixture.in(namespace, "mkdir", "-p", "/tmp/jcn1-www").check();
            for (int port : List.of(80, 8080)) {
                fixture.in(namespace, "busybox", "httpd", "-p", String.valueOf(port), "-h", "/tmp/jcn1-www").check();
            }
        }
        for (Resource resource : ResourceCodec.decodeAll(fixture.jc(H1, "container", "list", "-o", "json"))) {
            WorkloadEndpoint endpoint = (WorkloadEndpoint) resource;
            ENDPOINTS.put(endpoint.containerId().substring(endpoint.containerId().lastIndexOf('-') + 1), endpoint);
        }
    }

    @AfterAll
    static void down() {
        if (fixture != null) {
            fixture.close();
        }
    }

    @Test
    @Order(1)
    void withinAProfileAllowedAcrossProfilesRefusedBothFamilies() {
        assertTrue(Eventually.within(10, () -> onlyDriver("nftables")), "the agent programs nftables only");
        assertMatrix();
    }

    @Test
    @Order(2)
    void ruleChangesTakeEffect() {
        Probe blueToRed8080 = Probe.tcp(ns("w1"), address("w3", 4), 8080);
        assertFalse(blueToRed8080.succeeds());
        fixture.jc(H1, "profile", "rule", "add", "red", "inbound", "allow", "--protocol", "tcp", "--src-tag", "blue",
                "--dst-ports", "8080");
        assertTrue(Eventually.within(5, blueToRed8080::succeeds), "tcp 8080 blue -> red allowed after the rule was added");
        assertFalse(Probe.tcp(ns("w1"), address("w3", 4), 80).succeeds(), "port 80 stays refused");
        fixture.jc(H1, "profile", "rule", "remove", "red", "inbound", "2");
        assertTrue(Eventually.within(5, () -> !blueToRed8080.succeeds()), "refused again after the rule was removed");
    }

    @Test
    @Order(3)
    void switchingDriversAtRunTimeNeverLetsADeniedFlowThrough() throws Exception {
        Probe denied = Probe.tcp(ns("w3"), address("w1", 4), 80);
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
        for (String driver : List.of("iptables", "nftables")) {
            fixture.apply(H1, "kind: FelixConfiguration\nname: global\nresyncIntervalSeconds: 2\ndataplaneDriver: " + driver + "\n");
            assertTrue(Eventually.within(10, () -> onlyDriver(driver)), "the agent switched to " + driver);
            assertTrue(Eventually.within(5, () -> Probe.tcp(ns("w1"), address("w2", 4), 80).succeeds()),
                    "blue reaches blue on " + driver);
        }
        switching.set(false);
        prober.join();
        assertTrue(probed.get() >= 2, "the denied flow was probed during the switches");
        assertEquals(0, passed.get(), "red -> blue passed during a switch");
        assertMatrix();
    }

    private static boolean onlyDriver(String driver) {
        String host = fixture.layout().host(1);
        boolean nft = fixture.in(host, "nft", "list", "tables").stdout().contains("jcalico");
        boolean iptables = fixture.in(host, "iptables-save").stdout().contains(":jc-FORWARD");
        return driver.equals("nftables") ? nft && !iptables : iptables && !nft;
    }

    private static void assertMatrix() {
        List<Probe> probes = new ArrayList<>();
        List<Boolean> expected = new ArrayList<>();
        for (String from : ENDPOINTS.keySet()) {
            for (String to : ENDPOINTS.keySet()) {
                if (!from.equals(to)) {
                    boolean allowed = PROFILE_OF.get(from).equals(PROFILE_OF.get(to));
                    for (int version : List.of(4, 6)) {
                        probes.add(Probe.ping(ns(from), address(to, version)));
                        probes.add(Probe.tcp(ns(from), address(to, version), 80));
                        expected.add(allowed);
                        expected.add(allowed);
                    }
                }
            }
        }
        Connectivity.assertMatrix(probes, expected);
    }

    private static String ns(String workload) {
        return fixture.layout().workload(workload);
    }

    private static IpAddress address(String workload, int version) {
        return ENDPOINTS.get(workload).nets(version).get(0).network();
    }
}
