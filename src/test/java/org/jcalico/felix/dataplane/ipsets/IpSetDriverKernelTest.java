package org.jcalico.felix.dataplane.ipsets;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import org.jcalico.felix.dataplane.Change;
import org.jcalico.felix.dataplane.Changes;
import org.jcalico.felix.hoststate.IpSetSpec;
import org.jcalico.felix.hoststate.IpSetSpec.Type;
import org.jcalico.kernel.CommandRunner;
import org.jcalico.kernel.Namespaces;
import org.jcalico.testing.KernelTests;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * Both types of set, both families, against the real kernel in a namespace of its own ("jctx-ipsets"): what the
 * planner renders is what "ipset restore" takes, and what "ipset save" prints reads back as the same sets, so a
 * driver that re-reads the kernel finds nothing to do.
 */
@Tag("kernel")
class IpSetDriverKernelTest {
    private static final String NAMESPACE = "jctx-ipsets";
    private CommandRunner host;
    private IpSetDriver driver;

    static final IpSetSpec NETS4 = new IpSetSpec("jc-4s-a", Type.NET, 4, Set.of("10.0.0.5/32", "10.1.0.0/16", "0.0.0.0/1"));
    static final IpSetSpec NETS6 = new IpSetSpec("jc-6s-a", Type.NET, 6, Set.of("fd00::5/128", "fd00:0:0:1::/64"));
    static final IpSetSpec PORTS4 = new IpSetSpec("jc-4n-a", Type.IP_PORT, 4,
            Set.of("10.0.0.5,tcp:80", "10.0.0.6,udp:53", "10.0.0.7,sctp:9000"));
    static final IpSetSpec PORTS6 = new IpSetSpec("jc-6n-a", Type.IP_PORT, 6, Set.of("fd00::5,tcp:80", "fd00::7,udp:1"));

    @BeforeAll
    static void removeLeftovers() {
        KernelTests.assumeKernel();
        Namespaces.deleteAll("jctx-");
    }

    @BeforeEach
    void createHost() {
        host = Namespaces.create(NAMESPACE);
        driver = new IpSetDriver(host);
    }

    @AfterEach
    void deleteNamespace() {
        Namespaces.delete(NAMESPACE);
    }

    @Test
    void bothTypesInBothFamiliesReadBackAsWritten() {
        Map<String, IpSetSpec> desired = byName(NETS4, NETS6, PORTS4, PORTS6);
        assertEquals(Map.of(), driver.fill(desired).failures());
        assertEquals(desired, new TreeMap<>(driver.read().sets()));
        assertEquals(Set.of(), driver.read().misfits());

        driver.forget();
        assertEquals(Changes.NONE, driver.fill(desired), "the kernel's own print reads as the canonical members");
    }

    @Test
    void aNamedPortSetChangesMemberByMemberAndInOneSwap() {
        driver.fill(byName(PORTS4));
        IpSetSpec edited = new IpSetSpec(PORTS4.name(), Type.IP_PORT, 4, Set.of("10.0.0.5,tcp:80", "10.0.0.8,tcp:8080"));
        Changes small = driver.fill(byName(edited));
        assertEquals(1, small.count(Change.SET_MEMBERS_ADDED));
        assertEquals(2, small.count(Change.SET_MEMBERS_REMOVED));
        assertEquals(edited, driver.read().sets().get(PORTS4.name()));

        Set<String> many = new HashSet<>();
        for (int i = 0; i < 300; i++) {
            many.add("10.2." + i / 250 + "." + i % 250 + ",tcp:" + (1000 + i));
        }
        IpSetSpec large = new IpSetSpec(PORTS4.name(), Type.IP_PORT, 4, many);
        Changes swapped = driver.fill(byName(large));
        assertEquals(Map.of(), swapped.failures());
        assertEquals(1, swapped.count(Change.SETS_WRITTEN));
        assertEquals(large, driver.read().sets().get(PORTS4.name()));
        assertEquals(List.of(PORTS4.name()), setNames(), "the temporary set is gone");
    }

