package org.jcalico.felix.dataplane.ipsets;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.management.ManagementFactory;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import org.jcalico.felix.hoststate.IpSetSpec;
import org.junit.jupiter.api.Test;

class IpSetSaveParserTest {
    @Test
    void readsOwnedSetsWithCanonicalMembersAndSkipsOthers() {
        String save = """
                create foreign hash:net family inet hashsize 1024 maxelem 65536 bucketsize 12 initval 0xe32ef0ca
                add foreign 10.9.9.9
                create jc-4t-a hash:net family inet hashsize 1024 maxelem 1048576 bucketsize 12 initval 0x3f3a2a00
                add jc-4t-a 10.0.0.5
                add jc-4t-a 10.1.0.0/16
                create jc-6t-a hash:net family inet6 hashsize 1024 maxelem 1048576 bucketsize 12 initval 0x53c73aa6
                add jc-6t-a fd00::5
                add jc-6t-a fd00:0:0:1::/64
                create jc-4t-empty hash:net family inet hashsize 1024 maxelem 1048576
                create jc-odd hash:ip family inet hashsize 1024 maxelem 65536
                add jc-odd 10.0.0.1
                create jc-4n-p hash:ip,port family inet hashsize 1024 maxelem 1048576 bucketsize 12 initval 0x579b9e2b
                add jc-4n-p 10.0.0.7,sctp:9000
                add jc-4n-p 10.0.0.5,tcp:80
                create jc-6n-p hash:ip,port family inet6 hashsize 1024 maxelem 1048576 bucketsize 12 initval 0x7765356
                add jc-6n-p fd00::7,udp:1
                """;
        IpSetSnapshot snapshot = IpSetSaveParser.parse(save);
        assertEquals(Map.of(
                "jc-4t-a", new IpSetSpec("jc-4t-a", 4, Set.of("10.0.0.5/32", "10.1.0.0/16")),
                "jc-6t-a", new IpSetSpec("jc-6t-a", 6, Set.of("fd00::5/128", "fd00:0:0:1::/64")),
                "jc-4t-empty", new IpSetSpec("jc-4t-empty", 4, Set.of()),
                "jc-4n-p", new IpSetSpec("jc-4n-p", IpSetSpec.Type.IP_PORT, 4, Set.of("10.0.0.7,sctp:9000", "10.0.0.5,tcp:80")),
                "jc-6n-p", new IpSetSpec("jc-6n-p", IpSetSpec.Type.IP_PORT, 6, Set.of("fd00::7,udp:1"))), snapshot.sets());
        assertEquals(Set.of("jc-odd"), snapshot.misfits());
        assertEquals(Map.of(), snapshot.maxElements(), "every set of the planner's maxelem");
    }

    /** A set's maxelem is read, the kernel's default where a line has none: a set left too small is replaced. */
    @Test
    void readsEachSetsMaxelem() {
        IpSetSnapshot snapshot = IpSetSaveParser.parse("""
                create jc-4t-a hash:net family inet hashsize 1024 maxelem 1 bucketsize 12 initval 0x3f3a2a00
                create jc-4t-b hash:net family inet
                create jc-4t-c hash:net family inet maxelem 1048576
                """);
        assertEquals(Map.of("jc-4t-a", 1, "jc-4t-b", 65536), snapshot.maxElements());
        assertTrue(snapshot.undersized("jc-4t-a", IpSetPlanner.MAX_ELEMENTS));
        assertTrue(!snapshot.undersized("jc-4t-c", IpSetPlanner.MAX_ELEMENTS) && !snapshot.undersized("jc-4t-z", 2));
    }

    @Test
    void fieldsAreSeparatedByAnyRunOfWhiteSpaceAsBefore() {
        String save = "  create\tjc-4t-a  hash:net \f family\u000Binet hashsize 1024\r\n"
                + "add jc-4t-a\t\t10.0.0.5 \r\n"
                + "\n"
                + "   \n"
                + "add jc-4t-a\n"
                + "addjc-4t-a 10.0.0.6\n"
                + "add jc-4t-ab 10.0.0.7\n"
                + "add jc-4t-a 10.1.0.0/16 timeout 5";
        assertEquals(Map.of("jc-4t-a", new IpSetSpec("jc-4t-a", 4, Set.of("10.0.0.5/32", "10.1.0.0/16"))),
                IpSetSaveParser.parse(save).sets());
    }

