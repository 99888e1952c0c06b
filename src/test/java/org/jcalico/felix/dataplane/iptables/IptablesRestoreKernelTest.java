package org.jcalico.felix.dataplane.iptables;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.jcalico.felix.dataplane.Changes;
import org.jcalico.felix.dataplane.ipsets.IpSetDriver;
import org.jcalico.felix.hoststate.Chain;
import org.jcalico.felix.hoststate.IpSetSpec;
import org.jcalico.felix.hoststate.IptablesState;
import org.jcalico.kernel.CommandRunner;
import org.jcalico.kernel.KernelException;
import org.jcalico.kernel.Namespaces;
import org.jcalico.kernel.ToolSession;
import org.jcalico.testing.KernelTests;
import org.jcalico.testing.TestNamespaces;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * The long-lived iptables-restore against the real iptables-nft, in a namespace of its own ("jcia-restore"): its echo
 * confirms a batch only once every table is committed, a refused line or a tool that ends mid-batch is never taken
 * for done, and what other writers do to the table between (or during) its batches is what its next batch sees, as a
 * restore of its own would.
 */
@Tag("kernel")
class IptablesRestoreKernelTest {
    private static final String NAMESPACE = TestNamespaces.named("jcia-restore");
    /**
     * A long-lived restore given the first 4 lines of its first batch (a whole table, which it commits), then killed
     * with kill -9 while it waits for the rest; its shell goes with it.
     */
    private static final String KILLED_AFTER_FIRST_TABLE = "f=$(mktemp -u); mkfifo \"$f\";"
            + " iptables-restore --noflush --verbose --wait <\"$f\" & r=$!; exec 4>\"$f\"; rm \"$f\"; head -n 4 >&4;"
            + " until iptables -S jc-a >/dev/null 2>&1; do sleep 0.05; done; kill -9 $r; kill -9 $$";
    private CommandRunner host;
    private IptablesRestore restore;

    @BeforeAll
    static void removeLeftovers() {
        KernelTests.assumeKernel();
        Namespaces.deleteAll(NAMESPACE);
    }

    @BeforeEach
    void createHost() {
        host = Namespaces.create(NAMESPACE);
        restore = new IptablesRestore(host, "iptables-restore");
    }

    @AfterEach
    void deleteNamespace() {
        Namespaces.delete(NAMESPACE);
    }

    /**
     * What the driver's confirmation rests on: a comment is echoed when the tool reaches it, so one inside a table
     * comes back before that table's commit and one after the last COMMIT only once every table is in the kernel. A
     * tool that put off its commits (to the end of its input, say) would answer the closing comment with nothing
     * committed.
     */
    @Test
    void theEchoOfACommentAfterTheLastCommitComesOnlyOnceEveryTableIsInTheKernel() {
        StringBuilder table = new StringBuilder("*filter\n:jc-big - [0:0]\n");
        for (int i = 0; i < 2_000; i++) {
            table.append("-A jc-big -s 10.1.").append(i / 250).append('.').append(i % 250).append(" -j ACCEPT\n");
        }
        ToolSession session = host.session("iptables-restore", "--noflush", "--verbose", "--wait");
        try {
            // the tool waits for more input after each echo, so what the kernel holds then is what the echo vouches for
            assertEquals(List.of("# inside"), session.exchange(table + "# inside\n", "# inside"::equals));
            assertFalse(host.run("iptables", "-S", "jc-big").ok(), "a comment inside a table comes back before its commit");
            assertEquals(List.of("# after"), session.exchange(
                    "COMMIT\n*nat\n:jc-nat - [0:0]\n-A jc-nat -s 10.2.0.1 -j RETURN\nCOMMIT\n# after\n", "# after"::equals));
            assertEquals(2_000, rules("jc-big").size());
            assertEquals(List.of("-A jc-nat -s 10.2.0.1/32 -j RETURN"), host.run("iptables", "-t", "nat", "-S", "jc-nat")
                    .check().stdout().lines().filter(line -> line.startsWith("-A")).toList());
        } finally {
            session.end();
        }
    }

