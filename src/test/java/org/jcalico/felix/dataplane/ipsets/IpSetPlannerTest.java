package org.jcalico.felix.dataplane.ipsets;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.jcalico.felix.dataplane.Change;
import org.jcalico.felix.hoststate.IpSetSpec;
import org.jcalico.felix.hoststate.MemberSet;
import org.jcalico.felix.hoststate.SetPolarity;
import org.junit.jupiter.api.Test;

class IpSetPlannerTest {
    static final IpSetSpec A = new IpSetSpec("jc-4t-a", 4, Set.of("10.0.0.1/32", "10.0.0.2/32"));

    static IpSetSnapshot snapshot(IpSetSpec... sets) {
        Map<String, IpSetSpec> byName = new java.util.HashMap<>();
        for (IpSetSpec set : sets) {
            byName.put(set.name(), set);
        }
        return new IpSetSnapshot(byName, Set.of());
    }

    static Set<String> hosts(int count) {
        Set<String> members = new HashSet<>();
        for (int i = 0; i < count; i++) {
            members.add("10.1." + i / 256 + "." + i % 256 + "/32");
        }
        return members;
    }

    @Test
    void aNewSetIsCreatedAndFilled() {
        IpSetUpdate update = IpSetPlanner.fill(Map.of(A.name(), A), IpSetSnapshot.EMPTY);
        assertEquals("""
                create jc-4t-a hash:net family inet maxelem 1048576
                add jc-4t-a 10.0.0.1/32
                add jc-4t-a 10.0.0.2/32
                """, update.input().text());
        assertEquals(1, update.changes().count(Change.SETS_WRITTEN));
        assertEquals(snapshot(A), update.after());
    }

    @Test
    void aSmallChangeAddsAndDeletesMembers() {
        IpSetSpec changed = new IpSetSpec("jc-4t-a", 4, Set.of("10.0.0.1/32", "10.0.0.3/32"));
        IpSetUpdate update = IpSetPlanner.fill(Map.of(A.name(), changed), snapshot(A));
        assertEquals("del jc-4t-a 10.0.0.2/32\nadd jc-4t-a 10.0.0.3/32\n", update.input().text());
        assertEquals(1, update.changes().count(Change.SET_MEMBERS_ADDED));
        assertEquals(1, update.changes().count(Change.SET_MEMBERS_REMOVED));
        assertEquals(0, update.changes().count(Change.SETS_WRITTEN));
    }

    @Test
    void membersChangingInMixedSetsAreHeldFirstAndReleasedAfterTheRules() {
        IpSetSpec hold = new IpSetSpec("jc-4-hold", 4, Set.of());
        IpSetSpec portsHold = new IpSetSpec("jc-6-hold", 6, Set.of());
        IpSetSpec denyA = new IpSetSpec("jc-4s-a", 4, Set.of("10.0.0.2/32", "10.0.0.5/32"));
        IpSetSpec denyB = new IpSetSpec("jc-4s-b", 4, Set.of("10.0.0.5/32"));
        IpSetSpec ports = new IpSetSpec("jc-6p-a", IpSetSpec.Type.IP_PORT, 6, Set.of("fd00::2,tcp:80"));
        IpSetSpec fresh = new IpSetSpec("jc-4s-c", 4, Set.of("10.0.0.9/32"));
        IpSetSpec movedA = new IpSetSpec("jc-4s-a", 4, Set.of("10.0.0.5/32"));
        IpSetSpec movedB = new IpSetSpec("jc-4s-b", 4, Set.of("10.0.0.2/32", "10.0.0.5/32"));
        IpSetSpec portsNow = new IpSetSpec("jc-6p-a", IpSetSpec.Type.IP_PORT, 6, Set.of("fd00::3,tcp:80"));
        IpSetUpdate update = IpSetPlanner.fill(new java.util.TreeMap<>(Map.of(hold.name(), hold, portsHold.name(), portsHold,
                denyA.name(), movedA, denyB.name(), movedB, ports.name(), portsNow, fresh.name(), fresh)),
                Map.of(denyA.name(), SetPolarity.MIXED, ports.name(), SetPolarity.ALLOWING),
                Map.of(denyB.name(), SetPolarity.MIXED, ports.name(), SetPolarity.DENYING), snapshot(hold, portsHold, denyA, denyB, ports), true);
        assertEquals("""
                add jc-4-hold 10.0.0.2/32
                add jc-6-hold fd00::2/128
                add jc-6-hold fd00::3/128
                del jc-4s-a 10.0.0.2/32
                add jc-4s-b 10.0.0.2/32
                create jc-4s-c hash:net family inet maxelem 1048576
                add jc-4s-c 10.0.0.9/32
                del jc-6p-a fd00::2,tcp:80
                add jc-6p-a fd00::3,tcp:80
                """, update.input().text(), "held first (an allowing set in force, denying coming: mixed); "
                + "a set no rule matches yet (jc-4s-c) holds nothing");
        assertEquals("del jc-4-hold 10.0.0.2/32\ndel jc-6-hold fd00::2/128\ndel jc-6-hold fd00::3/128\n",
                update.later().text());
        assertEquals(Set.of(), update.after().sets().get("jc-4-hold").members());

        IpSetSpec leftHeld = new IpSetSpec("jc-4-hold", 4, Set.of("10.0.0.7/32"));
        IpSetUpdate readBack = IpSetPlanner.fill(Map.of(hold.name(), hold), snapshot(leftHeld));
        assertEquals("", readBack.input().text(), "what a lost release left held is the next release's, never the fill's");
        assertEquals("del jc-4-hold 10.0.0.7/32\n", readBack.later().text());
    }

