package org.jcalico.checksystem;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.jcalico.checksystem.SystemCheck.Result;
import org.junit.jupiter.api.Test;

class SystemChecksTest {
    /** A host where everything is as jcalico wants it, for each test to spoil one thing. */
    private static SystemFacts good(Map<String, String> kernel, Map<String, String> tools, Map<String, String> forwarding,
                                    Map<String, String> chains, List<SystemFacts.Listener> port179, boolean bgp) {
        Map<String, String> k = new HashMap<>();
        SystemChecks.FEATURES.forEach(feature -> k.put(feature.name(), ""));
        k.putAll(kernel);
        Map<String, String> t = new HashMap<>();
        for (String tool : List.of("ip", "iptables", "ip6tables", "iptables-restore", "ip6tables-restore", "ipset", "birdc", "conntrack")) {
            t.put(tool, tool + " v1");
        }
        t.put("bird", "BIRD version 2.0.12");
        t.putAll(tools);
        Map<String, String> f = new HashMap<>(Map.of(SystemChecks.IPV4_FORWARDING, "1", SystemChecks.IPV6_FORWARDING, "1"));
        f.putAll(forwarding);
        Map<String, String> c = new HashMap<>(Map.of("iptables", "-P FORWARD ACCEPT\n", "ip6tables", "-P FORWARD ACCEPT\n"));
        c.putAll(chains);
        return new SystemFacts(true, k, t, f, c, port179, 100L, bgp, List.of());
    }

    private static SystemFacts good() {
        return good(Map.of(), Map.of(), Map.of(), Map.of(), List.of(), true);
    }

    private static Result result(SystemFacts facts, String name) {
        return SystemChecks.evaluate(facts).stream().filter(check -> check.name().equals(name)).findFirst().orElseThrow().result();
    }

    @Test
    void aGoodHostPassesEveryCheck() {
        List<SystemCheck> checks = SystemChecks.evaluate(good());
        assertTrue(checks.stream().allMatch(check -> check.result() == Result.OK), checks.toString());
        assertFalse(SystemChecks.blocked(checks));
    }

    @Test
    void aRefusedRequiredFeatureBlocksAndAMissingOverlayOnlyWarns() {
        SystemFacts facts = good(Map.of("ipset hash:net", "ipset v7.17: Kernel error received: set type not supported",
                "VXLAN", "Error: Unknown device type."), Map.of(), Map.of(), Map.of(), List.of(), true);
        List<SystemCheck> checks = SystemChecks.evaluate(facts);
        SystemCheck net = checks.stream().filter(check -> check.name().equals("kernel ipset hash:net")).findFirst().orElseThrow();
        assertEquals(Result.FAIL, net.result());
        assertTrue(net.fix().contains("modprobe ip_set_hash_net"), net.fix());
        assertEquals(Result.WARN, result(facts, "kernel VXLAN"));
        assertTrue(SystemChecks.blocked(checks));
    }

    /**
     * iptables-legacy on a kernel without iptable_security (the message is legacy's own, from libiptc): the iptables
     * driver's every pass would be refused, so it blocks, naming the module and the nftables driver, in each family.
     */
    @Test
    void aKernelWithoutTheSecurityTableBlocksWithTheModuleToLoad() {
        for (String family : List.of("iptables", "ip6tables")) {
            SystemFacts facts = good(Map.of(family + " security table", family + " v1.8.9 (legacy): can't initialize "
                    + family + " table `security': Table does not exist (do you need to insmod?)"), Map.of(), Map.of(),
                    Map.of(), List.of(), true);
            List<SystemCheck> checks = SystemChecks.evaluate(facts);
            SystemCheck security = checks.stream().filter(check -> check.name().equals("kernel " + family + " security table"))
                    .findFirst().orElseThrow();
            assertEquals(Result.FAIL, security.result());
            assertTrue(security.fix().contains("modprobe " + family.replace("tables", "table") + "_security"), security.fix());
            assertTrue(security.detail().contains("Table does not exist") && security.detail().contains("dataplaneDriver: nftables"),
                    security.detail());
            assertTrue(SystemChecks.blocked(checks));
        }
    }

