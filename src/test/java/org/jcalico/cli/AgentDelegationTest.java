package org.jcalico.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.jcalico.agent.ServedResources;
import org.jcalico.kernel.CommandRunner;
import org.jcalico.kernel.Namespaces;
import org.jcalico.log.Log;
import org.jcalico.testing.TestNamespaces;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What the agent runs for the launcher, and what it leaves to the launcher to run itself. */
class AgentDelegationTest {
    private static final String DECLINED = "||-|";
    /** The kernel test's namespaces, named as the functional tests' are (after JCALICO_TEST_NS_PREFIX when set). */
    private static final String NS = TestNamespaces.named("jct-adt-");
    @TempDir
    Path dir;
    private String store;
    private ServedResources served;
    private AgentDelegation delegation;

    @BeforeEach
    void agent() {
        store = "embedded:" + dir.resolve("store.db");
        served = new ServedResources(org.jcalico.datastore.DatastoreUrl.parse(store), CommandRunner.local());
        delegation = new AgentDelegation(org.jcalico.datastore.DatastoreUrl.parse(store), "h1", Map.of("JCALICO_DATASTORE", "embedded:/elsewhere.db", "PATH", "/bin",
                "JCALICO_ETCD_USER", "agent"), Log.open(dir.resolve("felix.log"), false, "info"), served);
    }

    @AfterEach
    void closeAgent() {
        served.close();
    }

    /** The reply with its NULs shown as '|', to a client on host "box" with the agent's environment and these. */
    private String ask(String environmentDatastore, String environmentNode, String... args) {
        return askWith(Map.of(), environmentDatastore, environmentNode, args);
    }

    private String askWith(Map<String, String> environment, String environmentDatastore, String environmentNode,
                           String... args) {
        Map<String, String> variables = new TreeMap<>(Map.of("JCALICO_ETCD_USER", "agent", "JCALICO_RUN_DIR", "/run/x"));
        variables.putAll(environment);
        if (!environmentDatastore.isEmpty()) {
            variables.put("JCALICO_DATASTORE", environmentDatastore);
        }
        if (!environmentNode.isEmpty()) {
            variables.put("JCALICO_NODENAME", environmentNode);
        }
        StringBuilder request = new StringBuilder("box").append('\0');
        variables.forEach((name, value) -> request.append(name).append('=').append(value).append('\0'));
        request.append('\0');
        for (String arg : args) {
            request.append(arg).append('\0');
        }
        return new String(delegation.handle(request.toString().getBytes(StandardCharsets.UTF_8)), StandardCharsets.UTF_8)
                .replace('\0', '|');
    }

    @Test
    void runsContainerCommandsOfItsOwnNodeAndDatastore() {
        String reply = ask(store, "h1", "container", "add", "netns:jct-no-such-namespace");
        assertEquals("|error: no such network namespace: /run/netns/jct-no-such-namespace (from 'netns:jct-no-such-namespace')\n|1|",
                reply);
        assertEquals(reply, ask("", "h2", "--node", "h1", "--datastore=" + store, "container", "add", "netns:jct-no-such-namespace"),
                "flags take precedence over the client's environment");
        assertTrue(ask(store, "h1", "container", "remove", "c1").endsWith("|1|"), "remove too");
        assertEquals("|error: container 'c1' has no endpoint (see 'jcalico container list')\n|1|",
                ask(store, "h1", "container", "label", "c1", "app=web"), "and label");
        assertEquals("|error: label: 'bad key' is not a valid label key (an optional DNS-subdomain prefix and '/', then"
                        + " 1-63 characters: letters, digits, '-', '_', '.', a letter or digit at both ends)\n|1|",
                ask(store, "h1", "container", "add", "netns:jct-no-such-namespace", "--namespace", "team-a", "--port",
                        "http=tcp/80", "--label", "bad key=x"), "the command's options reach the command as given");
    }