    /**
     * Sets of one polarity: what tightens before the rules (an allowing set's deletes, a denying set's adds), what
     * loosens after them; nothing held. A new remote endpoint entering only allowing sets is written after the rules,
     * never held (docs/dataplane.md, "A change and the states the kernel passes through").
     */
    @Test
    void setsOfOnePolarityTightenBeforeTheRulesAndLoosenAfterWithoutAHold() {
        IpSetSpec hold = new IpSetSpec("jc-4-hold", 4, Set.of());
        IpSetSpec allow = new IpSetSpec("jc-4s-allow", 4, Set.of("10.0.0.1/32", "10.0.0.2/32"));
        IpSetSpec deny = new IpSetSpec("jc-4s-deny", 4, Set.of("10.0.0.3/32", "10.0.0.4/32"));
        IpSetSpec allowNow = new IpSetSpec("jc-4s-allow", 4, Set.of("10.0.0.1/32", "10.0.0.5/32"));
        IpSetSpec denyNow = new IpSetSpec("jc-4s-deny", 4, Set.of("10.0.0.3/32", "10.0.0.2/32"));
        Map<String, SetPolarity> polarities = Map.of(allow.name(), SetPolarity.ALLOWING, deny.name(), SetPolarity.DENYING);
        IpSetUpdate update = IpSetPlanner.fill(new java.util.TreeMap<>(Map.of(hold.name(), hold, allow.name(), allowNow,
                deny.name(), denyNow)), polarities, polarities, snapshot(hold, allow, deny), true);
        assertEquals("del jc-4s-allow 10.0.0.2/32\nadd jc-4s-deny 10.0.0.2/32\n", update.input().text(),
                "before the rules: only what tightens");
        assertEquals("add jc-4s-allow 10.0.0.5/32\ndel jc-4s-deny 10.0.0.4/32\n", update.later().text(),
                "after them: what loosens; nothing held, nothing released");
        assertEquals(snapshot(hold, allowNow, denyNow), update.after());

        IpSetSpec arrived = new IpSetSpec("jc-4s-allow", 4, Set.of("10.0.0.1/32", "10.0.0.2/32", "10.0.0.9/32"));
        IpSetUpdate remote = IpSetPlanner.fill(new java.util.TreeMap<>(Map.of(hold.name(), hold, allow.name(), arrived)),
                polarities, polarities, snapshot(hold, allow), true);
        assertEquals("", remote.input().text(), "a new remote endpoint in an allowing set: nothing before the rules");
        assertEquals("add jc-4s-allow 10.0.0.9/32\n", remote.later().text(), "and not held");
    }