    @Test
    void aRefusedLineEndsTheProcessIsNamedByItsLineInTheBatchAndTheNextBatchGoesToANewProcess() {
        restore.apply("*filter\n:jc-a - [0:0]\n-A jc-a -s 10.0.0.1 -j ACCEPT\nCOMMIT\n");
        long first = restore.pid();
        KernelException refused = assertThrows(KernelException.class, () -> restore.apply(
                "*filter\n-A jc-a -s 10.0.0.2 -j ACCEPT\n-A jc-missing -s 10.0.0.3 -j ACCEPT\nCOMMIT\n"));
        assertTrue(refused.getMessage().contains("line 3 failed"), refused.getMessage());
        assertEquals(List.of("-A jc-a -s 10.0.0.1/32 -j ACCEPT"), rules("jc-a"), "the refused table changed nothing");
        assertTrue(ProcessHandle.of(first).map(process -> !process.isAlive()).orElse(true), "the refusing process is gone");

        restore.apply("*filter\n-A jc-a -s 10.0.0.4 -j ACCEPT\nCOMMIT\n");
        assertEquals(List.of("-A jc-a -s 10.0.0.1/32 -j ACCEPT", "-A jc-a -s 10.0.0.4/32 -j ACCEPT"), rules("jc-a"));
        assertNotEquals(first, restore.pid(), "a new process took the next batch");
    }

    @Test
    void anythingButTheEchoBeforeItMakesTheBatchUnknownAndEndsTheProcess() {
        List<String> runs = new java.util.concurrent.CopyOnWriteArrayList<>();
        restore = new IptablesRestore(host.observedBy((tool, ok) -> runs.add(tool + " " + ok)), "iptables-restore");
        restore.apply("*filter\n:jc-a - [0:0]\nCOMMIT\n");
        long first = restore.pid();
        // a comment of the input is echoed like the closing one: the batch went through, yet the answer is not the
        // one expected, and that is never taken for done, nor counted as a run that went well
        KernelException odd = assertThrows(KernelException.class,
                () -> restore.apply("*filter\n# jcalico's own input never holds a comment\n-A jc-a -j ACCEPT\nCOMMIT\n"));
        assertTrue(odd.getMessage().contains("before it confirmed its batch"), odd.getMessage());
        restore.apply("*filter\n-A jc-a -j DROP\nCOMMIT\n");
        assertNotEquals(first, restore.pid());
        assertEquals(List.of("iptables-restore true", "iptables-restore false", "iptables-restore true"), runs);
    }

    @Test
    void aRestoreKilledMidBatchIsNeverTakenForDone() {
        IptablesRestore killed = new IptablesRestore(host, "iptables-restore", host.session("sh", "-c", KILLED_AFTER_FIRST_TABLE));
        assertThrows(KernelException.class, () -> killed.apply(
                "*filter\n:jc-a - [0:0]\n-A jc-a -j ACCEPT\nCOMMIT\n*nat\n:jc-n - [0:0]\n-A jc-n -j RETURN\nCOMMIT\n"));
        assertEquals(List.of("-A jc-a -j ACCEPT"), rules("jc-a"), "it was killed mid-batch");
        assertFalse(host.run("iptables", "-t", "nat", "-S", "jc-n").ok());
    }

