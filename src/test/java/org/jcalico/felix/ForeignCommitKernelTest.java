package org.jcalico.felix;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.jcalico.datastore.Datastore;
import org.jcalico.datastore.Datastores;
import org.jcalico.datastore.ResourceStore;
import org.jcalico.datastore.Versioned;
import org.jcalico.felix.dataplane.Dataplane;
import org.jcalico.felix.dataplane.WorkloadHost;
import org.jcalico.kernel.CommandRunner;
import org.jcalico.model.Cidr;
import org.jcalico.model.DataplaneDriver;
import org.jcalico.model.EndpointStatus;
import org.jcalico.model.EntityMatch;
import org.jcalico.model.FelixConfiguration;
import org.jcalico.model.Profile;
import org.jcalico.model.Rule;
import org.jcalico.model.WorkloadEndpoint;
import org.jcalico.testing.Eventually;
import org.jcalico.testing.KernelTests;
import org.jcalico.testing.TestNamespaces;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Another root program's commit to nf_tables between two passes (here `nft flush ruleset`, as firewalld's start under
 * its nftables backend or a careless admin runs it: every table of the namespace emptied, iptables-nft's too) brings
 * the agent's next resync forward, with the resync interval an hour ("jctfc-" namespaces; w1 and w2 in a profile that
 * accepts no ingress, w3 in one that accepts all); on iptables then `iptables -F FORWARD`, after which the security
 * table's guard (session 64 (t-docker)) dropped the allowed traffic too. The agent's own commits bring nothing forward. On 06b4e0e6 both drivers failed: w1 reached w2
 * until the next periodic resync, an hour later (docs/dataplane.md, "Session 65 (t-watch)").
 */
@Tag("kernel")
class ForeignCommitKernelTest {
    private static final String PREFIX = TestNamespaces.named("jctfc-");
    private static final String NODE = "n1";
    static final String BROUGHT_FORWARD = "resync brought forward";
    /**
     * Within how long another program's change to an ipset is undone: a look a second, the resync it brings forward
     * (20 ms later, or 0.5 s after the last resync) and that resync's own time, with room for a loaded machine.
     */
    private static final int BOUND_SECONDS = 5;
    private WorkloadHost lab;
    private AgentOnThread agent;

    @BeforeEach
    void createHost() {
        KernelTests.assumeKernel();
        lab = new WorkloadHost(PREFIX);
    }

    @AfterEach
    void deleteHost() throws Exception {
        if (agent != null) {
            agent.close();
        }
        WorkloadHost.tearDown(lab, List.of(), null);
    }

    @ParameterizedTest
    @EnumSource(DataplaneDriver.class)
    void aForeignFlushIsRepairedWithinASecondAndTheAgentsOwnCommitsBringNothingForward(DataplaneDriver driver,
            @TempDir Path dir) throws Exception {
        CommandRunner w1 = lab.workload(1);
        lab.workload(2);
        try (Datastore datastore = Datastores.open("embedded:" + dir.resolve("datastore.db"))) {
            ResourceStore store = profiled(datastore, driver);
            store.create(endpoint(1, "closed"));
            store.create(endpoint(2, "closed"));
            start(datastore, dir, new Dataplane(lab.host()), new AgentStatusFile(dir.resolve("status.json"), NODE));
            assertTrue(Eventually.within(10, () -> programmed(store, 1) && programmed(store, 2)), "w1 and w2 are programmed");
            // the agent's own commits: an update's as well as the start's
            lab.workload(3);
            store.create(endpoint(3, "open"));
            assertTrue(Eventually.within(10, () -> programmed(store, 3)), "w3 is programmed");
            lab.awaitLinksPassPackets();
            assertTrue(WorkloadHost.blocked(w1, 2), driver + ": w2 accepts no ingress");
            assertTrue(WorkloadHost.pings(w1, 3), driver + ": w3 accepts all");
            Thread.sleep(ResyncSchedule.FOREIGN_GAP_MILLIS);
            assertEquals(0, broughtForward(dir), driver + ": the agent's own commits bring no resync forward: " + log(dir));

            foreign(dir, "nft flush ruleset");
            assertTrue(WorkloadHost.blocked(w1, 2), driver + ": a second after the flush, w2 accepts no ingress again: " + log(dir));
            assertTrue(!WorkloadHost.blocked(w1, 3), driver + ": and w3 all (one ping)");
            Thread.sleep(ResyncSchedule.FOREIGN_GAP_MILLIS);
            assertEquals(1, broughtForward(dir), driver + ": one resync for the flush, none for its own repair: " + log(dir));

            // FORWARD's jump gone: the iptables driver's security table drops what jc-FORWARD did not judge, the allowed too
            if (driver == DataplaneDriver.IPTABLES) {
                foreign(dir, "iptables -w 5 -F FORWARD");
                assertTrue(!WorkloadHost.blocked(w1, 3), "a second after FORWARD's flush, w3 accepts all again (one ping): " + log(dir));
                assertTrue(WorkloadHost.blocked(w1, 2), "and w2 no ingress");
                assertEquals(2, broughtForward(dir), log(dir));
            }
        }
    }