    /**
     * Before the agent's first change is taken, the rules in force may be an earlier process's, whose use of a set is
     * unknown: every set the kernel has counts as mixed, and its changed members are held.
     */
    @Test
    void withTheRulesInForceUnknownEverySetCountsAsMixed() {
        IpSetSpec hold = new IpSetSpec("jc-4-hold", 4, Set.of());
        IpSetSpec allow = new IpSetSpec("jc-4s-allow", 4, Set.of("10.0.0.1/32"));
        IpSetSpec arrived = new IpSetSpec("jc-4s-allow", 4, Set.of("10.0.0.1/32", "10.0.0.9/32"));
        IpSetUpdate update = IpSetPlanner.fill(new java.util.TreeMap<>(Map.of(hold.name(), hold, allow.name(), arrived)),
                null, Map.of(allow.name(), SetPolarity.ALLOWING), snapshot(hold, allow), true);
        assertEquals("add jc-4-hold 10.0.0.9/32\nadd jc-4s-allow 10.0.0.9/32\n", update.input().text());
        assertEquals("del jc-4-hold 10.0.0.9/32\n", update.later().text());
    }

    /**
     * With the hold not in force (the kernel refused its set or rules), a mixed set's change is not written at all and
     * is reported, its set left as the kernel has it; the other sets' changes are planned as ever.
     */
    @Test
    void withTheHoldNotInForceAMixedSetsChangeWaitsAndIsReported() {
        IpSetSpec hold = new IpSetSpec("jc-4-hold", 4, Set.of());
        IpSetSpec mixed = new IpSetSpec("jc-4s-mixed", 4, Set.of("10.0.0.1/32"));
        IpSetSpec allow = new IpSetSpec("jc-4s-allow", 4, Set.of("10.0.0.1/32", "10.0.0.2/32"));
        Map<String, SetPolarity> polarities = Map.of(mixed.name(), SetPolarity.MIXED, allow.name(), SetPolarity.ALLOWING);
        IpSetUpdate update = IpSetPlanner.fill(new java.util.TreeMap<>(Map.of(hold.name(), hold,
                        mixed.name(), new IpSetSpec(mixed.name(), 4, Set.of("10.0.0.2/32")),
                        allow.name(), new IpSetSpec(allow.name(), 4, Set.of("10.0.0.1/32", "10.0.0.3/32")))),
                polarities, polarities, snapshot(hold, mixed, allow), false);
        assertEquals("del jc-4s-allow 10.0.0.2/32\n", update.input().text(), "nothing of the mixed set, nothing held");
        assertEquals("add jc-4s-allow 10.0.0.3/32\n", update.later().text());
        assertEquals(mixed, update.after().sets().get(mixed.name()), "the mixed set stays as the kernel has it");
        assertTrue(update.changes().failures().get(IpSetDriver.WITHHELD).contains("jc-4s-mixed"), update.changes().toString());
    }

    /** A large change of a set of one polarity: its tightening part before the rules, the swap to its final members after. */
    @Test
    void aLargeChangeTightensFirstAndIsSwappedInAfterTheRules() {
        IpSetSpec allow = new IpSetSpec("jc-4s-allow", 4, hosts(100));
        Set<String> now = new HashSet<>(hosts(200));
        now.remove("10.1.0.0/32");
        IpSetUpdate update = IpSetPlanner.fill(Map.of(allow.name(), new IpSetSpec(allow.name(), 4, now)),
                Map.of(allow.name(), SetPolarity.ALLOWING), Map.of(), snapshot(allow), true);
        assertEquals("del jc-4s-allow 10.1.0.0/32\n", update.input().text(), "the one delete before the rules");
        String temporary = IpSetPlanner.temporaryName(allow.name());
        assertTrue(update.later().text().startsWith("create " + temporary + " "), update.later().text());
        assertTrue(update.later().text().endsWith("swap " + temporary + " jc-4s-allow\ndestroy " + temporary + "\n"));
    }

