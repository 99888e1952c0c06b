package org.jcalico.workload;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.jcalico.datastore.Datastore;
import org.jcalico.datastore.OpenMode;
import org.jcalico.datastore.Keys;
import org.jcalico.datastore.ResourceStore;
import org.jcalico.datastore.Versioned;
import org.jcalico.kernel.CommandRunner;
import org.jcalico.lab.Probe;
import org.jcalico.model.IpAddress;
import org.jcalico.model.IpamBlock;
import org.jcalico.model.Profile;
import org.jcalico.model.WorkloadEndpoint;
import org.jcalico.testing.Connectivity;
import org.jcalico.testing.Eventually;
import org.jcalico.testing.LabFixture;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * Crash consistency of `container add` and `container remove` (issue #9, defect 8): the command is killed with
 * SIGKILL at each of its steps ($JCALICO_TEST_CRASH_AT), in a JVM of its own and inside the agent, and whoever comes
 * next (`container add` again, `container remove`, the agent's sweep) must leave no address, veth, route, rule,
 * profile or record behind, with the connectivity matrix as policy says. One lab with the real agent for all of it.
 */
@Tag("kernel")
class AddCrashIT {
    private static final String H1 = "h1";
    private static final List<String> ADD_STEPS = List.of("intent", "address", "veth", "endpoint", "programmed");
    private static final Pattern HOST_INTERFACE = Pattern.compile("\\bjc[0-9a-f]{13}\\b");
    private static LabFixture fixture;
    private static int workloads;

    @BeforeAll
    static void up() {
        fixture = LabFixture.up("jcti", 1, false);
        // the agent's own sweep stays out of the way until a test restarts the agent to see it work
        fixture.apply(H1, LabFixture.globalConfiguration("resyncIntervalSeconds: 3600\n"));
        restartAgent(List.of());
        fixture.jc(H1, "container", "add", "netns:" + fixture.lab().workload("a"), "--profile", "blue");
        fixture.jc(H1, "container", "add", "netns:" + fixture.lab().workload("c"), "--profile", "red");
    }

    @AfterAll
    static void down() {
        if (fixture != null) {
            fixture.close();
        }
    }

    @Test
    void anAddKilledAtAnyStepIsUndoneByTheNextAddAndRemoveLeavesNothing() {
        for (String step : ADD_STEPS) {
            String namespace = newWorkload();
            CommandRunner.Result crashed = crashAt(step, "container", "add", "netns:" + namespace, "--profile", "blue",
                    "--profile", "new-" + step);
            assertEquals(137, crashed.exitCode(), step + ": killed by SIGKILL: " + crashed.stderr());
            fixture.jc(H1, "container", "add", "netns:" + namespace, "--profile", "blue", "--profile", "new-" + step);
            assertMatrix(namespace);
            fixture.jc(H1, "container", "remove", "netns:" + namespace);
            assertNothingLeft(step, namespace);
        }
    }

    /**
     * The add after one killed once its endpoint was programmed makes the same endpoint again (same id, interface and
     * address) while the agent's report of the killed one is still stored; with the agent stopped nothing can program
     * the new veth, so an add that returns meanwhile took that report for its own (session 69's CI: the re-added
     * workload pinged right after its add returned, refused both ways). It must wait until the agent reports the
     * endpoint it wrote.
     */
    @Test
    void anAddAfterOneKilledOnceProgrammedWaitsForTheAgentsReportOfItsOwnEndpoint() throws Exception {
        String namespace = newWorkload();
        assertEquals(137, crashAt("programmed", "container", "add", "netns:" + namespace, "--profile", "blue").exitCode());
        WorkloadEndpoint killed = endpointOf(namespace).orElseThrow();
        long agent = Long.parseLong(java.nio.file.Files.readString(fixture.layout().runDir().resolve(fixture.layout().nodeName(1))
                .resolve("agent.pid")).strip().split("\\s+")[0]);
        CommandRunner.local().run("kill", "-STOP", Long.toString(agent)).check();
        java.util.concurrent.CompletableFuture<CommandRunner.Result> again;
        try {
            again = java.util.concurrent.CompletableFuture.supplyAsync(() -> fixture.runWith(List.of("JCALICO_NO_AGENT=1"), H1,
                    "container", "add", "netns:" + namespace, "--profile", "blue"));
            assertTrue(Eventually.within(30, () -> endpointOf(namespace).filter(endpoint -> !endpoint.equals(killed)).isPresent()),
                    "the add wrote its endpoint: " + (again.isDone() ? again.join() : "still running"));
            // the add's last steps once the report is read take milliseconds: a second is ample to see it return
            Thread.sleep(1000);
            assertTrue(!again.isDone(), "the add returned while the agent was stopped, on the killed add's report: "
                    + (again.isDone() ? again.join().exitCode() + " " + again.join().stdout() + again.join().stderr() : ""));
        } finally {
            CommandRunner.local().run("kill", "-CONT", Long.toString(agent)).check();
        }
        CommandRunner.Result added = again.get(60, java.util.concurrent.TimeUnit.SECONDS);
        assertEquals(0, added.exitCode(), added.stdout() + added.stderr());
        assertMatrix(namespace);
        fixture.jc(H1, "container", "remove", "netns:" + namespace);
        assertNothingLeft("add after an add killed once programmed", namespace);
    }

    @Test
    void removeAfterACrashedAddUndoesItEvenWhenItIsKilledItself() {
        String namespace = newWorkload();
        assertEquals(137, crashAt("veth", "container", "add", "netns:" + namespace, "--profile", "fresh").exitCode());
        assertEquals(137, crashAt("teardown-veth", "container", "remove", "netns:" + namespace).exitCode(),
                "the undo itself killed half-way");
        String output = fixture.jc(H1, "container", "remove", "netns:" + namespace);
        assertTrue(output.contains("undid an unfinished attach"), output);
        assertNothingLeft("remove after add killed at veth", namespace);
        assertTrue(profile("fresh").isEmpty(), "the profile the killed add created is gone");
    }

    @Test
    void aRemoveKilledAfterDeletingTheRecordIsFinishedByTheNextRemove() {
        String namespace = newWorkload();
        fixture.jc(H1, "container", "add", "netns:" + namespace, "--profile", "blue");
        assertEquals(137, crashAt("detach", "container", "remove", "netns:" + namespace).exitCode());
        String output = fixture.jc(H1, "container", "remove", "netns:" + namespace);
        assertTrue(output.contains("undid an unfinished detach"), output);
        assertNothingLeft("remove killed at detach", namespace);
    }

    @Test
    void theAgentUndoesAKilledAddByItself() {
        String namespace = newWorkload();
        assertEquals(137, crashAt("endpoint", "container", "add", "netns:" + namespace, "--profile", "orphan").exitCode());
        restartAgent(List.of());
        assertNothingLeft("agent start after add killed at endpoint", namespace);
        assertTrue(profile("orphan").isEmpty(), "the profile the killed add created is gone");
    }

    /**
     * A served add (the agent runs it in its own JVM, on the connection and netlink thread it keeps for what it serves)
     * whose agent is killed at any of its steps, the address's with the pair beside it made or not: the next agent's
     * sweep leaves nothing, and the container can be added again. The next agent is the one that crashes at the next
     * step (the steps it crashes at are the add's, which the sweep does not pass), so each step costs one restart.
     */
    @Test
    void aServedAddWhoseAgentIsKilledAtAnyStepIsUndoneByTheNextAgent() {
        String delegated = newWorkload();
        restartAgent(crashingAt(0));
        int step = 0;
        try {
            for (; step < ADD_STEPS.size(); step++) {
                String at = ADD_STEPS.get(step);
                // the same variable on the client's side: an agent runs only what it would run exactly as the client would
                CommandRunner.Result died = fixture.lab().exec(H1, List.of("env", CrashPoint.VARIABLE + "=" + at,
                        Path.of("jcalico").toAbsolutePath().toString(), "container", "add", "netns:" + delegated,
                        "--profile", "blue", "--profile", "served-" + at));
                restartAgent(crashingAt(step + 1));
                assertEquals(1, died.exitCode(), at + ": the agent ran the add and died in it: " + died.stdout() + died.stderr());
                assertTrue(died.stderr().startsWith("error: ") && died.stderr().contains("agent"), died.stderr());
                assertNothingLeft(at + ": agent restart after it died in a served add", delegated);
                assertTrue(profile("served-" + at).isEmpty(), at + ": the profile the killed add created is gone");
            }
        } finally {
            if (step < ADD_STEPS.size()) {
                restartAgent(List.of());  // the tests after this one meet an agent without a crash point
            }
        }
        fixture.jc(H1, "container", "add", "netns:" + delegated, "--profile", "blue");
        assertMatrix(delegated);
        fixture.jc(H1, "container", "remove", "netns:" + delegated);
        assertNothingLeft("served add and remove", delegated);
    }

    /** The agent's environment to crash at the add's step STEP, none past the last. */
    private static List<String> crashingAt(int step) {
        return step < ADD_STEPS.size() ? List.of(CrashPoint.VARIABLE + "=" + ADD_STEPS.get(step)) : List.of();
    }

    private static String newWorkload() {
        return fixture.lab().workload("k" + ++workloads);
    }

    private static CommandRunner.Result crashAt(String step, String... args) {
        return fixture.runWith(List.of(CrashPoint.VARIABLE + "=" + step, "JCALICO_NO_AGENT=1"), H1, args);
    }

    /** Stops the node's agent and starts it again, with extra environment variables. */
    private static void restartAgent(List<String> environment) {
        var layout = fixture.layout();
        fixture.jc(H1, "node", "stop", "--name", layout.nodeName(1), "--run-dir", layout.runDir().toString());
        fixture.lab().startAgent(1, environment);
    }

    /**
     * The new workload reaches its own profile's workload both ways, and not the other profile's. When it does not, the
     * message carries what the failure is read from (the lab's logs go with the lab): h1's routes, links, the rules
     * naming the workload's interface, and the end of h1's felix.log, all read at the failure.
     */
    private static void assertMatrix(String namespace) {
        Map<String, IpAddress> address = addresses();
        String a = fixture.layout().workload("a");
        String c = fixture.layout().workload("c");
        try {
            Connectivity.assertMatrix(List.of(Probe.ping(namespace, address.get("a")), Probe.ping(a, address.get(namespace)),
                    Probe.ping(namespace, address.get("c")), Probe.ping(c, address.get(namespace))), List.of(true, true, false, false));
        } catch (AssertionError e) {
            throw new AssertionError(e.getMessage() + "\n" + evidence(namespace), e);
        }
    }

    private static String evidence(String namespace) {
        String host = fixture.layout().host(1);
        String hostInterface = endpointOf(namespace).map(WorkloadEndpoint::interfaceName).orElse("(no endpoint)");
        String rules = fixture.filterState(host).lines().filter(line -> line.contains(hostInterface))
                .collect(java.util.stream.Collectors.joining("\n"));
        String log;
        try {
            List<String> lines = java.nio.file.Files.readAllLines(fixture.layout().logDir().resolve(H1).resolve("felix.log"));
            log = String.join("\n", lines.subList(Math.max(0, lines.size() - 80), lines.size()));
        } catch (java.io.IOException unread) {
            log = "(felix.log not read: " + unread + ")";
        }
        return "h1's routes:\n" + fixture.in(host, "ip", "route", "show").stdout() + "h1's links:\n"
                + fixture.in(host, "ip", "-o", "link", "show").stdout() + "rules naming " + hostInterface + ":\n" + rules
                + "\nh1's felix.log, last 80 lines:\n" + log;
    }

    /** IPv4 address of each workload by its namespace, and of a and c by their short names. */
    private static Map<String, IpAddress> addresses() {
        Map<String, IpAddress> result = new HashMap<>();
        for (WorkloadEndpoint endpoint : endpoints()) {
            String namespace = endpoint.containerId().substring("netns:".length());
            IpAddress v4 = endpoint.ipv4Nets().get(0).network();
            result.put(namespace, v4);
            result.put(namespace.substring(namespace.lastIndexOf('-') + 1), v4);
        }
        return result;
    }

    /**
     * Only the steady workloads a and c are left, in the datastore and in the kernel: endpoints, intents, addresses,
     * host interfaces, routes and rules; the crashed workload's namespace has no interface but lo.
     */
    private static void assertNothingLeft(String what, String namespace) {
        assertTrue(Eventually.within(10, () -> leftovers(namespace).isEmpty()), what + ": left behind: " + leftovers(namespace));
    }

    private static List<String> leftovers(String namespace) {
        List<String> left = new ArrayList<>();
        List<WorkloadEndpoint> endpoints = endpoints();
        Set<String> steady = new TreeSet<>();
        Map<String, String> expected = new HashMap<>();
        for (WorkloadEndpoint endpoint : endpoints) {
            steady.add(endpoint.interfaceName());
            endpoint.nets().forEach(net -> expected.put(net.network().toString(), endpoint.endpointId()));
        }
        if (endpoints.size() != 2) {
            left.add("endpoints " + endpoints);
        }
        try (Datastore datastore = fixture.layout().datastoreUrl().open(OpenMode.WRITE)) {
            ResourceStore store = new ResourceStore(datastore);
            datastore.list(Keys.INTENTS).items().forEach(intent -> left.add("intent " + intent.key()));
            Map<String, String> allocated = new HashMap<>();
            for (Versioned<IpamBlock> block : store.list(IpamBlock.class)) {
                block.resource().allocations().forEach((offset, handle) -> allocated.put(
                        block.resource().cidr().addressAt(java.math.BigInteger.valueOf(offset)).toString(), handle));
            }
            if (!allocated.equals(expected)) {
                left.add("allocations " + allocated + " instead of " + expected);
            }
        }
        String host = fixture.layout().host(1);
        StringBuilder kernel = new StringBuilder();
        for (List<String> command : List.of(List.of("ip", "-o", "link", "show"), List.of("ip", "-4", "route", "show"),
                List.of("ip", "-6", "route", "show"), List.of("iptables-save"), List.of("ip6tables-save"))) {
            kernel.append(fixture.in(host, command.toArray(String[]::new)).stdout());
        }
        Matcher matcher = HOST_INTERFACE.matcher(kernel);
        Set<String> interfaces = new TreeSet<>();
        while (matcher.find()) {
            interfaces.add(matcher.group());
        }
        interfaces.removeAll(steady);
        interfaces.forEach(name -> left.add("host interface, route or rule of " + name));
        String inside = fixture.in(namespace, "ip", "-o", "link", "show").stdout();
        if (inside.lines().anyMatch(line -> !line.contains(": lo:"))) {
            left.add("interface in the container: " + inside);
        }
        return left;
    }

    private static List<WorkloadEndpoint> endpoints() {
        try (Datastore datastore = fixture.layout().datastoreUrl().open(OpenMode.WRITE)) {
            return new ResourceStore(datastore).list(WorkloadEndpoint.class).stream().map(Versioned::resource).toList();
        }
    }

    private static java.util.Optional<WorkloadEndpoint> endpointOf(String namespace) {
        return endpoints().stream().filter(endpoint -> endpoint.containerId().equals("netns:" + namespace)).findFirst();
    }

    private static java.util.Optional<Profile> profile(String name) {
        try (Datastore datastore = fixture.layout().datastoreUrl().open(OpenMode.WRITE)) {
            return new ResourceStore(datastore).get(Profile.class, name).map(Versioned::resource);
        }
    }
}
