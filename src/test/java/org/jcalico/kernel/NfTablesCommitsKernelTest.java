package org.jcalico.kernel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.jcalico.testing.Eventually;
import org.jcalico.util.Shown;
import org.jcalico.testing.KernelTests;
import org.jcalico.testing.TestNamespaces;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * Which commits to a namespace's nf_tables {@link NfTablesCommits} tells ("jctnc-host"): another process's (here an
 * orphaned shell's nft, not a descendant of this JVM), not this process's own children's (nft, iptables-restore) nor
 * its in-process libnftables'.
 */
@Tag("kernel")
class NfTablesCommitsKernelTest {
    private static final String HOST = TestNamespaces.named("jctnc-host");
    private CommandRunner host;

    @BeforeEach
    void createHost() {
        KernelTests.assumeKernel();
        Namespaces.deleteAll(HOST);
        host = Namespaces.create(HOST);
    }

    @AfterEach
    void deleteHost() {
        Namespaces.delete(HOST);
    }

    @Test
    void anotherProcesssCommitIsToldAndThisProcesssOwnAreNot() throws Exception {
        List<NfTablesCommits.Commit> told = new CopyOnWriteArrayList<>();
        try (NfTablesCommits commits = host.nfTablesCommits(told::add)) {
            host.run("nft", "add", "table", "ip", "mine").check();
            host.run(List.of("iptables-restore", "-w", "5", "--noflush"), "*filter\n:jc-x - [0:0]\nCOMMIT\n").check();
            host.nft().apply("add table ip mine2\n");
            host.run("sh", "-c", "(sleep 0.1; nft 'add table ip theirs; add chain ip theirs c; add rule ip theirs c accept')"
                    + " >/dev/null 2>&1 &").check();
            assertTrue(Eventually.within(5, () -> !told.isEmpty()), "the orphan's commit is told");
            Thread.sleep(200);
            assertEquals(1, told.size(), String.valueOf(told));
            assertTrue(told.get(0).who().endsWith("(nft)"), String.valueOf(told));
            assertEquals(java.util.Set.of("ip theirs"), told.get(0).tables(), "the tables the commit touched");
            assertEquals(java.util.Set.of(new NfTablesCommits.Touched("ip theirs", null), new NfTablesCommits.Touched("ip theirs", "c")),
                    told.get(0).touched(), "the table and chain made, and the rule's chain");
        }
    }

    /**
     * The committing task's name is the other program's to choose (the name it was run by, or prctl's): told as it was,
     * an escape sequence in it reached felix.log and `node status`'s warning ("another program keeps changing ...") and
     * worked on the terminal of whoever read them. Here nft run by a link whose name sets the terminal's title.
     */
    @Test
    void aCommittersNameIsToldWithItsControlCharactersWrittenOut(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir)
            throws Exception {
        List<NfTablesCommits.Commit> told = new CopyOnWriteArrayList<>();
        try (NfTablesCommits commits = host.nfTablesCommits(told::add)) {
            host.run("sh", "-c", "(sleep 0.1; n=\"$(printf '" + dir + "/\\033]0;x\\007nft')\"; ln -s \"$(command -v nft)\" \"$n\";"
                    + " \"$n\" add table ip theirs) >/dev/null 2>&1 &").check();
            assertTrue(Eventually.within(5, () -> !told.isEmpty()), "the orphan's commit is told");
            assertTrue(told.get(0).who().matches("pid [0-9]+ \\(\\\\x1b]0;x\\\\x07nft\\)"), Shown.escaped(String.valueOf(told)));
        }
    }
}
