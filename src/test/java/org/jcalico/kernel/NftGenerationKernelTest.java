package org.jcalico.kernel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.jcalico.testing.KernelTests;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Tag;

/**
 * The nf_tables generation ({@link NftGeneration}) in "jct-nftgen" namespaces: it moves by one with each committed
 * transaction of iptables or ip6tables, stays for reads and ipset changes, and is each namespace's own.
 */
@Tag("kernel")
class NftGenerationKernelTest {
    private static final String PREFIX = "jct-nftgen-";

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
        NftGeneration generation = host.nftGeneration();
        NftGeneration othersGeneration = other.nftGeneration();
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
}
