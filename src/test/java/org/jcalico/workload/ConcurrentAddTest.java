package org.jcalico.workload;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.jcalico.datastore.Datastore;
import org.jcalico.datastore.Datastores;
import org.jcalico.datastore.Keys;
import org.jcalico.datastore.ResourceStore;
import org.jcalico.datastore.Versioned;
import org.jcalico.ipam.Ipam;
import org.jcalico.ipam.Pools;
import org.jcalico.kernel.CommandRunner;
import org.jcalico.kernel.Namespaces;
import org.jcalico.model.Cidr;
import org.jcalico.model.IpPool;
import org.jcalico.model.IpamBlock;
import org.jcalico.model.Node;
import org.jcalico.model.WorkloadEndpoint;
import org.jcalico.testing.JavaProcess;
import org.jcalico.testing.KernelTests;
import org.jcalico.testing.TestNamespaces;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue #9, defect 6: two `container add` of one container at once, each in its own JVM. The loser must fail
 * without touching what the winner holds: before, its undo released every address of the shared handle, the
 * winner's included, and IPAM handed that address out again.
 */
@Tag("kernel")
class ConcurrentAddTest {
    private static final String PREFIX = TestNamespaces.named("jcti-add-");
    private static final String HOST = PREFIX + "host";
    private static final String CONTAINER = PREFIX + "ctr";
    private static final int ROUNDS = 4;

    @TempDir
    Path dir;
    private String url;

    @BeforeEach
    void setUp() {
        KernelTests.assumeKernel();
        Namespaces.deleteAll(PREFIX);
        TestHost.create(HOST);
        Namespaces.create(CONTAINER);
        url = "embedded:" + dir.resolve("store.db");
        try (Datastore datastore = Datastores.open(url)) {
            ResourceStore store = new ResourceStore(datastore);
            store.create(new Node("n1", null, null, null));
            new Pools(store).add(new IpPool(Cidr.parse("10.66.0.0/24"), false, null, false));
        }
    }

    @AfterEach
    void tearDown() {
        Namespaces.deleteAll(PREFIX);
    }

    @Test
    void theLoserOfTwoConcurrentAddsLeavesTheWinnersAddressAlone() throws Exception {
        for (int round = 0; round < ROUNDS; round++) {
            List<String> outcomes = race(List.of("container", "add", "netns:" + CONTAINER, "--no-wait", "--profile", "web"),
                    List.of("container", "add", "netns:" + CONTAINER, "--no-wait", "--profile", "web"));
            System.out.println("round " + round + ": " + outcomes);
            long succeeded = outcomes.stream().filter(o -> o.endsWith("exit 0")).count();
            assertEquals(1, succeeded, "round " + round + ": one add wins: " + outcomes);
            try (Datastore datastore = Datastores.open(url)) {
                ResourceStore store = new ResourceStore(datastore);
                List<WorkloadEndpoint> endpoints = store.list(WorkloadEndpoint.class).stream().map(Versioned::resource).toList();
                assertEquals(1, endpoints.size(), "round " + round + ": " + endpoints);
                WorkloadEndpoint winner = endpoints.get(0);
                assertEquals(Map.of(winner.nets().get(0).network().toString(), winner.endpointId()), allocations(store),
                        "round " + round + ": IPAM holds exactly the winner's address for it: " + outcomes);
                assertTrue(datastore.list(Keys.INTENTS).items().isEmpty(), "no intent left");
                assertTrue(TestHost.hasLink(CommandRunner.inNamespace(HOST), winner.interfaceName()), "the winner's veth stays");
                assertTrue(new Ipam(store).usage().pools().get(0).used() == 1);
            }
            assertTrue(run(List.of("container", "remove", "netns:" + CONTAINER)).ok(), "remove after round " + round);
            try (Datastore datastore = Datastores.open(url)) {
                assertTrue(allocations(new ResourceStore(datastore)).isEmpty(), "remove releases the address");
            }
        }
    }

    /**
     * `container remove netns:NAME` removes that container only: a name that begins another's (web-1, web-12) was
     * matched as a docker id's first 12 or more characters are, and the other container lost its endpoint, veth and
     * address with it.
     */
    @Test
    void aRemoveByNameLeavesTheContainerWhoseNameItBegins() {
        String longer = addTwo();
        CommandRunner.Result removed = run(List.of("container", "remove", "netns:" + CONTAINER));
        assertTrue(removed.ok(), removed.stderr());
        assertEquals(List.of("removed netns:" + CONTAINER), removed.stdout().lines().map(line -> line.replaceAll(" from node.*", "")).toList());
        try (Datastore datastore = Datastores.open(url)) {
            ResourceStore store = new ResourceStore(datastore);
            List<WorkloadEndpoint> left = store.list(WorkloadEndpoint.class).stream().map(Versioned::resource).toList();
            assertEquals(List.of("netns:" + longer), left.stream().map(WorkloadEndpoint::containerId).toList());
            assertTrue(TestHost.hasLink(CommandRunner.inNamespace(HOST), left.get(0).interfaceName()), "its veth stays");
            assertEquals(List.of(left.get(0).endpointId()), List.copyOf(allocations(store).values()), "its address stays");
        }
    }