    /**
     * Under the iptables driver a foreign commit brings a resync only when it may have taken one of jcalico's hooks or
     * guards away: a rule of a built-in chain (FORWARD, INPUT), of a jc- chain or of the security table, a chain made.
     * Rules in another program's chain (docker's, at each start of a container that publishes a port) bring none, nor
     * docker's masquerade in nat's POSTROUTING while jcalico hooks no nat chain (no masquerading pool): the
     * chain is entered from FORWARD below jcalico's jump, so its accept of everything lets nothing through that
     * policy denies; the same accept above the jump is caught by the security table's guard until the resync puts the
     * jump back on top (shown with the agent stopped). On 29b61b12 every commit brought one (docs/dataplane.md, "Session 66 (t-narrow)").
     */
    @org.junit.jupiter.api.Test
    void underIptablesOnlyACommitThatMayTakeAHookOrGuardAwayBringsAResync(@TempDir Path dir) throws Exception {
        CommandRunner w1 = lab.workload(1);
        lab.workload(2);
        lab.workload(3);
        try (Datastore datastore = Datastores.open("embedded:" + dir.resolve("datastore.db"))) {
            ResourceStore store = profiled(datastore, DataplaneDriver.IPTABLES);
            store.create(endpoint(1, "closed"));
            store.create(endpoint(2, "closed"));
            store.create(endpoint(3, "open"));
            start(datastore, dir, new Dataplane(lab.host()), new AgentStatusFile(dir.resolve("status.json"), NODE));
            assertTrue(Eventually.within(10, () -> programmed(store, 1) && programmed(store, 2) && programmed(store, 3)),
                    "w1, w2 and w3 are programmed");
            lab.awaitLinksPassPackets();
            Thread.sleep(ResyncSchedule.FOREIGN_GAP_MILLIS);
            assertEquals(0, broughtForward(dir), log(dir));

            // docker's kind of chain, entered from FORWARD, and its nat table: one commit, to a built-in chain
            foreign(dir, "printf '*filter\\n:THEIRS - [0:0]\\n-A FORWARD -j THEIRS\\nCOMMIT\\n*nat\\n:POSTROUTING ACCEPT [0:0]\\n:THEIRS - [0:0]\\nCOMMIT\\n'"
                    + " | iptables-restore -w 5 --noflush");
            assertEquals(1, broughtForward(dir), "a chain made and a rule of FORWARD's: " + log(dir));
            Thread.sleep(ResyncSchedule.FOREIGN_GAP_MILLIS);
            foreign(dir, "iptables -w 5 -A THEIRS -j ACCEPT; ip6tables -w 5 -N THEIRS6 && ip6tables -w 5 -A THEIRS6 -j ACCEPT");
            Thread.sleep(ResyncSchedule.FOREIGN_GAP_MILLIS);
            foreign(dir, "ip6tables -w 5 -D THEIRS6 -j ACCEPT; iptables -w 5 -D THEIRS -j ACCEPT; iptables -w 5 -A THEIRS -j ACCEPT;"
                    + " iptables -w 5 -t nat -A POSTROUTING -s 172.17.0.2 -j MASQUERADE");
            assertEquals(2, broughtForward(dir), "rules of another program's chains bring no resync, the chain made one, nor"
                    + " docker's masquerade in a nat table jcalico does not hook: " + log(dir));
            assertTrue(WorkloadHost.blocked(w1, 2), "their chain's accept of everything comes after jc-FORWARD: w2 accepts no ingress");
            assertTrue(WorkloadHost.pings(w1, 3), "and w3 all");

            String[] counted = {"iptables -w 5 -I FORWARD -j THEIRS", "iptables -w 5 -F jc-FORWARD",
                    "iptables -w 5 -t security -F FORWARD", "iptables -w 5 -I INPUT -j ACCEPT"};
            for (int i = 0; i < counted.length; i++) {
                Thread.sleep(ResyncSchedule.FOREIGN_GAP_MILLIS);
                foreign(dir, counted[i]);
                assertEquals(3 + i, broughtForward(dir), counted[i] + " brings a resync: " + log(dir));
                assertTrue(WorkloadHost.blocked(w1, 2), "a second after " + counted[i] + ", w2 accepts no ingress");
                assertTrue(!WorkloadHost.blocked(w1, 3), "and w3 all again (one ping)");
            }
            assertTrue(lab.host().run("iptables", "-w", "5", "-t", "security", "-S", "FORWARD").stdout().contains("-j jc-JUDGED"),
                    "the security table's guard is back");

            // with no agent to put its jump back on top, their chain's accept of everything above it: the guard drops
            agent.close();
            agent = null;
            lab.host().run("iptables", "-w", "5", "-I", "FORWARD", "-j", "THEIRS").check();
            assertTrue(WorkloadHost.blocked(w1, 2), "their accept above jc-FORWARD: w2 still accepts no ingress");
            assertTrue(WorkloadHost.blocked(w1, 3), "nor w3, which jc-FORWARD did not judge");
        }
    }