    /**
     * A set left with a smaller maxelem than the planner's is swapped for one of the planner's even when nothing else
     * changed; with a change, the new set takes the tightening part before the rules (a DENYING set's adds, which the
     * old set may have no room for) and the loosening part comes after them.
     */
    @Test
    void aSetTooSmallIsSwappedForOneTightenedFirstAndLoosenedAfterTheRules() {
        IpSetSpec deny = new IpSetSpec("jc-4s-deny", 4, Set.of("10.0.0.1/32", "10.0.0.2/32"));
        IpSetSnapshot small = new IpSetSnapshot(Map.of(deny.name(), deny), Set.of(), Map.of(deny.name(), 2));
        String temporary = IpSetPlanner.temporaryName(deny.name());
        IpSetUpdate same = IpSetPlanner.fill(Map.of(deny.name(), deny), small);
        assertEquals("create " + temporary + " hash:net family inet maxelem 1048576\nadd " + temporary + " 10.0.0.1/32\n"
                + "add " + temporary + " 10.0.0.2/32\nswap " + temporary + " jc-4s-deny\ndestroy " + temporary + "\n",
                same.input().text());
        assertEquals(Map.of(), same.after().maxElements(), "it fits once swapped");

        IpSetSpec now = new IpSetSpec(deny.name(), 4, Set.of("10.0.0.2/32", "10.0.0.3/32"));
        IpSetUpdate changed = IpSetPlanner.fill(Map.of(deny.name(), now), Map.of(deny.name(), SetPolarity.DENYING),
                Map.of(), small, true);
        assertTrue(changed.input().text().contains("add " + temporary + " 10.0.0.1/32\nadd " + temporary
                + " 10.0.0.2/32\nadd " + temporary + " 10.0.0.3/32\nswap "), changed.input().text());
        assertEquals("del jc-4s-deny 10.0.0.1/32\n", changed.later().text());
        assertTrue(IpSetPlanner.fill(Map.of(deny.name(), deny), new IpSetSnapshot(Map.of(deny.name(), deny), Set.of(),
                Map.of(deny.name(), 1 << 21))).isEmpty(), "a larger maxelem fits");
    }

    /**
     * A hold set left with a smaller maxelem is swapped for one of the planner's (keeping what it holds) before the hold's
     * adds: never written otherwise, it would refuse to hold for ever. Once swapped it fits.
     */
    @Test
    void aHoldSetTooSmallIsSwappedForOneOfThePlannersBeforeItHolds() {
        IpSetSpec hold = new IpSetSpec("jc-4-hold", 4, Set.of());
        IpSetSpec leftHeld = new IpSetSpec("jc-4-hold", 4, Set.of("10.0.0.7/32"));
        IpSetSpec mixed = new IpSetSpec("jc-4s-m", 4, Set.of("10.0.0.1/32"));
        IpSetSpec moved = new IpSetSpec("jc-4s-m", 4, Set.of("10.0.0.2/32"));
        IpSetSnapshot small = new IpSetSnapshot(Map.of(hold.name(), leftHeld, mixed.name(), mixed), Set.of(),
                Map.of(hold.name(), 1));
        Map<String, SetPolarity> polarities = Map.of(mixed.name(), SetPolarity.MIXED);
        IpSetUpdate update = IpSetPlanner.fill(new java.util.TreeMap<>(Map.of(hold.name(), hold, mixed.name(), moved)),
                polarities, polarities, small, true);
        String temporary = IpSetPlanner.temporaryName(hold.name());
        assertEquals("create " + temporary + " hash:net family inet maxelem 1048576\nadd " + temporary + " 10.0.0.7/32\n"
                + "swap " + temporary + " jc-4-hold\ndestroy " + temporary + "\n"
                + "add jc-4-hold 10.0.0.1/32\nadd jc-4-hold 10.0.0.2/32\n"
                + "del jc-4s-m 10.0.0.1/32\nadd jc-4s-m 10.0.0.2/32\n", update.input().text());
        assertEquals(Map.of(), update.after().maxElements(), "it fits once swapped");
        assertEquals("del jc-4-hold 10.0.0.1/32\ndel jc-4-hold 10.0.0.2/32\ndel jc-4-hold 10.0.0.7/32\n",
                update.later().text());
    }

    @Test
    void aSetMadeFromTheWrittenOneWritesWhatChangedWithoutComparing() {
        MemberSet written = MemberSet.of(hosts(5000));
        IpSetSpec was = new IpSetSpec("jc-4s-a", 4, written);
        MemberSet now = written.with(Set.of("10.9.0.1/32"), Set.of("10.1.0.7/32", "10.1.3.1/32"));
        IpSetUpdate update = IpSetPlanner.fill(Map.of(was.name(), new IpSetSpec("jc-4s-a", 4, now)), snapshot(was));
        assertEquals("del jc-4s-a 10.1.0.7/32\ndel jc-4s-a 10.1.3.1/32\nadd jc-4s-a 10.9.0.1/32\n", update.input().text());
        Set<String> expected = new HashSet<>(hosts(5000));
        expected.add("10.9.0.1/32");
        expected.removeAll(Set.of("10.1.0.7/32", "10.1.3.1/32"));
        assertEquals(expected, now);
        assertEquals(now, expected);
        assertEquals(4999, now.size());
        assertEquals(expected, new HashSet<>(now));
    }