    /**
     * Every resync reads the kernel's sets back; on a node of `bench scale`'s cluster they hold 100,000 members. Split
     * by a regular expression a line at a time (a pattern compiled for each), the parse allocated some 500 bytes a
     * member (docs/agent.md, "Memory", session 52); what a member needs is its string and its place in a set.
     */
    @Test
    void aMemberCostsItsStringAndItsPlaceInASetAndLittleMore() {
        StringBuilder save = new StringBuilder();
        Random random = new Random(52);
        Map<String, Set<String>> expected = new HashMap<>();
        for (int set = 0; set < 50; set++) {
            String name = "jc-4t-" + Integer.toHexString(0x1000000 + set);
            save.append("create ").append(name).append(" hash:net family inet hashsize 4096 maxelem 1048576 bucketsize 12"
                    + " initval 0x3f3a2a00\n");
            Set<String> members = expected.computeIfAbsent(name, n -> new HashSet<>());
            for (int i = 0; i < 2_000; i++) {
                String address = "10." + random.nextInt(256) + "." + random.nextInt(256) + "." + random.nextInt(256);
                save.append("add ").append(name).append(' ').append(address).append('\n');
                members.add(address + "/32");
            }
        }
        String text = save.toString();
        com.sun.management.ThreadMXBean threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        IpSetSaveParser.parse(text); // the first parse's class loading and interpretation are not what is measured
        long before = threads.getCurrentThreadAllocatedBytes();
        IpSetSnapshot snapshot = IpSetSaveParser.parse(text);
        long perMember = (threads.getCurrentThreadAllocatedBytes() - before) / 100_000;
        Map<String, Set<String>> read = new HashMap<>();
        snapshot.sets().forEach((name, set) -> read.put(name, Set.copyOf(set.members())));
        assertEquals(expected, read);
        // a member's string and array (about 56 bytes), the canonical one with its "/32" (about 64), its HashSet
        // entry (about 36 and a table slot)
        assertTrue(perMember < 300, perMember + " bytes allocated per member");
    }

    /** A resync's read-back keeps the known (calc's) object of each set that holds just what it holds, and no copy. */
    @Test
    void aSetEqualToAKnownOneIsReadAsThatOne() {
        String save = """
                create jc-4t-same hash:net family inet hashsize 1024 maxelem 1048576
                add jc-4t-same 10.0.0.5
                add jc-4t-same 10.1.0.0/16
                create jc-4t-more hash:net family inet hashsize 1024 maxelem 1048576
                add jc-4t-more 10.0.0.5
                add jc-4t-more 10.0.0.6
                create jc-4t-family hash:net family inet6 hashsize 1024 maxelem 1048576
                create jc-4t-twice hash:net family inet hashsize 1024 maxelem 1048576
                add jc-4t-twice 10.0.0.7
                create jc-4t-other hash:net family inet hashsize 1024 maxelem 1048576
                add jc-4t-twice 10.0.0.8
                """;
        IpSetSpec same = new IpSetSpec("jc-4t-same", 4, Set.of("10.0.0.5/32", "10.1.0.0/16"));
        IpSetSpec more = new IpSetSpec("jc-4t-more", 4, Set.of("10.0.0.5/32"));
        IpSetSpec family = new IpSetSpec("jc-4t-family", 4, Set.of());
        IpSetSpec twice = new IpSetSpec("jc-4t-twice", 4, Set.of("10.0.0.7/32"));
        Map<String, IpSetSpec> sets = IpSetSaveParser.parse(save, Map.of(same.name(), same, more.name(), more,
                family.name(), family, twice.name(), twice)).sets();
        assertSame(same, sets.get(same.name()));
        assertEquals(new IpSetSpec("jc-4t-more", 4, Set.of("10.0.0.5/32", "10.0.0.6/32")), sets.get(more.name()));
        assertEquals(new IpSetSpec("jc-4t-family", 6, Set.of()), sets.get(family.name()));
        // equal when its first run of lines ended, not once the second was read
        assertNotSame(twice, sets.get(twice.name()));
        assertEquals(new IpSetSpec("jc-4t-twice", 4, Set.of("10.0.0.7/32", "10.0.0.8/32")), sets.get(twice.name()));
        assertEquals(IpSetSaveParser.parse(save).sets(), sets);
    }
}