    /**
     * A foreign commit that touches only a table of its own (firewalld's, an admin's) brings no resync forward under
     * either driver: another table's rules cannot undo a drop of jcalico's chains, and a resync would not remove them.
     * Only the forward hook's dropping chains are read again, so the status's warning still follows another table's
     * chain with policy drop as it comes and goes. A flush still brings one on both. On eec0f4f4 the nftables driver
     * resynced (docs/dataplane.md, "Session 66 (t-attach)"), on 29b61b12 the iptables driver ("Session 66 (t-narrow)").
     */
    @ParameterizedTest
    @EnumSource(DataplaneDriver.class)
    void aForeignCommitToAnotherTableBringsNoResync(DataplaneDriver driver, @TempDir Path dir) throws Exception {
        lab.workload(1);
        try (Datastore datastore = Datastores.open("embedded:" + dir.resolve("datastore.db"))) {
            ResourceStore store = profiled(datastore, driver);
            store.create(endpoint(1, "closed"));
            Dataplane dataplane = new Dataplane(lab.host());
            AgentStatusFile status = new AgentStatusFile(dir.resolve("status.json"), NODE);
            status.addWarning(dataplane::forwardDropWarning);
            start(datastore, dir, dataplane, status);
            assertTrue(Eventually.within(10, () -> programmed(store, 1)), "w1 is programmed");
            Thread.sleep(ResyncSchedule.FOREIGN_GAP_MILLIS);
            assertEquals(0, broughtForward(dir), log(dir));

            foreign(dir, "nft add table ip other; nft add chain ip other forwarding '{ type filter hook forward priority 0; policy drop; }'");
            assertEquals(0, broughtForward(dir), driver + ": resyncs for a commit to another table: " + log(dir));
            assertTrue(Files.readString(dir.resolve("status.json")).contains("other"),
                    driver + ": the status warns of the other table's chain that drops: " + Files.readString(dir.resolve("status.json")));
            Thread.sleep(ResyncSchedule.FOREIGN_GAP_MILLIS);
            foreign(dir, "nft delete table ip other");
            assertTrue(!Files.readString(dir.resolve("status.json")).contains("other"),
                    driver + ": and no longer once it is gone: " + Files.readString(dir.resolve("status.json")));
            Thread.sleep(ResyncSchedule.FOREIGN_GAP_MILLIS);
            foreign(dir, "nft flush ruleset");
            assertEquals(1, broughtForward(dir), driver + ": a flush brings one: " + log(dir));
        }
    }