    @Test
    void aSetNotMadeFromTheWrittenOneIsCompared() {
        MemberSet written = MemberSet.of(hosts(600));
        IpSetSpec readBack = new IpSetSpec("jc-4s-a", 4, new HashSet<>(written));
        MemberSet now = written.with(Set.of("10.9.0.1/32"), Set.of());
        MemberSet later = now.with(Set.of("10.9.0.2/32"), Set.of());
        assertEquals("add jc-4s-a 10.9.0.1/32\nadd jc-4s-a 10.9.0.2/32\n", IpSetPlanner.fill(
                Map.of("jc-4s-a", new IpSetSpec("jc-4s-a", 4, later)), snapshot(readBack)).input().text());
        assertEquals("add jc-4s-a 10.9.0.1/32\nadd jc-4s-a 10.9.0.2/32\n", IpSetPlanner.fill(
                Map.of("jc-4s-a", new IpSetSpec("jc-4s-a", 4, later)),
                snapshot(new IpSetSpec("jc-4s-a", 4, written))).input().text());
    }

    @Test
    void aLargeChangeIsFilledIntoATemporarySetAndSwappedIn() {
        IpSetSpec big = new IpSetSpec("jc-4t-a", 4, hosts(1000));
        IpSetUpdate update = IpSetPlanner.fill(Map.of(A.name(), big), snapshot(A));
        String temporary = IpSetPlanner.temporaryName("jc-4t-a");
        List<String> lines = update.input().text().lines().toList();
        assertEquals("create " + temporary + " hash:net family inet maxelem 1048576", lines.get(0));
        assertEquals(List.of("swap " + temporary + " jc-4t-a", "destroy " + temporary), lines.subList(1001, 1003));
        assertEquals(1, update.changes().count(Change.SETS_WRITTEN));
    }

    @Test
    void temporaryNamesAreOwnedAndFitTheKernelLimit() {
        String temporary = IpSetPlanner.temporaryName("jc-4t-" + "x".repeat(25));
        assertEquals(31, temporary.length());
        assertTrue(temporary.startsWith("jc-"));
    }

    @Test
    void aLeftoverTemporarySetIsDestroyedBeforeReuse() {
        String temporary = IpSetPlanner.temporaryName("jc-4t-a");
        IpSetSnapshot observed = new IpSetSnapshot(Map.of(A.name(), A,
                temporary, new IpSetSpec(temporary, 4, Set.of())), Set.of());
        IpSetUpdate update = IpSetPlanner.fill(Map.of(A.name(), new IpSetSpec("jc-4t-a", 4, hosts(100))), observed);
        assertTrue(update.input().text().startsWith("destroy " + temporary + "\ncreate " + temporary));
    }

    @Test
    void aSetOfTheWrongKindIsRecreated() {
        IpSetUpdate update = IpSetPlanner.fill(Map.of(A.name(), A), new IpSetSnapshot(Map.of(), Set.of("jc-4t-a")));
        assertTrue(update.input().text().startsWith("destroy jc-4t-a\ncreate jc-4t-a hash:net"));
        assertEquals(snapshot(A), update.after());
    }

    @Test
    void aNamedPortSetIsCreatedAsAddressAndPort() {
        IpSetSpec ports = new IpSetSpec("jc-6n-a", IpSetSpec.Type.IP_PORT, 6, Set.of("fd00::5,tcp:80", "fd00::6,udp:53"));
        IpSetUpdate update = IpSetPlanner.fill(Map.of(ports.name(), ports), IpSetSnapshot.EMPTY);
        assertEquals("""
                create jc-6n-a hash:ip,port family inet6 maxelem 1048576
                add jc-6n-a fd00::5,tcp:80
                add jc-6n-a fd00::6,udp:53
                """, update.input().text());
    }

    @Test
    void aSetWhoseTypeChangedIsRecreated() {
        IpSetSpec ports = new IpSetSpec("jc-4t-a", IpSetSpec.Type.IP_PORT, 4, Set.of("10.0.0.1,tcp:80"));
        IpSetUpdate update = IpSetPlanner.fill(Map.of(ports.name(), ports), snapshot(A));
        assertEquals("destroy jc-4t-a\ncreate jc-4t-a hash:ip,port family inet maxelem 1048576\n"
                + "add jc-4t-a 10.0.0.1,tcp:80\n", update.input().text());
        assertEquals(snapshot(ports), update.after());
    }