    /** The driver handles a restore killed mid-batch as a refused one: it reads the kernel back and writes what differs. */
    @Test
    void theDriverReadsBackAfterARestoreKilledMidBatch() throws Exception {
        Path once = Files.createTempDirectory("jcia-restore").resolve("killed");
        try {
            IptablesRestore killedOnce = new IptablesRestore(host, "iptables-restore", host.session("sh", "-c",
                    "if mkdir '" + once + "' 2>/dev/null; then " + KILLED_AFTER_FIRST_TABLE + "; fi;"
                            + " exec iptables-restore --noflush --verbose --wait"));
            IptablesDriver driver = new IptablesDriver(host, 4, killedOnce);
            IptablesState desired = new IptablesState(4, Map.of(
                    "filter", Map.of("jc-a", new Chain("jc-a", List.of("-j ACCEPT"))),
                    "nat", Map.of("jc-n", new Chain("jc-n", List.of("-j RETURN")))), List.of());
            Changes killed = driver.apply(desired, Set.of());
            assertFalse(killed.failures().isEmpty(), "a batch killed midway is not done: " + killed);

            assertEquals(Map.of(), driver.apply(desired, Set.of()).failures());
            assertEquals(Changes.NONE, new IptablesDriver(host, 4).apply(desired, Set.of()), "the kernel holds the desired state");
        } finally {
            Files.deleteIfExists(once);
            Files.deleteIfExists(once.getParent());
        }
    }

    /**
     * Every shape {@link RuleHash#plain} leaves untagged is printed by iptables-save as written, in both families: a
     * new driver's read-back finds the rules as calc wants them and writes nothing (a shape printed otherwise would be
     * rewritten at every read-back).
     */
    @Test
    void everyUntaggedShapeIsReadBackAsWritten() {
        for (int version : List.of(4, 6)) {
            List<String> rules = List.of("-i jc+ -g jc-b", "-o jc+ -j jc-b", "-i jc+ -j ACCEPT", "-o jcw1.x_y-z -g jc-b",
                    "-m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT",
                    "-m conntrack --ctstate RELATED,ESTABLISHED -j RETURN", "-j jc-b", "-j RETURN", "-j DROP");
            rules.forEach(rule -> assertTrue(RuleHash.plain(rule), rule));
            IptablesState desired = new IptablesState(version, Map.of("filter", Map.of(
                    "jc-a", new Chain("jc-a", rules), "jc-b", new Chain("jc-b", List.of("-j RETURN")))), List.of());
            assertEquals(Map.of(), new IptablesDriver(host, version).apply(desired, Set.of()).failures());
            String saved = host.run(version == 4 ? "iptables-save" : "ip6tables-save").check().stdout();
            assertFalse(saved.contains("--comment"), saved);
            assertEquals(Changes.NONE, new IptablesDriver(host, version).apply(desired, Set.of()),
                    "IPv" + version + ": a new driver reads every rule back as written: " + saved);
        }
    }

    /**
     * The long-lived process resolves positions against the table as it is at each COMMIT: with another writer's
     * rule put first, "-I jc-a 3" goes before the second of jcalico's rules, not at the end (where a cache of the
     * first batch's chain would put it), as a restore of its own would.
     */
    @Test
    void anotherWritersRuleMovesTheNextBatchsPositionsAsForAFreshRestore() {
        restore.apply("*filter\n:jc-a - [0:0]\n-A jc-a -s 10.0.0.1 -j ACCEPT\n-A jc-a -s 10.0.0.2 -j ACCEPT\nCOMMIT\n");
        long pid = restore.pid();
        host.run("iptables", "-I", "jc-a", "1", "-s", "10.9.9.9", "-j", "DROP").check();
        restore.apply("*filter\n-I jc-a 3 -s 10.0.0.3 -j ACCEPT\nCOMMIT\n");
        assertEquals(List.of("-A jc-a -s 10.9.9.9/32 -j DROP", "-A jc-a -s 10.0.0.1/32 -j ACCEPT",
                "-A jc-a -s 10.0.0.3/32 -j ACCEPT", "-A jc-a -s 10.0.0.2/32 -j ACCEPT"), rules("jc-a"));

        // another writer deleting a rule (here the first of jcalico's) moves them back
        host.run("iptables", "-D", "jc-a", "-s", "10.0.0.1", "-j", "ACCEPT").check();
        restore.apply("*filter\n-I jc-a 2 -s 10.0.0.4 -j ACCEPT\nCOMMIT\n");
        assertEquals(List.of("-A jc-a -s 10.9.9.9/32 -j DROP", "-A jc-a -s 10.0.0.4/32 -j ACCEPT",
                "-A jc-a -s 10.0.0.3/32 -j ACCEPT", "-A jc-a -s 10.0.0.2/32 -j ACCEPT"), rules("jc-a"));
        assertEquals(pid, restore.pid(), "one long-lived process took every batch");
    }