    /**
     * The agent's warm-up runs a served list and a served add that fails where it resolves the container: it writes
     * nothing to the store (its revision stays), creates no profile, and says in the log that it was a warm-up, not a
     * command for the launcher (which the functional tests count). Its list reads the pools, not the cluster's
     * endpoints: an endpoint value it could not read does not fail it (the old warm-up's `container list` read and
     * printed every endpoint, seconds of CPU in a cluster of 100,000 just when the first changes arrive).
     */
    @Test
    void theWarmUpWritesNothing() throws Exception {
        try (org.jcalico.datastore.Datastore datastore = org.jcalico.datastore.DatastoreUrl.parse(store)
                .open(org.jcalico.datastore.OpenMode.WRITE)) {
            org.jcalico.datastore.ResourceStore resources = new org.jcalico.datastore.ResourceStore(datastore);
            resources.create(new org.jcalico.model.Node("h1", org.jcalico.model.IpAddress.parse("10.99.0.1"), null, null));
            resources.create(new org.jcalico.model.IpPool(org.jcalico.model.Cidr.parse("10.65.0.0/16"), false, null, false));
            datastore.create(org.jcalico.datastore.Keys.nodePrefix(org.jcalico.model.WorkloadEndpoint.class, "h2") + "e1",
                    "{not an endpoint");
            long revision = datastore.list("").revision();
            java.util.concurrent.atomic.AtomicInteger asked = new java.util.concurrent.atomic.AtomicInteger();
            Thread warmUp = delegation.warmUpWhen(() -> asked.incrementAndGet() > 2, () -> { });
            warmUp.join(30_000);
            assertTrue(!warmUp.isAlive() && asked.get() == 3, "ran once ready");
            assertEquals(revision, datastore.list("").revision(), "nothing written");
            List<String> lines = java.nio.file.Files.readAllLines(dir.resolve("felix.log"));
            assertEquals(2, lines.stream().filter(line -> line.contains("warm-up, as a served ")).count(), String.join("\n", lines));
            assertTrue(lines.stream().anyMatch(line -> line.contains("served pool list") && line.contains("exit status 0")),
                    String.join("\n", lines));
            assertTrue(lines.stream().anyMatch(line -> line.contains("served container add") && line.contains("exit status 1")));
            assertTrue(lines.stream().noneMatch(line -> line.contains("for the launcher")));
        }
    }

    /**
     * Served commands run on one datastore connection that the agent keeps, not on one opened for each: opening the
     * embedded store took a served add 2.8 ms at the median, 8.9 at p90, in `bench attach` (docs/agent.md, "A served
     * `container add`", session 34). After a served command the store is still open in the agent, and more commands,
     * a failing add among them, open nothing more.
     */
    @Test
    void servedCommandsShareOneStoreConnection() throws Exception {
        org.jcalico.datastore.DatastoreUrl.parse(store).open(org.jcalico.datastore.OpenMode.WRITE).close();
        assertEquals(0, openFilesOf("store.db"), "nothing open before the first command");
        String listed = ask(store, "h1", "pool", "list");
        assertTrue(listed.endsWith("|0|"), listed);
        long open = openFilesOf("store.db");
        assertTrue(open > 0, "the store stays open for the next command");
        ask(store, "h1", "container", "add", "netns:jct-no-such-namespace");
        for (int i = 0; i < 4; i++) {
            ask(store, "h1", "container", "list");
        }
        assertEquals(open, openFilesOf("store.db"), "no connection opened beside it");
        served.close();
        assertEquals(0, openFilesOf("store.db"), "closed when the agent closes what it keeps for the served commands");
    }

    /**
     * A served list creates no store where there is none, as its own run would not: the agent's kept connection is
     * opened at the first served command and was opened as for a write, so that with the agent's file removed before
     * it (a just-started agent) a served `pool list` created an empty store at the path, printed no pools, and the
     * agent's loop would then have followed that empty file. A served add still creates one, as its own run would.
     */
    @Test
    void aServedListCreatesNoStoreWhereThereIsNone() {
        assertEquals("|error: there is no datastore at " + dir.resolve("store.db")
                + "; check --datastore or $JCALICO_DATASTORE\n|1|", ask(store, "h1", "pool", "list"));
        assertTrue(!java.nio.file.Files.exists(dir.resolve("store.db")), "nothing created");
    }