    /**
     * Under the iptables driver jcalico's sets are ipsets, and ipset tells no listener of another program's change: the
     * agent looks at their headers every second (member counts and seeds) and brings the resync forward on a
     * difference. w2 admits only role=client (w1) by a selector's set; another program adds w3's address to that set,
     * then flushes it, then swaps in a set of as many members (w3's address only): each is undone within the bound
     * (a look a second, then the resync), and the agent's log names the set. On a323d973 the added member stayed until
     * the periodic resync, an hour later (docs/dataplane.md, "Session 67 (t-ipset)").
     */
    @org.junit.jupiter.api.Test
    void anotherProgramsChangeToAnIpsetIsUndoneWithinTheBound(@TempDir Path dir) throws Exception {
        CommandRunner w1 = lab.workload(1);
        lab.workload(2);
        CommandRunner w3 = lab.workload(3);
        CommandRunner host = lab.host();
        try (Datastore datastore = Datastores.open("embedded:" + dir.resolve("datastore.db"))) {
            String set = clientsOnlyToW2(datastore, dir, new AgentStatusFile(dir.resolve("status.json"), NODE));
            lab.awaitLinksPassPackets();
            assertTrue(WorkloadHost.pings(w1, 2), "the client reaches w2");
            assertTrue(WorkloadHost.blocked(w3, 2), "w3 does not");
            Thread.sleep(2 * Agent.SETS_LOOK_MILLIS);
            assertEquals(0, broughtForward(dir), "the agent's own writes look like nobody else's: " + log(dir));

            host.run("ipset", "add", set, "10.65.0.3").check();
            long added = System.nanoTime();
            assertTrue(Eventually.within(BOUND_SECONDS, () -> !host.run("ipset", "test", set, "10.65.0.3").ok()),
                    "w3's address added to " + set + " by another program is gone within " + BOUND_SECONDS + " s: " + log(dir));
            long gone = (System.nanoTime() - added) / 1_000_000;
            assertTrue(WorkloadHost.blocked(w3, 2), "w3 no longer reaches w2 (gone after " + gone + " ms)");
            assertTrue(log(dir).contains("another program changed jcalico's ipsets (" + set
                    + " holds 2 members where the agent wrote 1): resync brought forward"), "the log says so: " + log(dir));

            Thread.sleep(ResyncSchedule.FOREIGN_GAP_MILLIS + Agent.SETS_LOOK_MILLIS);
            host.run("ipset", "flush", set).check();
            long flushed = System.nanoTime();
            assertTrue(Eventually.within(BOUND_SECONDS, () -> host.run("ipset", "test", set, "10.65.0.1").ok()),
                    set + " flushed by another program holds w1 again within " + BOUND_SECONDS + " s: " + log(dir));
            long refilled = (System.nanoTime() - flushed) / 1_000_000;
            assertTrue(WorkloadHost.pings(w1, 2), "the client reaches w2 again");

            Thread.sleep(ResyncSchedule.FOREIGN_GAP_MILLIS + Agent.SETS_LOOK_MILLIS);
            host.run("ipset", "create", "theirs", "hash:net").check();
            host.run("ipset", "add", "theirs", "10.65.0.3").check();
            host.run("ipset", "swap", "theirs", set).check();
            long swapped = System.nanoTime();
            assertTrue(Eventually.within(BOUND_SECONDS, () -> host.run("ipset", "test", set, "10.65.0.1").ok()
                            && !host.run("ipset", "test", set, "10.65.0.3").ok()),
                    "a set of as many members swapped in by another program is undone within " + BOUND_SECONDS + " s: " + log(dir));
            System.out.printf("iptables: another program's change to an ipset undone after (ms): an add %d, a flush %d, a swap %d%n",
                    gone, refilled, (System.nanoTime() - swapped) / 1_000_000);
            assertTrue(WorkloadHost.blocked(w3, 2), "w3 no longer reaches w2");
            assertTrue(log(dir).contains(set + " is another set of as many members"), "the log names the swap: " + log(dir));
            assertEquals(3, broughtForward(dir), "one resync each: " + log(dir));
        }
    }

    /**
     * Another program that re-adds w3's address to w2's allow set in a loop (every 0.2 s): each look brings a resync that
     * takes it out again, and between the two w3's traffic is let through. The node's status says so while it lasts
     * (a warning that names the set), not merely "in sync", and the repairs keep coming, at most two a second. On
     * be491ff5 the status said in sync with no warning throughout. (The loop ends at the test's end, or after 30 s.)
     */
    @org.junit.jupiter.api.Test
    void aProgramThatKeepsChangingAnIpsetIsNamedInTheStatus(@TempDir Path dir) throws Exception {
        lab.workload(1);
        lab.workload(2);
        lab.workload(3);
        CommandRunner host = lab.host();
        AgentStatusFile status = new AgentStatusFile(dir.resolve("status.json"), NODE);
        try (Datastore datastore = Datastores.open("embedded:" + dir.resolve("datastore.db"))) {
            String set = clientsOnlyToW2(datastore, dir, status);
            assertTrue(status.read().warnings().isEmpty(), "no warning before: " + status.read());

            Path stop = dir.resolve("stop-the-loop");
            lab.host().run("sh", "-c", "(i=0; while [ ! -e " + stop + " ] && [ $i -lt 150 ]; do ipset add -exist " + set
                    + " 10.65.0.3; sleep 0.2; i=$((i+1)); done)"
                    + " >/dev/null 2>&1 &").check();
            try {
                long began = System.nanoTime();
                assertTrue(Eventually.within(BOUND_SECONDS + 5, () -> status.read().warnings().stream()
                                .anyMatch(warning -> warning.contains("another program keeps changing") && warning.contains(set))),
                        "the status names the fight over " + set + ": " + status.read() + "\n" + log(dir));
                long seconds = Math.max(1, (System.nanoTime() - began) / 1_000_000_000);
                long repairs = broughtForward(dir);
                System.out.printf("iptables: a member re-added every 0.2 s: warned after %d s, %d resyncs brought forward%n",
                        seconds, repairs);
                assertTrue(repairs <= 2 * seconds + 2, "at most two resyncs a second: " + repairs + " in " + seconds + " s");
            } finally {
                Files.createFile(stop);
            }
        }
    }