    @Test
    void aChainAnotherWriterCreatedOrDeletedIsSeenByTheNextBatch() {
        restore.apply("*filter\n:jc-a - [0:0]\nCOMMIT\n");
        long pid = restore.pid();
        host.run("iptables", "-N", "jc-b").check();
        host.run("iptables", "-A", "jc-b", "-s", "10.8.8.8", "-j", "DROP").check();
        restore.apply("*filter\n:jc-b - [0:0]\n-A jc-b -s 10.0.0.1 -j ACCEPT\nCOMMIT\n");
        assertEquals(List.of("-A jc-b -s 10.0.0.1/32 -j ACCEPT"), rules("jc-b"), "declared, so flushed and filled");

        host.run("iptables", "-F", "jc-b").check();
        host.run("iptables", "-X", "jc-b").check();
        restore.apply("*filter\n:jc-b - [0:0]\n-A jc-b -s 10.0.0.2 -j ACCEPT\nCOMMIT\n");
        assertEquals(List.of("-A jc-b -s 10.0.0.2/32 -j ACCEPT"), rules("jc-b"), "declared again, so made again");
        assertEquals(pid, restore.pid());

        host.run("iptables", "-F", "jc-b").check();
        host.run("iptables", "-X", "jc-b").check();
        assertThrows(KernelException.class, () -> restore.apply("*filter\n-I jc-b 1 -s 10.0.0.3 -j ACCEPT\nCOMMIT\n"),
                "an insert into a chain another writer deleted is refused, not applied to what the process saw before");
        restore.apply("*filter\n-A jc-a -s 10.0.0.4 -j ACCEPT\nCOMMIT\n");
        assertEquals(List.of("-A jc-a -s 10.0.0.4/32 -j ACCEPT"), rules("jc-a"));
    }

    /** The driver's own cold-start restore (a process of its own) between two batches of the long-lived one. */
    @Test
    void aLargeInputGoesToARestoreOfItsOwnWhichTheLongLivedOneThenSees() {
        restore.apply("*filter\n:jc-a - [0:0]\n-A jc-a -s 10.0.0.1 -j ACCEPT\nCOMMIT\n");
        long pid = restore.pid();
        StringBuilder large = new StringBuilder("*filter\n:jc-a - [0:0]\n");
        int count = 0;
        while (large.length() <= IptablesRestore.SESSION_INPUT) {
            large.append("-A jc-a -s 10.3.").append(count / 250).append('.').append(count % 250).append(" -j ACCEPT\n");
            count++;
        }
        restore.apply(large.append("COMMIT\n").toString());
        assertEquals(count, rules("jc-a").size(), "the chain was rewritten");
        restore.apply("*filter\n-I jc-a 2 -s 10.0.0.2 -j ACCEPT\nCOMMIT\n");
        List<String> after = rules("jc-a");
        assertEquals(List.of("-A jc-a -s 10.3.0.0/32 -j ACCEPT", "-A jc-a -s 10.0.0.2/32 -j ACCEPT",
                "-A jc-a -s 10.3.0.1/32 -j ACCEPT"), after.subList(0, 3));
        assertEquals(pid, restore.pid(), "the large input did not go through the long-lived process");
    }

