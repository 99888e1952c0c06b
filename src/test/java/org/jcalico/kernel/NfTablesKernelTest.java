package org.jcalico.kernel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Set;
import org.jcalico.testing.KernelTests;
import org.jcalico.testing.TestNamespaces;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Tag;

/**
 * nf_tables read over netlink ({@link NfTables}) in "jct-nftgen" namespaces: the generation moves by one with each
 * committed transaction of iptables or ip6tables, stays for reads and ipset changes, and is each namespace's own; the
 * tables are listed by family and name.
 */
@Tag("kernel")
class NfTablesKernelTest {
    private static final String PREFIX = TestNamespaces.named("jct-nftgen-");

    @BeforeAll
    static void clean() {
        KernelTests.assumeKernel();
        Namespaces.deleteAll(PREFIX);
    }

    @AfterAll
    static void deleteNamespaces() {
        Namespaces.deleteAll(PREFIX);
    }

    @Test
    void movesWithEachCommitAndOnlyThen() {
        CommandRunner host = Namespaces.create(PREFIX + "a");
        CommandRunner other = Namespaces.create(PREFIX + "b");
        NfTables generation = host.nfTables();
        NfTables othersGeneration = other.nfTables();
        host.run("iptables", "-N", "jct-gen").check();
        long start = generation.read();
        long othersStart = othersGeneration.read();
        assertEquals(start, generation.read(), "reading moves nothing");

        host.run("iptables", "-A", "jct-gen", "-j", "ACCEPT").check();
        assertEquals(start + 1, generation.read());
        host.run("ip6tables", "-N", "jct-gen").check();
        assertEquals(start + 2, generation.read(), "IPv6 rules are nf_tables too");
        host.run("iptables-save").check();
        host.run("ipset", "create", "jct-gen", "hash:ip").check();
        host.run("ipset", "add", "jct-gen", "10.0.0.1").check();
        assertEquals(start + 2, generation.read(), "a save and ipsets move nothing");
        assertTrue(host.run("iptables", "-A", "jct-gen", "-j", "NO-SUCH-CHAIN").exitCode() != 0);
        assertEquals(start + 2, generation.read(), "a refused transaction moves nothing");
        assertEquals(othersStart, othersGeneration.read(), "another namespace's generation is its own");
    }

    @Test
    void listsTheTablesByFamilyAndName() {
        CommandRunner host = Namespaces.create(PREFIX + "c");
        NfTables tables = host.nfTables();
        assertEquals(Set.of(), tables.tables());
        host.run("iptables", "-N", "jct-gen").check();
        host.run(List.of("nft", "-f", "-"), "add table ip6 jcalico\nadd table inet jct-other\n").check();
        assertEquals(Set.of("ip filter", "ip6 jcalico", "inet jct-other"), tables.tables());
    }

    @Test
    void namesTheBaseChainsInForceOfOneTable() {
        CommandRunner host = Namespaces.create(PREFIX + "d");
        NfTables tables = host.nfTables();
        assertEquals(Set.of(), tables.baseChainsInForce("ip", "jcalico"), "no table");
        host.run(List.of("nft", "-f", "-"), """
                add table ip jcalico
                add chain ip jcalico filter-FORWARD { type filter hook forward priority filter; policy accept; }
                add chain ip jcalico jc-FORWARD
                add table ip other
                add chain ip other filter-INPUT { type filter hook input priority filter; policy accept; }
                add table ip6 jcalico
                add chain ip6 jcalico filter-OUTPUT { type filter hook output priority filter; policy accept; }
                """).check();
        host.run("iptables", "-N", "jct-gen").check();
        assertEquals(Set.of("filter-FORWARD"), tables.baseChainsInForce("ip", "jcalico"), "its base chains only");
        assertEquals(Set.of("filter-OUTPUT"), tables.baseChainsInForce("ip6", "jcalico"));
        host.run(List.of("nft", "add table ip jcalico { flags dormant; }")).check();
        assertEquals(Set.of(), tables.baseChainsInForce("ip", "jcalico"), "a dormant table's hooks see no packet");
    }

    @Test
    void namesTheForwardHooksChainsThatDropByPolicyInEveryTable() {
        CommandRunner host = Namespaces.create(PREFIX + "e");
        NfTables tables = host.nfTables();
        assertEquals(Set.of(), tables.forwardDropping(), "no table");
        host.run("iptables", "-P", "FORWARD", "DROP").check();
        host.run(List.of("nft", "-f", "-"), """
                add table inet firewall
                add chain inet firewall forward { type filter hook forward priority filter; policy drop; }
                add chain inet firewall input { type filter hook input priority filter; policy drop; }
                add table ip6 open
                add chain ip6 open forward { type filter hook forward priority filter; policy accept; }
                add table ip asleep { flags dormant; }
                add chain ip asleep forward { type filter hook forward priority filter; policy drop; }
                add table bridge bridged
                add chain bridge bridged forward { type filter hook forward priority filter; policy drop; }
                """).check();
        // docker's FORWARD policy, a firewall's forward chain; not an input chain, an accepting one, a dormant table's,
        // nor a bridge's (frames between a bridge's ports are not routed)
        BaseChain firewall = new BaseChain("inet", "firewall", "forward");
        assertEquals(Set.of(new BaseChain("ip", "filter", "FORWARD"), firewall), tables.forwardDropping());
        host.run("iptables", "-P", "FORWARD", "ACCEPT").check();
        assertEquals(Set.of(firewall), tables.forwardDropping());
    }
}
