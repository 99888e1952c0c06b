package org.jcalico.felix.dataplane.ipsets;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
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
import org.jcalico.felix.hoststate.SetPolarity;
import org.jcalico.kernel.CommandRunner;
import org.jcalico.kernel.IpSetNetlink;
import org.jcalico.kernel.KernelException;
import org.jcalico.kernel.Namespaces;
import org.jcalico.testing.KernelTests;
import org.jcalico.testing.TestNamespaces;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * Both types of set, both families, against the real kernel in a namespace of its own ("jctx-ipsets"): what the
 * driver sends over netlink is what the kernel takes, and what "ipset save" prints reads back as the same sets, so a
 * driver that re-reads the kernel finds nothing to do; refusals, a batch cut mid-way and large sets swapped in.
 */
@Tag("kernel")
class IpSetDriverKernelTest {
    private static final String NAMESPACE = TestNamespaces.named("jctx-ipsets");
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
        Namespaces.deleteAll(TestNamespaces.named("jctx-"));
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
        assertEquals(Map.of(), driver.fill(desired, Map.of(), true).failures());
        assertEquals(desired, new TreeMap<>(driver.read().sets()));
        assertEquals(Set.of(), driver.read().misfits());

        driver.forget();
        assertEquals(Changes.NONE, driver.fill(desired, Map.of(), true), "the kernel's own print reads as the canonical members");
    }

    @Test
    void aSetAnotherProgramMadeIsFoundWhereTheKernelHeldNone() {
        // a kernel holding no set is read without an ipset process (a cold start's): the kernel is still asked
        assertEquals(IpSetSnapshot.EMPTY, driver.read());
        assertTrue(host.run("ipset", "create", NETS4.name(), "hash:net", "family", "inet").ok());
        assertTrue(host.run("ipset", "add", NETS4.name(), "10.9.0.0/16").ok());
        assertEquals(Set.of("10.9.0.0/16"), driver.read().sets().get(NETS4.name()).members());

        driver.forget();
        assertEquals(Map.of(), driver.fill(byName(NETS4), Map.of(), true).failures());
        assertEquals(NETS4, driver.read().sets().get(NETS4.name()), "its members made calc's");
    }

    /**
     * A set of calc's name, type and family left with a small maxelem (by hand, an older version, another program) and
     * in use by a rule, so that it cannot be destroyed: it is replaced by a set of the planner's maxelem, swapped in,
     * rather than adopted and left refusing members for ever.
     */
    @Test
    void aSetLeftTooSmallIsSwappedForOneThatHoldsItsMembers() {
        host.run("ipset", "create", NETS4.name(), "hash:net", "family", "inet", "maxelem", "1").check();
        host.run("ipset", "add", NETS4.name(), "10.0.0.5/32").check();
        host.run("iptables", "-A", "INPUT", "-m", "set", "--match-set", NETS4.name(), "src", "-j", "RETURN").check();
        assertEquals(Map.of(), driver.fill(byName(NETS4), Map.of(), true).failures());
        assertEquals(NETS4, driver.read().sets().get(NETS4.name()));
        assertTrue(host.run("ipset", "list", "-t", NETS4.name()).check().stdout()
                .contains("maxelem " + IpSetPlanner.MAX_ELEMENTS), "made with the planner's maxelem");
        assertEquals(List.of(NETS4.name()), setNames(), "the temporary set is gone");

        driver.forget();
        assertEquals(Changes.NONE, driver.fill(byName(NETS4), Map.of(), true), "it fits now");
    }

    /**
     * The hold set left with a small maxelem (by hand, an older version, another program) and in use by the hold rule:
     * it is swapped for one of the planner's maxelem before it holds anything, so a change of a mixed set that moves
     * more addresses than the old set could take is held whole and written, instead of being refused at the hold for
     * ever (and the set's endpoints failed with it).
     */
    @Test
    void aHoldSetLeftTooSmallIsSwappedForOneThatHoldsAMixedSetsWholeChange() {
        IpSetSpec hold = new IpSetSpec("jc-4-hold", Type.NET, 4, Set.of());
        host.run("ipset", "create", hold.name(), "hash:net", "family", "inet", "maxelem", "1").check();
        host.run("iptables", "-A", "INPUT", "-m", "set", "--match-set", hold.name(), "src", "-j", "DROP").check();
        IpSetSpec mixed = new IpSetSpec("jc-4s-m", Type.NET, 4, Set.of("10.0.0.1/32", "10.0.0.2/32"));
        Map<String, SetPolarity> polarities = Map.of(mixed.name(), SetPolarity.MIXED);
        assertEquals(Map.of(), driver.fill(byName(hold, mixed), polarities, true).failures());
        assertEquals(Changes.NONE, driver.loosen());

        IpSetSpec moved = new IpSetSpec(mixed.name(), Type.NET, 4, Set.of("10.0.0.3/32", "10.0.0.4/32"));
        assertEquals(Map.of(), driver.fill(byName(hold, moved), polarities, true).failures(),
                "a mixed change of four addresses is held and written");
        assertEquals(Set.of("10.0.0.1/32", "10.0.0.2/32", "10.0.0.3/32", "10.0.0.4/32"),
                driver.read().sets().get(hold.name()).members(), "every moved address held until the rules are in");
        assertEquals(moved, driver.read().sets().get(mixed.name()));
        assertEquals(Changes.NONE, driver.loosen());
        assertEquals(hold, driver.read().sets().get(hold.name()), "released");
        assertTrue(host.run("ipset", "list", "-t", hold.name()).check().stdout()
                .contains("maxelem " + IpSetPlanner.MAX_ELEMENTS), "made with the planner's maxelem");
        assertEquals(List.of(hold.name(), mixed.name()), setNames(), "the temporary set is gone");
    }

    /**
     * A hold that cannot hold (its set full at the planner's maxelem): the kernel does every message of a sendmsg, so
     * a mixed set's change sent in the same exchange as its refused hold landed unheld, and the read-back after the
     * refusal found it done and reported nothing. The change must wait behind its hold: the set keeps its members and
     * the refusal is reported under its name.
     */
    @Test
    void aMixedSetsChangeWhoseHoldIsRefusedIsNotWrittenAndIsReported() {
        driver.limitSetsTo(1);
        IpSetSpec hold = new IpSetSpec("jc-4-hold", Type.NET, 4, Set.of());
        IpSetSpec mixed = new IpSetSpec("jc-4s-m", Type.NET, 4, Set.of("10.0.0.1/32"));
        Map<String, SetPolarity> polarities = Map.of(mixed.name(), SetPolarity.MIXED);
        assertEquals(Map.of(), driver.fill(byName(hold, mixed), polarities, true).failures());
        assertEquals(Changes.NONE, driver.loosen());

        IpSetSpec moved = new IpSetSpec(mixed.name(), Type.NET, 4, Set.of("10.0.0.3/32"));
        Changes changes = driver.fill(byName(hold, moved), polarities, true);
        assertEquals(Set.of(mixed.name()), changes.failures().keySet(), "the change refused at its hold: " + changes);
        assertEquals(mixed, driver.read().sets().get(mixed.name()), "no member moved unheld");
        driver.loosen();
        assertEquals(hold, driver.read().sets().get(hold.name()), "whatever was held is released");
    }

    /**
     * A net of the IPv4-compatible form (::/96, an IPv4 address in its low bits), which a NetworkSet may hold: `ipset
     * save` printed it "::10.0.0.0/104" where calc writes "::a00:0/104", so every resync read a member calc did not have
     * and missed one it has; in a set whose members deny, the delete of the one read (a loosening, written after the
     * rules) removed the very member calc wants, and what it denies passed until the next resync put it back.
     */
    @Test
    void aNetOfTheIpv4CompatibleFormStaysInADenyingSetThroughResyncs() {
        IpSetSpec denying = new IpSetSpec("jc-6s-c", Type.NET, 6, Set.of("::a00:0/104", "fd00::5/128"));
        Map<String, SetPolarity> polarities = Map.of(denying.name(), SetPolarity.DENYING);
        assertEquals(Map.of(), driver.fill(byName(denying), polarities, true).failures());
        assertEquals(Changes.NONE, driver.loosen());
        for (int resync = 1; resync <= 2; resync++) {
            driver.forget();
            Changes changes = driver.fill(byName(denying), polarities, true);
            assertEquals(Map.of(), changes.failures());
            driver.loosen();
            assertTrue(host.run("ipset", "test", denying.name(), "::10.0.0.5").ok(),
                    "after resync " + resync + " the denying set still holds ::a00:5 (" + changes + ")");
        }
    }

    @Test
    void aNamedPortSetChangesMemberByMemberAndInOneSwap() {
        driver.fill(byName(PORTS4), Map.of(), true);
        IpSetSpec edited = new IpSetSpec(PORTS4.name(), Type.IP_PORT, 4, Set.of("10.0.0.5,tcp:80", "10.0.0.8,tcp:8080"));
        Changes small = driver.fill(byName(edited), Map.of(), true);
        assertEquals(1, small.count(Change.SET_MEMBERS_ADDED));
        assertEquals(2, small.count(Change.SET_MEMBERS_REMOVED));
        assertEquals(edited, driver.read().sets().get(PORTS4.name()));

        Set<String> many = new HashSet<>();
        for (int i = 0; i < 300; i++) {
            many.add("10.2." + i / 250 + "." + i % 250 + ",tcp:" + (1000 + i));
        }
        IpSetSpec large = new IpSetSpec(PORTS4.name(), Type.IP_PORT, 4, many);
        Changes swapped = driver.fill(byName(large), Map.of(), true);
        assertEquals(Map.of(), swapped.failures());
        assertEquals(1, swapped.count(Change.SETS_WRITTEN));
        assertEquals(large, driver.read().sets().get(PORTS4.name()));
        assertEquals(List.of(PORTS4.name()), setNames(), "the temporary set is gone");
    }

    @Test
    void aSetWhoseTypeChangedIsRecreatedInTheKernel() {
        driver.fill(byName(NETS4), Map.of(), true);
        IpSetSpec retyped = new IpSetSpec(NETS4.name(), Type.IP_PORT, 4, Set.of("10.0.0.5,tcp:80"));
        assertEquals(Map.of(), driver.fill(byName(retyped), Map.of(), true).failures());
        assertEquals(retyped, driver.read().sets().get(NETS4.name()));
    }

    @Test
    void iptablesMatchesANamedPortSetOnAddressAndPort() {
        driver.fill(byName(PORTS4, PORTS6), Map.of(), true);
        String rules = "*filter\n:jc-t - [0:0]\n-A jc-t -m set --match-set %s dst,dst -j ACCEPT\nCOMMIT\n";
        assertTrue(host.run(List.of("iptables-restore", "--noflush"), rules.formatted(PORTS4.name())).ok());
        assertTrue(host.run(List.of("ip6tables-restore", "--noflush"), rules.formatted(PORTS6.name())).ok());
        assertTrue(host.run("iptables-save").check().stdout().contains("--match-set jc-4n-a dst,dst -j ACCEPT"));
    }

    /**
     * A value that is no member of its set stops the batch before the kernel sees any of it: the good member beside it
     * is not added either (the long-lived ipset of before went on after a refused line), and the other set is filled
     * in a batch of its own.
     */
    @Test
    void aValueThatIsNoMemberStopsItsBatchBeforeTheKernelSeesAnyOfIt() {
        assertEquals(Map.of(), driver.fill(byName(NETS4, NETS6), Map.of(), true).failures());
        IpSetSpec refused = new IpSetSpec(NETS4.name(), Type.NET, 4, Set.of("10.0.0.5/32", "10.0.0.9/32", "10.0.0.300/32"));
        IpSetSpec grown = new IpSetSpec(NETS6.name(), Type.NET, 6, Set.of("fd00::5/128", "fd00::9/128"));
        Changes changes = driver.fill(byName(refused, grown), Map.of(), true);
        assertEquals(Set.of(NETS4.name()), changes.failures().keySet(), changes.toString());
        assertTrue(changes.failures().get(NETS4.name()).contains("10.0.0.300/32"), changes.toString());
        assertEquals(NETS4, driver.read().sets().get(NETS4.name()), "nothing of the refused batch reached the kernel");
        assertEquals(grown, driver.read().sets().get(NETS6.name()), "the other set is still filled");
    }

    /** A member the kernel itself refuses (hash:net takes no /0) is reported under its set, in the kernel's terms. */
    @Test
    void aMemberTheKernelRefusesIsReportedUnderItsSet() {
        IpSetSpec refused = new IpSetSpec("jc-4s-b", Type.NET, 4, Set.of("10.0.0.5/32", "0.0.0.0/0"));
        Changes changes = driver.fill(byName(refused, NETS6), Map.of(), true);
        assertEquals(Set.of(refused.name()), changes.failures().keySet(), changes.toString());
        assertTrue(changes.failures().get(refused.name()).contains("prefix length is not valid for this set (ipset error 4104)"),
                changes.toString());
        assertEquals(NETS6, driver.read().sets().get(NETS6.name()), "the other set is still filled");

        assertEquals(Map.of(), driver.fill(byName(NETS4, NETS6), Map.of(), true).failures(), "the next pass goes on from a read-back");
        assertEquals(Map.of(), driver.sweep(byName(NETS4, NETS6)).failures());
        assertEquals(byName(NETS4, NETS6), new TreeMap<>(driver.read().sets()));
    }

    /**
     * A set written whole into a temporary set whose filling the kernel refuses is never swapped in: the set in use
     * keeps every member it had (fail closed), and the refusal is reported under its name.
     */
    @Test
    void aRefusedFillingIsNeverSwappedIn() {
        IpSetSpec before = new IpSetSpec("jc-4s-e", Type.NET, 4, hosts(10, 200));
        assertEquals(Map.of(), driver.fill(byName(before), Map.of(), true).failures());
        Set<String> others = new HashSet<>(hosts(11, 200));
        others.add("0.0.0.0/0");
        Changes changes = driver.fill(byName(new IpSetSpec(before.name(), Type.NET, 4, others)), Map.of(), true);
        assertEquals(Set.of(before.name()), changes.failures().keySet(), changes.toString());
        assertEquals(before, driver.read().sets().get(before.name()), "the set in use is whole");
    }

    /**
     * A batch cut mid-way (the socket closed after 8 of its messages, among the temporary set's members) is unknown,
     * never done: the set in use stays whole (the swap was not sent), and the next pass reads the kernel back, finds
     * the half-filled temporary set and writes the set again. Through the driver, the same cut is not taken for done:
     * the kernel ends up holding exactly what was desired.
     */
    @Test
    void aBatchCutMidWayIsNotTakenForDoneAndTheNextPassRepairs() {
        IpSetSpec before = new IpSetSpec("jc-4s-c", Type.NET, 4, hosts(10, 20_000));
        IpSetSpec after = new IpSetSpec("jc-4s-c", Type.NET, 4, hosts(11, 20_000));
        assertEquals(Map.of(), driver.fill(byName(before), Map.of(), true).failures());

        IpSetNetlink kernel = host.ipSets();
        kernel.closeMidBatch(8);
        IpSetInput swap = IpSetPlanner.fill(byName(after), driver.read()).input();
        assertThrows(KernelException.class, () -> kernel.send(swap.batch()));
        assertEquals(before, driver.read().sets().get(before.name()), "the set in use is whole: the swap was not sent");
        assertEquals(List.of(before.name(), IpSetPlanner.temporaryName(before.name())), setNames());

        driver.forget();
        assertEquals(Map.of(), driver.fill(byName(after), Map.of(), true).failures());
        assertEquals(Map.of(after.name(), after), driver.read().sets());
        assertEquals(List.of(after.name()), setNames(), "the half-filled temporary set is gone");

        driver.closeMidBatch(8);
        Changes cut = driver.fill(byName(before), Map.of(), true);
        assertEquals(Map.of(), cut.failures(), "the set is written again in a batch of its own");
        assertEquals(Map.of(before.name(), before), driver.read().sets());
        driver.forget();
        assertEquals(Changes.NONE, driver.fill(byName(before), Map.of(), true), "the kernel holds exactly what was desired");
    }

    /**
     * A set of 100,000 members lands whole, and one of 100,000 others swaps in for it while a rule refers to it (so it
     * cannot be destroyed and made again): never missing, never half-filled.
     */
    @Test
    void aSetOf100000MembersLandsWholeAndSwapsInUnderARule() {
        IpSetSpec first = new IpSetSpec("jc-4s-d", Type.NET, 4, hosts(10, 100_000));
        IpSetSpec second = new IpSetSpec("jc-4s-d", Type.NET, 4, hosts(20, 100_000));
        assertEquals(Map.of(), driver.fill(byName(first), Map.of(), true).failures());
        assertEquals(first, driver.read().sets().get(first.name()));
        String rule = "*filter\n:jc-t - [0:0]\n-A jc-t -m set --match-set jc-4s-d src -j ACCEPT\nCOMMIT\n";
        assertTrue(host.run(List.of("iptables-restore", "--noflush"), rule).ok());

        Changes swapped = driver.fill(byName(second), Map.of(), true);
        assertEquals(Map.of(), swapped.failures());
        assertEquals(1, swapped.count(Change.SETS_WRITTEN));
        assertEquals(second, driver.read().sets().get(second.name()));
        assertEquals(List.of(second.name()), setNames(), "the temporary set is gone");
    }

    /**
     * A set of 100,000 named-port members (5.8 MB as restore's text) is sent encoded, never as text: the driver's
     * thread allocates less than the text's size (the netlink batch, 32 bytes a member, and the members' order), and
     * the kernel holds every member.
     */
    @Test
    void aLargeSetIsSentEncodedNeverAsText() {
        Set<String> members = new HashSet<>();
        for (int i = 0; i < 100_000; i++) {
            members.add("10." + (96 + i / 65_536) + "." + i / 256 % 256 + "." + i % 256 + ",tcp:" + (8000 + i % 1000));
        }
        IpSetSpec large = new IpSetSpec("jc-4n-" + "x".repeat(25), Type.IP_PORT, 4, members);
        int inputSize = IpSetPlanner.fill(byName(large), IpSetSnapshot.EMPTY).input().length();
        var threads = (com.sun.management.ThreadMXBean) java.lang.management.ManagementFactory.getThreadMXBean();
        long before = threads.getCurrentThreadAllocatedBytes();
        Changes changes = driver.fill(byName(large), Map.of(), true);
        long allocated = threads.getCurrentThreadAllocatedBytes() - before;
        assertEquals(Map.of(), changes.failures());
        assertTrue(allocated < inputSize, "allocated " + allocated + " bytes for an input of " + inputSize + " characters");
        assertEquals(large, driver.read().sets().get(large.name()));
    }

    /** COUNT /32 members from 10.FIRST.0.0 on. */
    static Set<String> hosts(int first, int count) {
        Set<String> hosts = new HashSet<>();
        for (int i = 0; i < count; i++) {
            hosts.add("10." + (first + i / 65_536) + "." + i / 256 % 256 + "." + i % 256 + "/32");
        }
        return hosts;
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