    /**
     * A cold start's restore (a process of its own) leaves the long-lived one started, so that the first small batch
     * after it (an endpoint's arrival) does not wait for the tool's start: 10-17 ms of the first add's 50 in `bench
     * felix`. Before, the long-lived process started only with that batch.
     */
    @Test
    void aLargeInputLeavesTheLongLivedRestoreStartedForTheNextBatch() throws Exception {
        StringBuilder large = new StringBuilder("*filter\n:jc-a - [0:0]\n");
        for (int count = 0; large.length() <= IptablesRestore.SESSION_INPUT; count++) {
            large.append("-A jc-a -s 10.3.").append(count / 250).append('.').append(count % 250).append(" -j ACCEPT\n");
        }
        restore.apply(large.append("COMMIT\n").toString());
        long deadline = System.nanoTime() + 5_000_000_000L;
        List<Long> running = longLivedRestores();
        while (running.isEmpty() && System.nanoTime() < deadline) {
            Thread.sleep(20);
            running = longLivedRestores();
        }
        assertEquals(1, running.size(), "one long-lived restore runs in the namespace before any small batch");
        restore.apply("*filter\n-I jc-a 1 -s 10.0.0.2 -j ACCEPT\nCOMMIT\n");
        assertEquals("-A jc-a -s 10.0.0.2/32 -j ACCEPT", rules("jc-a").get(0));
        assertEquals(running.get(0), restore.pid(), "the small batch went to the process started ahead of it");
    }

    /** The namespace's processes that are a long-lived restore (with --verbose, which a restore of its own lacks). */
    private static List<Long> longLivedRestores() throws Exception {
        List<Long> found = new java.util.ArrayList<>();
        for (String pid : CommandRunner.local().run(List.of("ip", "netns", "pids", NAMESPACE)).check()
                .stdout().lines().map(String::strip).filter(line -> !line.isEmpty()).toList()) {
            Path cmdline = Path.of("/proc", pid, "cmdline");
            if (Files.exists(cmdline) && Files.readString(cmdline).replace('\0', ' ')
                    .startsWith("iptables-restore --noflush --verbose --wait")) {
                found.add(Long.parseLong(pid));
            }
        }
        return found;
    }

    /**
     * A large input goes to its restore with a listing after each table line (WholeTableCache): it writes what it
     * says, and a refused line is still named by its line in the input given, nothing of its table committed.
     */
    @Test
    void aLargeInputWritesItsChainsAndARefusedLineKeepsItsOwnNumber() {
        StringBuilder large = new StringBuilder("*filter\n");
        int chains = 0;
        while (large.length() <= IptablesRestore.SESSION_INPUT) {
            large.append(":jc-c").append(chains).append(" - [0:0]\n-A jc-c").append(chains).append(" -j ACCEPT\n");
            chains++;
        }
        restore.apply(large + "COMMIT\n");
        assertEquals(List.of("-A jc-c0 -j ACCEPT"), rules("jc-c0"));
        assertEquals(List.of("-A jc-c" + (chains - 1) + " -j ACCEPT"), rules("jc-c" + (chains - 1)));

        String refusedLine = "-A jc-missing -j ACCEPT\n";
        long line = large.chars().filter(c -> c == '\n').count() + 1;
        KernelException refused = assertThrows(KernelException.class, () -> restore.apply(
                large.toString().replace(":jc-c0 - [0:0]\n-A jc-c0 -j ACCEPT\n", ":jc-c0 - [0:0]\n")
                        + "-A jc-c1 -j DROP\n" + refusedLine + "COMMIT\n"));
        assertTrue(refused.getMessage().contains("line " + line + " failed"), refused.getMessage());
        assertEquals(List.of("-A jc-c0 -j ACCEPT"), rules("jc-c0"), "the refused table changed nothing");
        assertEquals(List.of("-A jc-c1 -j ACCEPT"), rules("jc-c1"));
    }

    /**
     * A large input that hooks a built-in chain the kernel does not hold yet (a fresh namespace has no filter table):
     * listed before the hook, iptables-nft took FORWARD for a chain that exists and the insert was refused.
     */
    @Test
    void aLargeInputHooksABuiltInChainTheKernelDoesNotHoldYet() {
        StringBuilder large = new StringBuilder("*filter\n");
        int chains = 0;
        while (large.length() <= IptablesRestore.SESSION_INPUT) {
            large.append(":jc-c").append(chains++).append(" - [0:0]\n");
        }
        large.append("-I FORWARD 1 -j jc-c0\n");
        for (int i = 0; i < chains; i++) {
            large.append("-A jc-c").append(i).append(" -j RETURN\n");
        }
        restore.apply(large + "COMMIT\n");
        assertEquals(List.of("-A FORWARD -j jc-c0"), rules("FORWARD"));
        assertEquals(List.of("-A jc-c" + (chains - 1) + " -j RETURN"), rules("jc-c" + (chains - 1)));
    }