    /**
     * Under the iptables driver, w2 admitting only role=client (w1) by a selector's set, w3 open: the agent started on
     * DATASTORE with STATUS and its log in DIR, the three programmed; the name of the set that holds w1's address.
     */
    private String clientsOnlyToW2(Datastore datastore, Path dir, AgentStatusFile status) {
        CommandRunner host = lab.host();
        ResourceStore store = profiled(datastore, DataplaneDriver.IPTABLES);
        store.create(new Profile("clients", List.of(), Map.of(), List.of(Rule.allow().withSource(
                new EntityMatch(null, null, null, "role == 'client'", null, null, null, null))), List.of(Rule.allow())));
        store.create(endpoint(1, "open", Map.of("role", "client")));
        store.create(endpoint(2, "clients", Map.of()));
        store.create(endpoint(3, "open", Map.of()));
        start(datastore, dir, new Dataplane(host), status);
        assertTrue(Eventually.within(10, () -> programmed(store, 1) && programmed(store, 2) && programmed(store, 3)),
                "w1, w2 and w3 are programmed");
        return host.run("ipset", "list", "-n").stdout().lines().filter(name -> name.startsWith("jc-4s-"))
                .filter(name -> host.run("ipset", "test", name, "10.65.0.1").ok()).findFirst().orElseThrow();
    }

    /** Starts the agent of node n1 on DATASTORE and DATAPLANE, its log in DIR. */
    private void start(Datastore datastore, Path dir, Dataplane dataplane, AgentStatusFile status) {
        agent = AgentOnThread.start(datastore, NODE, dir, dataplane, status);
    }

    /**
     * Runs COMMAND in the host as another program would, by a process that is not a descendant of this JVM (in which
     * the agent runs): a shell's orphan, which says when it is done; then waits a second.
     */
    private void foreign(Path dir, String command) throws Exception {
        Path done = Files.createTempFile(dir, "foreign", "");
        Files.delete(done);
        lab.host().run("sh", "-c", "(sleep 0.2; " + command + "; touch " + done + ") >/dev/null 2>&1 &").check();
        assertTrue(Eventually.within(10, () -> Files.exists(done)), "the orphan ran " + command);
        Thread.sleep(1000);
    }

    /**
     * The store of DATASTORE with DRIVER's configuration, the resync interval an hour (only a foreign commit brings one
     * forward), and two profiles: "closed" accepts no ingress, "open" all.
     */
    static ResourceStore profiled(Datastore datastore, DataplaneDriver driver) {
        ResourceStore store = new ResourceStore(datastore);
        store.create(new FelixConfiguration(FelixConfiguration.GLOBAL, 3600, null, null, null)
                .merge(FelixConfiguration.DEFAULTS).withDataplaneDriver(driver));
        store.create(new Profile("closed", List.of(), Map.of(), List.of(), List.of(Rule.allow())));
        store.create(new Profile("open", List.of(), Map.of(), List.of(Rule.allow()), List.of(Rule.allow())));
        return store;
    }

    static WorkloadEndpoint endpoint(int number, String profile) {
        return endpoint(number, profile, null);
    }

    private static WorkloadEndpoint endpoint(int number, String profile, Map<String, String> labels) {
        return new WorkloadEndpoint(NODE, "jcalico", "container-" + number, "ep-" + number, "jcw" + number, null,
                List.of(Cidr.parse("10.65.0." + number + "/32")), List.of(), List.of(profile), null, null, labels, null);
    }

    static boolean programmed(ResourceStore store, int number) {
        return store.get(EndpointStatus.class, NODE, "ep-" + number).map(Versioned::resource)
                .filter(status -> status.state() == EndpointStatus.State.programmed).isPresent();
    }

    private static long broughtForward(Path dir) throws Exception {
        return log(dir).lines().filter(line -> line.contains(BROUGHT_FORWARD)).count();
    }

    private static String log(Path dir) throws Exception {
        return Files.readString(dir.resolve("agent.log"));
    }
}