    /**
     * Served adds make their veths' host side through the agent's one netlink thread for the host, not through one
     * started for each command (which then stayed idle for 30 s, one thread and netlink socket per add of the last
     * half minute): a thread's start was 0.4 ms of a served add at the median and 4 ms at p90 here. Real adds, each
     * into a namespace of its own, with the host's side in another: all four attached, one thread for the host.
     */
    @Test
    void servedAddsShareOneNetlinkThreadForTheHost() throws Exception {
        Namespaces.deleteAll(NS);
        try {
            Namespaces.create(NS + "host");
            for (int i = 1; i <= 4; i++) {
                Namespaces.create(NS + "c" + i);
            }
            try (org.jcalico.datastore.Datastore datastore = org.jcalico.datastore.DatastoreUrl.parse(store)
                    .open(org.jcalico.datastore.OpenMode.WRITE)) {
                org.jcalico.datastore.ResourceStore resources = new org.jcalico.datastore.ResourceStore(datastore);
                resources.create(new org.jcalico.model.Node("h1", org.jcalico.model.IpAddress.parse("10.99.0.1"), null, null));
                resources.create(new org.jcalico.model.IpPool(org.jcalico.model.Cidr.parse("10.66.0.0/16"), false, null, false));
            }
            served.close();
            served = new ServedResources(org.jcalico.datastore.DatastoreUrl.parse(store), CommandRunner.inNamespace(NS + "host"));
            delegation = new AgentDelegation(org.jcalico.datastore.DatastoreUrl.parse(store), "h1", Map.of("JCALICO_ETCD_USER", "agent"),
                    Log.open(dir.resolve("felix.log"), false, "info"), served);
            for (int i = 1; i <= 4; i++) {
                String reply = ask(store, "h1", "container", "add", "netns:" + NS + "c" + i, "10.66.0." + i, "--no-wait");
                assertTrue(reply.contains("added ") && reply.endsWith("|0|"), reply);
                assertTrue(CommandRunner.inNamespace(NS + "c" + i).run("ip", "-4", "addr", "show", "dev", "eth0").stdout()
                        .contains("10.66.0." + i + "/32"), "the container has its address");
            }
            String hostLinks = CommandRunner.inNamespace(NS + "host").run("ip", "-o", "link", "show", "type", "veth").stdout();
            assertEquals(4, hostLinks.lines().count(), hostLinks);
            long hostThreads = Thread.getAllStackTraces().keySet().stream()
                    .filter(thread -> thread.getName().equals("rtnetlink /run/netns/" + NS + "host")).count();
            assertEquals(1, hostThreads, "one netlink thread for the host's side of every served add");
        } finally {
            Namespaces.deleteAll(NS);
        }
    }

    /** This process's open files whose path starts with the store's. */
    private long openFilesOf(String file) throws java.io.IOException {
        String prefix = dir.resolve(file).toString();
        try (var fds = java.nio.file.Files.list(Path.of("/proc/self/fd"))) {
            return fds.map(fd -> {
                try {
                    return java.nio.file.Files.readSymbolicLink(fd).toString();
                } catch (java.io.IOException gone) {
                    return "";
                }
            }).filter(target -> target.startsWith(prefix)).count();
        }
    }