    /**
     * Another process writing all along: a batch whose ruleset generation is stale when it reaches the kernel is
     * refused with ERESTART, and iptables-nft reads the table again and retries (seen under strace while this test
     * was written); were it to give up instead, a batch here would be refused.
     */
    @Test
    void batchesGoThroughWhileAnotherProcessWritesAllAlong() throws Exception {
        StringBuilder chain = new StringBuilder("*filter\n:jc-a - [0:0]\n:jc-other - [0:0]\n");
        for (int i = 0; i < 500; i++) {
            chain.append("-A jc-a -s 10.4.").append(i / 250).append('.').append(i % 250).append(" -j ACCEPT\n");
        }
        restore.apply(chain.append("COMMIT\n").toString());
        Process writer = new ProcessBuilder(host.command(List.of("sh", "-c",
                "while :; do iptables -A jc-other -j ACCEPT; iptables -D jc-other -j ACCEPT; done"))).start();
        try {
            for (int i = 0; i < 300; i++) {
                restore.apply("*filter\n-I jc-a " + (i + 1) + " -s 10.5." + i / 250 + "." + i % 250 + " -j ACCEPT\nCOMMIT\n");
            }
        } finally {
            writer.destroyForcibly().waitFor();
        }
        List<String> rules = rules("jc-a");
        assertEquals(800, rules.size());
        for (int i = 0; i < 300; i++) {
            assertEquals("-A jc-a -s 10.5." + i / 250 + "." + i % 250 + "/32 -j ACCEPT", rules.get(i));
        }
    }

    /**
     * nf_tables frees a deleted rule's matches (and with them its hold on an ipset) in a work queue after the commit;
     * a process that releases a netfilter netlink socket (a restore of its own exiting) makes the kernel finish that
     * work, the long-lived restore never does. So right after its batch deleted the last rule matching a set, the set
     * could still be held, and the sweep that destroys it was refused now and then, then retried from a read-back of
     * every set (169,000 members in `bench policy`). Each sweep is one exchange that the kernel takes at once.
     */
    @Test
    void aSetIsDestroyedRightAfterTheLongLivedRestoreDeletedTheLastRuleMatchingIt() {
        IptablesDriver iptables = new IptablesDriver(host, 4);
        List<Boolean> exchanges = new java.util.concurrent.CopyOnWriteArrayList<>();
        IpSetDriver ipsets = new IpSetDriver(host.observedBy((tool, ok) -> exchanges.add(ok)));
        for (int i = 0; i < 30; i++) {
            IpSetSpec set = new IpSetSpec("jc-4s-" + i, IpSetSpec.Type.NET, 4, Set.of("10.0.0." + i + "/32"));
            assertEquals(Map.of(), ipsets.fill(Map.of(set.name(), set), Map.of(), true).failures());
            IptablesState matching = new IptablesState(4, Map.of("filter", Map.of("jc-a",
                    new Chain("jc-a", List.of("-m set --match-set " + set.name() + " src -j ACCEPT")))), List.of());
            assertEquals(Map.of(), iptables.apply(matching, Set.of()).failures());
            assertEquals(Map.of(), iptables.apply(new IptablesState(4, Map.of(), List.of()), Set.of()).failures());
            exchanges.clear();
            assertEquals(Map.of(), ipsets.sweep(Map.of()).failures(), "round " + i);
            assertEquals(List.of(true), exchanges, "round " + i + ": the sweep's exchanges with the kernel (false: refused;"
                    + " more than one: read back and written again)");
        }
    }

    private List<String> rules(String chain) {
        return host.run("iptables", "-S", chain).check().stdout().lines().filter(line -> line.startsWith("-A")).toList();
    }
}