    @Test
    void aSetWhoseTypeChangedIsRecreatedInTheKernel() {
        driver.fill(byName(NETS4));
        IpSetSpec retyped = new IpSetSpec(NETS4.name(), Type.IP_PORT, 4, Set.of("10.0.0.5,tcp:80"));
        assertEquals(Map.of(), driver.fill(byName(retyped)).failures());
        assertEquals(retyped, driver.read().sets().get(NETS4.name()));
    }

    @Test
    void iptablesMatchesANamedPortSetOnAddressAndPort() {
        driver.fill(byName(PORTS4, PORTS6));
        String rules = "*filter\n:jc-t - [0:0]\n-A jc-t -m set --match-set %s dst,dst -j ACCEPT\nCOMMIT\n";
        assertTrue(host.run(List.of("iptables-restore", "--noflush"), rules.formatted(PORTS4.name())).ok());
        assertTrue(host.run(List.of("ip6tables-restore", "--noflush"), rules.formatted(PORTS6.name())).ok());
        assertTrue(host.run("iptables-save").check().stdout().contains("--match-set jc-4n-a dst,dst -j ACCEPT"));
    }

    @Test
    void aChangeGoesThroughTheLongLivedIpsetWhichReportsARefusedMemberAndSurvivesAKill() {
        assertEquals(Map.of(), driver.fill(byName(NETS4, NETS6)).failures());
        IpSetSpec refused = new IpSetSpec(NETS4.name(), Type.NET, 4, Set.of("10.0.0.5/32", "10.0.0.300/32"));
        IpSetSpec grown = new IpSetSpec(NETS6.name(), Type.NET, 6, Set.of("fd00::5/128", "fd00::9/128"));
        Changes changes = driver.fill(byName(refused, grown));
        assertEquals(Set.of(NETS4.name()), changes.failures().keySet(), changes.toString());
        assertEquals(grown, driver.read().sets().get(NETS6.name()), "the other set is still filled");

        String pids = CommandRunner.local().run("ip", "netns", "pids", NAMESPACE).check().stdout().strip();
        assertTrue(!pids.isEmpty(), "member changes went to a long-lived ipset in the namespace");
        for (String pid : pids.split("\\s+")) {
            CommandRunner.local().run("kill", "-9", pid);
        }
        IpSetSpec shrunk = new IpSetSpec(NETS6.name(), Type.NET, 6, Set.of("fd00::9/128"));
        assertEquals(Map.of(), driver.fill(byName(NETS4, shrunk)).failures());
        assertEquals(byName(NETS4, shrunk), new TreeMap<>(driver.read().sets()), "a killed ipset is started again");
    }

    /**
     * A set of 100,000 named-port members (5.5 MB of restore input) is written to ipset as it is made: the driver's
     * thread allocates far less than the input's size (the old driver made it as one string, then again as bytes,
     * over 15 MB), and the kernel holds every member.
     */
    @Test
    void aLargeSetIsWrittenToIpsetAsItIsMadeNotHeldWhole() {
        Set<String> members = new HashSet<>();
        for (int i = 0; i < 100_000; i++) {
            members.add("10." + (96 + i / 65_536) + "." + i / 256 % 256 + "." + i % 256 + ",tcp:" + (8000 + i % 1000));
        }
        IpSetSpec large = new IpSetSpec("jc-4n-" + "x".repeat(25), Type.IP_PORT, 4, members);
        int inputSize = IpSetPlanner.fill(byName(large), IpSetSnapshot.EMPTY).input().length();
        var threads = (com.sun.management.ThreadMXBean) java.lang.management.ManagementFactory.getThreadMXBean();
        long before = threads.getCurrentThreadAllocatedBytes();
        Changes changes = driver.fill(byName(large));
        long allocated = threads.getCurrentThreadAllocatedBytes() - before;
        assertEquals(Map.of(), changes.failures());
        assertTrue(allocated < inputSize / 2, "allocated " + allocated + " bytes for an input of " + inputSize + " characters");
        assertEquals(large, driver.read().sets().get(large.name()));
    }

    private List<String> setNames() {
        return host.run("ipset", "list", "-n").check().stdout().lines().sorted().toList();
    }

    private static Map<String, IpSetSpec> byName(IpSetSpec... sets) {
        Map<String, IpSetSpec> byName = new TreeMap<>();
        for (IpSetSpec set : sets) {
            byName.put(set.name(), set);
        }
        return byName;
    }
}