    /** Defect 13: a delegated add attached from the agent's docker daemon, not from the one the client named. */
    @Test
    void declinesWhatTheClientsEnvironmentWouldRunDifferently() {
        assertTrue(ask(store, "h1", "container", "remove", "c1").endsWith("|1|"), "the same environment: served");
        assertTrue(askWith(Map.of("PATH", "/usr/bin"), store, "h1", "container", "remove", "c1").endsWith("|1|"),
                "what jcalico does not read does not count");
        assertEquals(DECLINED, askWith(Map.of("DOCKER_HOST", "unix:///other.sock"), store, "h1", "container", "add", "c1"));
        assertEquals(DECLINED, askWith(Map.of("JCALICO_ETCD_USER", "other"), store, "h1", "container", "add", "c1"));
        assertEquals(DECLINED, askWith(Map.of("JCALICO_DEBUG", "1"), store, "h1", "container", "add", "c1"));
        assertEquals(DECLINED, new String(new AgentDelegation(org.jcalico.datastore.DatastoreUrl.parse(store), "h1", Map.of("DOCKER_HOST", "tcp://agent:2375"),
                Log.open(dir.resolve("felix.log"), false, "info"), served).handle(("box\0JCALICO_DATASTORE=" + store
                + "\0JCALICO_NODENAME=h1\0\0container\0add\0c1\0").getBytes(StandardCharsets.UTF_8)),
                StandardCharsets.UTF_8).replace('\0', '|'), "a DOCKER_HOST of the agent's that the client lacks");
    }

    /** The lists print what the launcher's own JVM would: the same code, reading the datastore afresh each time. */
    @Test
    void servesTheListsWithTheOutputOfTheLaunchersOwnRun() {
        assertEquals(0, Main.run("--datastore", store, "pool", "add", "10.70.0.0/16"));
        for (List<String> args : List.of(List.of("pool", "list"), List.of("pool", "list", "-o", "yaml"),
                List.of("container", "list"), List.of("container", "list", "-o", "json"), List.of("pool", "list", "--help"))) {
            assertEquals(ownRun(args), ask(store, "h1", args.toArray(String[]::new)), String.join(" ", args));
        }
        assertTrue(ask(store, "h1", "pool", "list").contains("10.70.0.0/16"));
        assertEquals(0, Main.run("--datastore", store, "pool", "add", "10.71.0.0/16"));
        assertTrue(ask(store, "h1", "pool", "list").contains("10.71.0.0/16"), "a change made elsewhere shows at once");
    }

    /** What the launcher's own run of ARGS on the agent's store prints and returns, as a reply shows it. */
    private String ownRun(List<String> args) {
        java.io.StringWriter out = new java.io.StringWriter();
        java.io.StringWriter err = new java.io.StringWriter();
        List<String> local = new java.util.ArrayList<>(List.of("--datastore", store));
        local.addAll(args);
        int status = Main.run(new java.io.PrintWriter(out, true), new java.io.PrintWriter(err, true), local.toArray(String[]::new));
        return out + "|" + err + "|" + status + "|";
    }

    /**
     * The agent keeps picocli's model of each command it serves for the next request (ServedCommandLines): whatever
     * the requests before it gave (a refused --timeout, a bad label, an unknown option, --help, another format), a
     * request's reply is the launcher's own run's, one request after another and many at once.
     */
    @Test
    void aKeptCommandLineRunsEachRequestAsANewOneWould() throws Exception {
        assertEquals(0, Main.run("--datastore", store, "pool", "add", "10.70.0.0/16"));
        String container = "netns:/proc/self/jct-no-such-namespace";
        List<List<String>> requests = List.of(List.of("container", "add", container, "--timeout", "-1"),
                List.of("container", "add", container), List.of("container", "add", container, "--label", "bad key=x"),
                List.of("container", "add", container, "--no-such-option"), List.of("container", "add", "--help"),
                List.of("container", "add", container, "--port", "http=tcp/80", "--profile", "p"),
                List.of("container", "add", container), List.of("pool", "list", "-o", "json"), List.of("pool", "list"),
                List.of("container", "list", "-o", "yaml"), List.of("container", "list"),
                List.of("container", "label", "c1", "app=web"), List.of("container", "label", "c2", "bad key=x"),
                List.of("container", "remove", "c1"), List.of("container", "remove", "c2"));
        Map<List<String>, String> own = new java.util.HashMap<>();
        requests.forEach(args -> own.put(args, ownRun(args)));
        assertTrue(own.get(requests.get(0)).contains("--timeout") && !own.get(requests.get(1)).contains("--timeout"), own.toString());
        for (List<String> args : requests) {
            assertEquals(own.get(args), ask(store, "h1", args.toArray(String[]::new)), String.join(" ", args));
        }
        java.util.concurrent.ExecutorService threads = java.util.concurrent.Executors.newFixedThreadPool(6);
        try {
            List<java.util.concurrent.Future<?>> done = new java.util.ArrayList<>();
            for (int thread = 0; thread < 6; thread++) {
                int first = thread;
                done.add(threads.submit(() -> {
                    for (int i = 0; i < 3 * requests.size(); i++) {
                        List<String> args = requests.get((first + i) % requests.size());
                        assertEquals(own.get(args), ask(store, "h1", args.toArray(String[]::new)), String.join(" ", args));
                    }
                }));
            }
            for (java.util.concurrent.Future<?> each : done) {
                each.get();
            }
        } finally {
            threads.shutdownNow();
        }
    }

