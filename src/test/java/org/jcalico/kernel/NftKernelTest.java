package org.jcalico.kernel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.jcalico.testing.KernelTests;
import org.jcalico.testing.TestNamespaces;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * libnftables in-process ({@link Nft}) against the real kernel, in "jcna1-" namespaces: a script lands in its runner's
 * namespace and nowhere else, and a transaction the kernel or nft's parser refuses is reported as refused and changed
 * nothing. Every script that could land in the wrong namespace first deletes a table that only the right namespace
 * holds, so in any other (the root namespace included) the whole transaction would be refused: the root namespace
 * cannot be changed by these tests, only read.
 */
@Tag("kernel")
class NftKernelTest {
    private static final String PREFIX = TestNamespaces.named("jcna1-");
    private static CommandRunner first;
    private static CommandRunner second;

    @BeforeAll
    static void createNamespaces() {
        KernelTests.assumeKernel();
        Namespaces.deleteAll(PREFIX);
        first = Namespaces.create(PREFIX + "a");
        second = Namespaces.create(PREFIX + "b");
    }

    @AfterAll
    static void deleteNamespaces() {
        Namespaces.deleteAll(PREFIX);
    }

    @Test
    void aScriptLandsInItsRunnersNamespaceAndNotInTheRootOrAnother() {
        assertTrue(Nft.inProcess(), "libnftables.so.1 (package nftables) loads: " + Libnftables.failure());
        assertFalse(tables(CommandRunner.local()).contains("jcna-marker"), "the root namespace holds no jcna-marker table");
        first.run("nft", "add", "table", "ip", "jcna-marker-a").check();
        second.run("nft", "add", "table", "ip", "jcna-marker-b").check();
        Nft inFirst = first.nft();
        Nft inSecond = second.nft();

        inFirst.apply("delete table ip jcna-marker-a\nadd table ip jcna-landed-a\n").check();
        inSecond.apply("delete table ip jcna-marker-b\nadd table ip jcna-landed-b\n").check();
        // the same thread again: still in its namespace
        inFirst.apply("add table ip jcna-marker-a\nadd table ip jcna-again-a\n").check();

        assertEquals("table ip jcna-landed-a\ntable ip jcna-marker-a\ntable ip jcna-again-a\n", tables(first));
        assertEquals("table ip jcna-landed-b\n", tables(second));
        assertFalse(tables(CommandRunner.local()).contains("jcna-"), "nothing landed in the root namespace");
    }

    @Test
    void aNamespaceThatCannotBeEnteredRunsNothing() {
        CommandRunner.Result result = CommandRunner.inNamespace(PREFIX + "missing").nft()
                .apply("delete table ip jcna-marker-missing\nadd table ip jcna-never\n");
        assertFalse(result.ok());
        assertTrue(result.stderr().contains("network namespace /run/netns/" + PREFIX + "missing"), result.stderr());
        assertFalse(tables(CommandRunner.local()).contains("jcna-"), "nothing landed in the root namespace");
    }

    @Test
    void aTransactionTheKernelRefusesIsReportedAndChangesNothing() {
        Nft nft = first.nft();
        // nft's parser accepts it; the kernel refuses deleting an element the set does not hold, at commit
        CommandRunner.Result refused = nft.apply("add table ip jcna-partial\nadd set ip jcna-partial s { type ipv4_addr; }\n"
                + "add element ip jcna-partial s { 10.0.0.2 }\ndelete element ip jcna-partial s { 10.0.0.1 }\n");
        assertFalse(refused.ok());
        assertTrue(refused.stderr().contains("Error"), refused.stderr());
        KernelException thrown = assertThrows(KernelException.class, refused::check);
        assertTrue(thrown.getMessage().startsWith("nft -f -: "), thrown.getMessage());
        assertFalse(tables(first).contains("jcna-partial"), "nothing of the refused transaction was applied");

        // the context goes on, and reports nothing of the refusal before
        CommandRunner.Result next = nft.apply("add table ip jcna-partial\n");
        assertTrue(next.ok(), next.stderr());
        assertEquals("", next.stderr());
        first.run("nft", "delete", "table", "ip", "jcna-partial").check();
    }

    @Test
    void aScriptNftCannotParseIsReportedAndChangesNothing() {
        CommandRunner.Result refused = first.nft().apply("add table ip jcna-partial\nadd chain ip jcna-partial c\n"
                + "add rule ip jcna-partial c tcp dport nonsense accept\n");
        assertFalse(refused.ok());
        assertTrue(refused.stderr().contains("Error"), refused.stderr());
        assertFalse(tables(first).contains("jcna-partial"));
    }

    @Test
    void aControlCharacterInTheScriptIsRefusedBeforeAnythingRuns() {
        assertThrows(KernelException.class, () -> first.nft().apply("add table ip jcna-ctl\u001b\n"));
        assertFalse(tables(first).contains("jcna-ctl"));
    }

    @Test
    void aScriptThatTimedOutNeverLandsAfterALaterOne() throws InterruptedException {
        Nft nft = first.withTimeout(1).nft();
        StringBuilder slow = new StringBuilder("add table ip jcna-slow\nadd set ip jcna-slow s { type ipv4_addr; }\n"
                + "add element ip jcna-slow s { 10.0.0.0");
        for (int i = 1; i < 600_000; i++) {
            slow.append(", 10.").append(i >> 16 & 255).append('.').append(i >> 8 & 255).append('.').append(i & 255);
        }
        CommandRunner.Result timedOut = nft.apply(slow.append(" }\n").toString());
        assertEquals(124, timedOut.exitCode(), "600,000 elements take libnftables over a second: " + timedOut.stderr());

        // newer than the slow one: whatever it reports, the slow one must not land after it did
        CommandRunner.Result newer = nft.apply("add table ip jcna-slow\ndelete table ip jcna-slow\n");
        // until the slow one has committed (then the thread is free again), or long past when it would have
        for (int waited = 0; waited < 300 && !tables(first).contains("jcna-slow"); waited++) {
            Thread.sleep(100);
        }
        if (newer.ok()) {
            assertFalse(tables(first).contains("jcna-slow"), "the older, slower transaction landed after the newer one");
        }
        // once the slow script is done, the same thread takes the next one
        CommandRunner.Result after = nft.apply("add table ip jcna-slow\ndelete table ip jcna-slow\n");
        assertTrue(after.ok(), after.stderr());
        assertFalse(tables(first).contains("jcna-slow"));
    }

    private static String tables(CommandRunner runner) {
        return runner.run("nft", "list", "tables").check().stdout();
    }
}