    /**
     * A docker short id that begins two containers' ids names neither: `container remove` refuses it naming both, as
     * docker does, and removes nothing (it removed both, each one's endpoint, veth and address); a longer one removes one.
     */
    @Test
    void aShortIdThatBeginsTwoContainersIdsRemovesNeither() {
        addTwo();
        String shortId = "0123456789ab";
        List<String> ids = List.of(shortId + "c".repeat(52), shortId + "d".repeat(52));
        try (Datastore datastore = Datastores.open(url)) {
            // the records as two docker containers' would be: `container add docker:ID` records the container's whole id
            ResourceStore store = new ResourceStore(datastore);
            List<Versioned<WorkloadEndpoint>> endpoints = store.list(WorkloadEndpoint.class);
            for (int i = 0; i < 2; i++) {
                WorkloadEndpoint e = endpoints.get(i).resource();
                store.update(new WorkloadEndpoint(e.node(), e.orchestrator(), ids.get(i), e.endpointId(), e.interfaceName(), e.mac(),
                        e.ipv4Nets(), e.ipv6Nets(), e.profileIds(), e.state(), e.namespace(), e.labels(), e.ports(),
                        e.createdAtMillis(), e.allowSpoofedSourcePrefixes()), endpoints.get(i).revision());
            }
        }
        CommandRunner.Result ambiguous = run(List.of("container", "remove", shortId));
        assertFalse(ambiguous.ok(), ambiguous.stdout());
        assertEquals(List.of("error: container '" + shortId + "' is ambiguous: it begins the ids of " + ids.get(0) + ", " + ids.get(1)
                + "; give more of the id; nothing was changed"), ambiguous.stderr().lines().toList());
        try (Datastore datastore = Datastores.open(url)) {
            ResourceStore store = new ResourceStore(datastore);
            List<WorkloadEndpoint> left = store.list(WorkloadEndpoint.class).stream().map(Versioned::resource).toList();
            assertEquals(ids, left.stream().map(WorkloadEndpoint::containerId).sorted().toList(), "both endpoints stay");
            for (WorkloadEndpoint endpoint : left) {
                assertTrue(TestHost.hasLink(CommandRunner.inNamespace(HOST), endpoint.interfaceName()), "its veth stays");
            }
            assertEquals(2, allocations(store).size(), "both addresses stay");
        }
        CommandRunner.Result one = run(List.of("container", "remove", shortId + "c"));
        assertTrue(one.ok(), one.stderr());
        try (Datastore datastore = Datastores.open(url)) {
            assertEquals(List.of(ids.get(1)), new ResourceStore(datastore).list(WorkloadEndpoint.class).stream()
                    .map(e -> e.resource().containerId()).toList(), "the longer id removed its container alone");
        }
    }

    @Test
    void ipamReleaseRefusesAnAddressALiveEndpointUses() {
        assertTrue(run(List.of("container", "add", "netns:" + CONTAINER, "--no-wait")).ok());
        String address;
        try (Datastore datastore = Datastores.open(url)) {
            address = allocations(new ResourceStore(datastore)).keySet().iterator().next();
        }
        CommandRunner.Result release = run(List.of("ipam", "release", address));
        assertFalse(release.ok(), release.stdout());
        assertTrue(release.stderr().startsWith("error: address " + address + " is used by container netns:" + CONTAINER),
                release.stderr());
        try (Datastore datastore = Datastores.open(url)) {
            assertEquals(1, allocations(new ResourceStore(datastore)).size(), "still allocated");
        }
    }

    /** Adds netns:CONTAINER and a second container whose name begins with CONTAINER's; returns that name. */
    private String addTwo() {
        String longer = CONTAINER + "2";
        Namespaces.create(longer);
        assertTrue(run(List.of("container", "add", "netns:" + CONTAINER, "--no-wait")).ok());
        assertTrue(run(List.of("container", "add", "netns:" + longer, "--no-wait")).ok());
        return longer;
    }

    private static Map<String, String> allocations(ResourceStore store) {
        Map<String, String> held = new HashMap<>();
        for (Versioned<IpamBlock> block : store.list(IpamBlock.class)) {
            block.resource().allocations().forEach((offset, handle) ->
                    held.put(block.resource().cidr().addressAt(java.math.BigInteger.valueOf(offset)).toString(), handle));
        }
        return held;
    }

    private CommandRunner.Result run(List<String> args) {
        // no dockerd answers: a docker id is matched by the records alone, whatever daemon the machine runs
        List<String> command = new ArrayList<>(List.of("env", "DOCKER_HOST=unix://" + dir.resolve("no-dockerd.sock")));
        command.addAll(JavaProcess.command(List.of(), org.jcalico.cli.Main.class, "--datastore", url, "--node", "n1"));
        command.addAll(args);
        return CommandRunner.inNamespace(HOST).run(command);
    }

    /**
     * Both commands start in JVMs of their own in the host's namespace, and are let go together once both say they
     * wait at the gate (a fixed 2 s before: too long on a quiet machine, and on a loaded one a JVM could still be
     * starting, which was then no race).
     */
    private List<String> race(List<String> first, List<String> second) throws IOException, InterruptedException {
        List<Process> processes = new ArrayList<>();
        List<BufferedReader> outputs = new ArrayList<>();
        for (List<String> args : List.of(first, second)) {
            List<String> command = new ArrayList<>(List.of("ip", "netns", "exec", HOST));
            command.addAll(JavaProcess.command(List.of("-XX:TieredStopAtLevel=1"), GatedCommandMain.class,
                    "--datastore", url, "--node", "n1"));
            command.addAll(args);
            Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
            processes.add(process);
            outputs.add(new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8)));
        }
        for (BufferedReader output : outputs) {
            String line = output.readLine();
            assertEquals(GatedCommandMain.READY, line, "the command waits at the gate");
        }
        for (Process process : processes) {
            process.getOutputStream().write('\n');
            process.getOutputStream().flush();
        }
        List<String> outcomes = new ArrayList<>();
        for (int i = 0; i < processes.size(); i++) {
            outcomes.add(outputs.get(i).lines().collect(java.util.stream.Collectors.joining("\n")).strip());
            processes.get(i).waitFor();
        }
        return outcomes;
    }
}