    /**
     * picocli takes jcalico's options after the command too (the last one given wins), and from an argument file
     * (@FILE): a served command runs on the agent's store, so one that names another there must be the launcher's
     * to run, or it would read and write the agent's store in place of the one named (the etcd user and
     * certificates likewise).
     */
    @Test
    void leavesToTheLauncherAStoreNamedAfterTheCommand() throws Exception {
        String other = "embedded:" + dir.resolve("other.db");
        assertEquals(0, Main.run("--datastore", store, "pool", "add", "10.72.0.0/16"));
        assertEquals(0, Main.run("--datastore", other, "pool", "add", "10.73.0.0/16"));
        assertTrue(ask(store, "h1", "pool", "list").contains("10.72.0.0/16"), "the agent's store is open");
        java.nio.file.Path options = dir.resolve("options");
        java.nio.file.Files.writeString(options, "--datastore " + other + "\n");
        for (List<String> args : List.of(List.of("pool", "list", "--datastore", other),
                List.of("pool", "list", "--datastore=" + other), List.of("pool", "list", "@" + options),
                List.of("container", "list", "--datastore", other))) {
            String reply = ask(store, "h1", args.toArray(String[]::new));
            assertTrue(reply.equals(DECLINED) || !reply.contains("10.72.0.0/16"), String.join(" ", args) + ": " + reply);
        }
        assertEquals(DECLINED, ask(store, "h1", "container", "add", "netns:n", "--datastore", other), "nor written there");
        assertEquals(DECLINED, ask(store, "h1", "container", "add", "netns:n", "--etcd-user=other"), "nor as the agent's user");
    }

    @Test
    void leavesEverythingElseToTheLauncher() {
        for (List<String> args : List.of(
                List.of("pool", "add", "10.70.0.0/16"),
                List.of("ipam", "show"),
                List.of("node", "stop"),
                List.of("--help"),
                List.of("container", "add", "netns:relative/path"),
                List.of("--etcd-ca", "ca.pem", "container", "add", "netns:n"),
                List.of("--datastore", "embedded:/elsewhere.db", "container", "add", "netns:n"),
                List.of("--node", "h2", "container", "add", "netns:n"))) {
            assertEquals(DECLINED, ask(store, "h1", args.toArray(String[]::new)), String.join(" ", args));
        }
        assertEquals(DECLINED, ask("", "h1", "container", "add", "netns:n"), "the client would use the default datastore");
        assertEquals(DECLINED, ask(store, "h2", "container", "add", "netns:n"), "the client is another node");
        assertEquals(DECLINED, ask(store, "", "container", "add", "netns:n"), "the client's hostname is another node");
        assertEquals(DECLINED, ask(store + "\n", "h1", "container", "add", "netns:n"), "not a datastore URL: the client says so");
        assertEquals(DECLINED, new String(delegation.handle("container\0add".getBytes(StandardCharsets.UTF_8)),
                StandardCharsets.UTF_8).replace('\0', '|'), "a malformed request");
    }
}