    @Test
    void missingToolsBlockButBgpToolsOnlyWhenTheNodeRunsBgp() {
        Map<String, String> noIpset = new HashMap<>();
        noIpset.put("ipset", null);
        assertEquals(Result.FAIL, result(good(Map.of(), noIpset, Map.of(), Map.of(), List.of(), true), "tool ipset"));
        Map<String, String> noBird = new HashMap<>();
        noBird.put("bird", null);
        assertEquals(Result.FAIL, result(good(Map.of(), noBird, Map.of(), Map.of(), List.of(), true), "tool bird"));
        assertEquals(Result.OK, result(good(Map.of(), noBird, Map.of(), Map.of(), List.of(), false), "tool bird"));
        assertEquals(Result.FAIL, result(good(Map.of(), Map.of("bird", "BIRD version 1.6.8"), Map.of(), Map.of(), List.of(), true),
                "bird version"));
        Map<String, String> noConntrack = new HashMap<>();
        noConntrack.put("conntrack", null);
        assertEquals(Result.WARN, result(good(Map.of(), noConntrack, Map.of(), Map.of(), List.of(), true), "tool conntrack"));
    }

    @Test
    void ipv4ForwardingOffBlocksAndIpv6ForwardingOffWarns() {
        SystemFacts facts = good(Map.of(), Map.of(), Map.of(SystemChecks.IPV4_FORWARDING, "0", SystemChecks.IPV6_FORWARDING, "0"),
                Map.of(), List.of(), true);
        assertEquals(Result.FAIL, result(facts, SystemChecks.IPV4_FORWARDING));
        assertEquals(Result.WARN, result(facts, SystemChecks.IPV6_FORWARDING));
    }

    @Test
    void aDropPolicyIsFineBehindJcalicosHookButADropAheadOfItBlocks() {
        assertEquals(Result.OK, SystemChecks.forwardChain("iptables",
                "-P FORWARD DROP\n-A FORWARD -m comment --comment \"jc:abc\" -j jc-FORWARD\n-A FORWARD -j DROP\n").result());
        assertEquals(Result.WARN, SystemChecks.forwardChain("iptables", "-P FORWARD DROP\n").result(),
                "dropped until the agent hooks in");
        SystemCheck ahead = SystemChecks.forwardChain("iptables", "-P FORWARD ACCEPT\n-A FORWARD -j REJECT --reject-with icmp-port-unreachable\n"
                + "-A FORWARD -j jc-FORWARD\n");
        assertEquals(Result.FAIL, ahead.result());
        assertTrue(ahead.detail().contains("rule 1"), ahead.detail());
        assertEquals(Result.OK, SystemChecks.forwardChain("iptables",
                "-P FORWARD ACCEPT\n-A FORWARD -s 10.0.0.0/8 -j DROP\n-A FORWARD -j jc-FORWARD\n").result(), "a rule with a match is no blanket drop");
        assertEquals(Result.FAIL, SystemChecks.forwardChain("iptables", null).result());
    }

    @Test
    void port179IsFineFreeOrHeldByThisNodesBirdAndBlocksWhenAnotherSpeakerHoldsIt() {
        assertEquals(Result.OK, result(good(Map.of(), Map.of(), Map.of(), Map.of(), List.of(new SystemFacts.Listener("bird", 100)), true),
                "BGP port 179"));
        SystemFacts other = good(Map.of(), Map.of(), Map.of(), Map.of(), List.of(new SystemFacts.Listener("bgpd", 7)), true);
        assertEquals(Result.FAIL, result(other, "BGP port 179"));
        assertEquals(Result.OK, result(good(Map.of(), Map.of(), Map.of(), Map.of(), List.of(new SystemFacts.Listener("bgpd", 7)), false),
                "BGP port 179"), "not needed without BGP");
    }
}