    @Test
    void aLargeChangeOfANamedPortSetIsSwappedThroughASetOfTheSameType() {
        Set<String> members = new HashSet<>();
        hosts(100).forEach(host -> members.add(host.replace("/32", ",tcp:8080")));
        IpSetSpec before = new IpSetSpec("jc-4n-a", IpSetSpec.Type.IP_PORT, 4, Set.of("10.0.0.1,tcp:8080"));
        IpSetSpec after = new IpSetSpec("jc-4n-a", IpSetSpec.Type.IP_PORT, 4, members);
        IpSetUpdate update = IpSetPlanner.fill(Map.of(after.name(), after), snapshot(before));
        assertEquals("create " + IpSetPlanner.temporaryName("jc-4n-a") + " hash:ip,port family inet maxelem 1048576",
                update.input().text().lines().findFirst().orElseThrow());
    }

    @Test
    void sweepDestroysOnlyOwnedSetsNoLongerDesired() {
        IpSetSpec b = new IpSetSpec("jc-4t-b", 4, Set.of());
        IpSetSnapshot observed = new IpSetSnapshot(Map.of(A.name(), A, b.name(), b), Set.of("jc-odd"));
        IpSetUpdate update = IpSetPlanner.sweep(Set.of(A.name()), observed);
        assertEquals("destroy jc-4t-b\ndestroy jc-odd\n", update.input().text());
        assertEquals(2, update.changes().count(Change.SETS_DELETED));
        assertEquals(snapshot(A), update.after());
    }

    @Test
    void aLargeSetIsWrittenWholeInAnOrderThatDependsOnItsMembersOnly() {
        List<String> members = new java.util.ArrayList<>(hosts(50_000));
        IpSetSpec one = new IpSetSpec("jc-4s-a", 4, MemberSet.of(members));
        java.util.Collections.reverse(members);
        IpSetSpec other = new IpSetSpec("jc-4s-a", 4, new HashSet<>(members));
        String input = IpSetPlanner.fill(Map.of(one.name(), one), IpSetSnapshot.EMPTY).input().text();
        assertEquals(input, IpSetPlanner.fill(Map.of(other.name(), other), IpSetSnapshot.EMPTY).input().text());
        List<String> lines = input.lines().toList();
        assertEquals("create jc-4s-a hash:net family inet hashsize 32768 maxelem 1048576 initval 0x"
                + Integer.toHexString(KernelBuckets.INITVAL), lines.getFirst());
        assertEquals(50_001, lines.size());
        Set<String> written = new HashSet<>();
        lines.subList(1, lines.size()).forEach(line -> written.add(line.substring("add jc-4s-a ".length())));
        assertEquals(one.members(), written);
    }

    @Test
    void aLargeSetStartsWithBucketsForItsMembers() {
        // the kernel's default (1,024) up to 2,048 members: small sets' input reads as before
        assertEquals(0, IpSetPlanner.hashSize(0));
        assertEquals(0, IpSetPlanner.hashSize(2_049));
        assertEquals(2048, IpSetPlanner.hashSize(2_050));
        assertEquals(65536, IpSetPlanner.hashSize(101_040));
        assertEquals(524288, IpSetPlanner.hashSize(IpSetPlanner.MAX_ELEMENTS));
        // a large change's temporary set too, so the swap brings in a set of its final size
        IpSetSpec large = new IpSetSpec("jc-4s-a", 4, hosts(5_000));
        String input = IpSetPlanner.fill(Map.of(large.name(), large),
                snapshot(new IpSetSpec("jc-4s-a", 4, Set.of("10.9.9.9/32")))).input().text();
        assertTrue(input.startsWith("create " + IpSetPlanner.temporaryName("jc-4s-a")
                + " hash:net family inet hashsize 4096 maxelem 1048576 initval 0x"), input.substring(0, 120));
    }

    @Test
    void nothingToDoIsEmpty() {
        assertTrue(IpSetPlanner.fill(Map.of(A.name(), A), snapshot(A)).isEmpty());
        assertTrue(IpSetPlanner.sweep(Set.of(A.name()), snapshot(A)).isEmpty());
    }
}
