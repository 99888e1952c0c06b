package org.jcalico.docker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.jcalico.agent.AgentOptions;
import org.jcalico.datastore.Datastore;
import org.jcalico.datastore.Keys;
import org.jcalico.datastore.Watch;
import org.jcalico.datastore.WatchEvent;
import org.jcalico.datastore.WatchListener;
import org.jcalico.datastore.OpenMode;
import org.jcalico.datastore.ResourceStore;
import org.jcalico.datastore.Versioned;
import org.jcalico.kernel.CommandRunner;
import org.jcalico.lab.LabLayout;
import org.jcalico.model.Cidr;
import org.jcalico.model.EndpointStatus;
import org.jcalico.model.IpAddress;
import org.jcalico.model.IpPool;
import org.jcalico.model.IpamBlock;
import org.jcalico.model.Profile;
import org.jcalico.model.StoredForm;
import org.jcalico.model.WorkloadEndpoint;
import org.jcalico.testing.DockerFixture;
import org.jcalico.testing.Eventually;
import org.jcalico.testing.LabFixture;
import org.jcalico.testing.TestNamespaces;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * `docker network create -d jcalico` and `docker run --net` on two lab hosts, each with a dockerd of its own that
 * finds its host's agent as its network and IPAM plugin (docs/docker.md). The tests run in order on one lab: the
 * matrix, then what docker removes, then a dockerd crash, with the bad input first so that it sees a clean cluster.
 */
@Tag("kernel")
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class DockerNetworkIT {
    /** The lab's names, known before it is up (its leftovers in /etc/netns go first). */
    private static final LabLayout LAB = new LabLayout(TestNamespaces.lab("jcd2"), 2);
    private static final String A = "jcd2-a";
    private static final String B = "jcd2-b";
    private static final String TCP_PORT = "8080";
    /** A network's subnet inside the lab's pool 10.65.0.0/16. */
    private static final String S_SUBNET = "10.65.200.0/24";
    private LabFixture fixture;
    private final DockerFixture[] docker = new DockerFixture[3];
    /** Host 1's agent reaches its dockerd through this relay, which a test makes slow to answer one question. */
    private SlowDockerd slowDockerd;
    private Datastore datastore;
    private ResourceStore store;

    @BeforeAll
    void up() throws Exception {
        assumeTrue(CommandRunner.local().run("test", "-x", "/usr/sbin/dockerd").ok(), "docker.io is not installed");
        removeEtc();
        fixture = LabFixture.up("jcd2", 2);
        LabLayout layout = fixture.layout();
        for (String pool : List.of(LabLayout.FIXED_RANGES_V4.toString(), LabLayout.FIXED_RANGES_V6.toString())) {
            fixture.jc("h1", "pool", "add", pool);
        }
        // host 2 on nftables, host 1 on the default (iptables): every case between the hosts meets both drivers, and
        // what docker removes on host 2 is removed from nftables (docs/docker.md, "Session 62 (t-nft)")
        fixture.useDriver(2, "nftables");
        assertTrue(fixture.programsOnly(layout.host(1), LabFixture.driver()), "host 1's agent on " + LabFixture.driver());
        for (int host = 1; host <= 2; host++) {
            Path etc = etcDocker(host);
            Files.createDirectories(etc.resolve("plugins"));
            docker[host] = DockerFixture.start(layout.host(host), Path.of("/tmp/" + layout.prefix() + "d" + host), etc);
            if (host == 1) {
                slowDockerd = SlowDockerd.relay(Path.of("/tmp/" + layout.prefix() + "relay.sock"), Path.of(docker[1].socket()));
            }
            startAgentWithPlugin(host);
        }
        // both agents restarted before the sessions are waited for: a wait after the first would see them up only for
        // the second restart to take them down again
        awaitSessions();
        datastore = layout.datastoreUrl().open(OpenMode.READ);
        store = new ResourceStore(datastore);
    }

    @AfterAll
    void down() throws Exception {
        try {
            if (datastore != null) {
                datastore.close();
            }
            for (DockerFixture daemon : docker) {
                if (daemon != null) {
                    daemon.close();
                }
            }
            if (fixture != null) {
                fixture.close();
            }
            if (slowDockerd != null) {
                slowDockerd.close();
            }
        } finally {
            removeEtc();
        }
    }

    @Test
    @Order(1)
    void badInputIsOneMessageFromJcalicoAndLeavesNothing() throws Exception {
        Snapshot before = snapshot(1);
        assertRefused(docker(1, "network", "create", "-d", "jcalico", "--ipam-driver", "jcalico-ipam", "--subnet", "10.99.0.0/24", "jcd2-x"),
                "jcalico: subnet 10.99.0.0/24 is not inside an enabled jcalico IP pool");
        assertRefused(docker(1, "network", "create", "-d", "jcalico", "--ipam-driver", "jcalico-ipam", "-o", "jcd2=1", "jcd2-x"),
                "jcalico: unknown network option -o jcd2");
        IpPool v6 = store.list(IpPool.class).stream().map(Versioned::resource).filter(p -> p.cidr().version() == 6)
                .findFirst().orElseThrow();
        fixture.apply("h1", pool(v6, true));
        try {
            assertRefused(docker(1, "network", "create", "-d", "jcalico", "--ipam-driver", "jcalico-ipam", "--ipv6", "jcd2-x"),
                    "jcalico: no enabled IPv6 pool for --ipv6");
        } finally {
            fixture.apply("h1", pool(v6, false));
        }
        // a subnet inside a pool: the network's addresses come from it alone; another network may not overlap it
        docker(1, "network", "create", "-d", "jcalico", "--ipam-driver", "jcalico-ipam", "--subnet", S_SUBNET, "jcd2-s").check();
        assertRefused(docker(1, "network", "create", "-d", "jcalico", "--ipam-driver", "jcalico-ipam", "--subnet", "10.65.200.128/25", "jcd2-x"),
                "jcalico: subnet 10.65.200.128/25 overlaps the subnet " + S_SUBNET + " of network jcd2-s");
        assertFalse(docker(1, "network", "ls", "--format", "{{.Name}}").stdout().contains("jcd2-x"), "no network was made");
        docker(1, "run", "-d", "--name", "jcd2-s1", "--net", "jcd2-s", DockerFixture.IMAGE, "sleep", "1000").check();
        String taken = address(1, "jcd2-s1", "jcd2-s", 4);
        assertTrue(Cidr.parse(S_SUBNET).contains(IpAddress.parse(taken)), "the address " + taken + " is in the network's subnet " + S_SUBNET);
        Snapshot withOne = snapshot(1);
        assertRefused(docker(1, "run", "-d", "--name", "jcd2-s2", "--net", "jcd2-s", "--ip", taken, DockerFixture.IMAGE, "sleep", "1000"),
                "jcalico: address " + taken + " is already in use");
        assertEquals(withOne, snapshot(1), "the refused --ip left no address, endpoint, profile or interface");
        // a jcalico label the policy model refuses is refused with the container, never skipped: a Deny selecting
        // has(quarantine) would not hold for a container whose quarantine label was dropped. (Each refused container is
        // removed at once: one created on the network and never started makes the joining container ambiguous.)
        docker(1, "rm", "-f", "jcd2-s2").check();
        assertRefused(docker(1, "run", "-d", "--name", "jcd2-s3", "--net", "jcd2-s", "--label", "jcalico.label.role=web",
                        "--label", "jcalico.label.quarantine=yes please", DockerFixture.IMAGE, "sleep", "1000"),
                "jcalico: container label jcalico.label.quarantine=yes please is refused");
        docker(1, "rm", "-f", "jcd2-s3").check();
        assertRefused(docker(1, "run", "-d", "--name", "jcd2-s4", "--net", "jcd2-s",
                        "--label", "jcalico.label.projectcalico.org/namespace=kube-system", DockerFixture.IMAGE, "sleep", "1000"),
                "jcalico: container label jcalico.label.projectcalico.org/namespace=kube-system is refused");
        docker(1, "rm", "-f", "jcd2-s4").check();
        assertTrue(Eventually.within(5, () -> snapshot(1).equals(withOne)),
                "the refused labels left no address, endpoint, profile or interface: " + withOne + " / " + snapshot(1));
        // `docker network connect` of a running container: Join answers before dockerd tells whose endpoint it is, so
        // the labels are copied once dockerd ties the endpoint to the container (it first lists it as "ep-ID")...
        docker(1, "network", "create", "-d", "bridge", "jcd2-br").check();
        docker(1, "run", "-d", "--name", "jcd2-s6", "--net", "jcd2-br", "--label", "jcalico.label.quarantine=yes",
                DockerFixture.IMAGE, "sleep", "1000").check();
        docker(1, "network", "connect", "jcd2-s", "jcd2-s6").check();
        assertTrue(Eventually.within(10, () -> store.list(WorkloadEndpoint.class).stream()
                        .anyMatch(e -> "yes".equals(e.resource().labels().get("quarantine")))),
                "the connected container's label is its endpoint's: "
                        + store.list(WorkloadEndpoint.class).stream().map(e -> e.resource().labels()).toList());
        docker(1, "rm", "-f", "jcd2-s6").check();
        // ... and a refused label found then removes the endpoint (fails closed) rather than leaving it without its labels
        docker(1, "run", "-d", "--name", "jcd2-s5", "--net", "jcd2-br", "--label", "jcalico.label.quarantine=yes",
                "--label", "jcalico.label.note=a b", DockerFixture.IMAGE, "sleep", "1000").check();
        docker(1, "network", "connect", "jcd2-s", "jcd2-s5").check();
        assertTrue(Eventually.within(10, () -> snapshot(1).endpoints().equals(withOne.endpoints())),
                "the endpoint of a container with a refused label is removed, not kept without its labels: "
                        + store.list(WorkloadEndpoint.class).stream().map(e -> e.resource().labels()).toList());
        docker(1, "rm", "-f", "jcd2-s1", "jcd2-s5").check();
        docker(1, "network", "rm", "jcd2-br").check();
        docker(1, "network", "rm", "jcd2-s").check();
        // the network's profile stays (docs/docker.md); everything else made went again
        assertTrue(Eventually.within(5, () -> snapshot(1).withoutProfiles().equals(before.withoutProfiles())),
                "no endpoint, allocation or interface left: " + before + " / " + snapshot(1));
    }

    /**
     * A container's labels hold from its first packet on a network it is connected to while running, also when dockerd
     * tells whose endpoint it is only after Join has answered. Host 1's agent hears dockerd's answer about the
     * container's labels three seconds late (the relay): a probe sending to the address the connect gives, from before
     * `docker network connect` returns, must never get an answer from a container a Deny selects.
     */
    @Test
    @Order(2)
    void aConnectedContainersLabelsHoldFromItsFirstPacket() throws Exception {
        docker(1, "network", "create", "-d", "jcalico", "--ipam-driver", "jcalico-ipam", "--subnet", "10.65.201.0/24", "jcd2-l1").check();
        docker(1, "network", "create", "-d", "jcalico", "--ipam-driver", "jcalico-ipam", "--subnet", "10.65.202.0/24", "jcd2-l2").check();
        docker(1, "network", "create", "-d", "bridge", "jcd2-lb").check();
        fixture.apply("h1", QUARANTINE);
        run(1, "jcd2-lp", "jcd2-l2");
        // one on a jcalico network already (its labels are known to the agent), one on docker's bridge (they are not)
        run(1, "jcd2-lq", "jcd2-l1", "--label", "jcalico.label.quarantine=yes");
        run(1, "jcd2-lr", "jcd2-lb", "--label", "jcalico.label.quarantine=yes");
        slowDockerd.hold("/containers/json?all=1&filters=%7B%22id%22", java.time.Duration.ofSeconds(3));
        try {
            for (List<String> connect : List.of(List.of("jcd2-lq", "10.65.202.10"), List.of("jcd2-lr", "10.65.202.11"))) {
                String container = connect.get(0);
                String address = connect.get(1);
                java.util.concurrent.CompletableFuture<CommandRunner.Result> probe = java.util.concurrent.CompletableFuture.supplyAsync(
                        () -> docker(1, "exec", "jcd2-lp", "timeout", "-s", "INT", "60", "ping", "-i", "0.02", address),
                        Thread::startVirtualThread);
                Thread.sleep(500);
                docker(1, "network", "connect", "--ip", address, "jcd2-l2", container).check();
                WorkloadEndpoint joined = endpointWith(address).orElseThrow();
                Optional<EndpointStatus> status = store.get(EndpointStatus.class, joined.node(), joined.endpointId()).map(Versioned::resource);
                // on for 2 s after the connect returned, however long it took: within the 3 s dockerd's answer is held
                Thread.sleep(2000);
                docker(1, "exec", "jcd2-lp", "killall", "-INT", "ping");
                String output = probe.get().stdout();
                java.util.regex.Matcher counts = java.util.regex.Pattern.compile("(\\d+) packets transmitted, (\\d+) packets received")
                        .matcher(output);
                assertTrue(counts.find() && Integer.parseInt(counts.group(1)) > 50, "the probe sent throughout: " + output);
                assertEquals("0", counts.group(2), container + ": no answer while its labels were being learnt: "
                        + output.lines().filter(line -> line.contains("bytes from")).limit(3).toList());
                if (container.equals("jcd2-lr")) {
                    // dockerd's answer was late: the endpoint was isolated meanwhile, and its status said so
                    assertTrue(status.isPresent() && status.get().detail() != null && status.get().detail().contains("isolated"),
                            "the status of an endpoint whose labels are not known yet: " + status);
                }
                assertTrue(Eventually.within(10, () -> endpointWith(address).map(e -> "yes".equals(e.labels().get("quarantine")))
                                .orElse(false) && store.get(EndpointStatus.class, joined.node(), joined.endpointId())
                                .map(s -> s.resource().state() == EndpointStatus.State.programmed && (s.resource().detail() == null
                                || !s.resource().detail().contains("isolated"))).orElse(false)),
                        container + ": its label is its endpoint's, and the endpoint is programmed as the policy says: "
                                + endpointWith(address) + " " + store.get(EndpointStatus.class, joined.node(), joined.endpointId()));
            }
        } finally {
            slowDockerd.hold(null, java.time.Duration.ZERO);
            docker(1, "rm", "-f", "jcd2-lp", "jcd2-lq", "jcd2-lr");
            for (String network : List.of("jcd2-l1", "jcd2-l2", "jcd2-lb")) {
                docker(1, "network", "rm", network);
            }
        }
    }

    /**
     * An endpoint isolated until its container's labels are known gets them even when the copy after Join did not
     * finish: here the agent is restarted while dockerd's answer is held back (the copy dies with it), and the
     * consistency pass at the next agent's start copies them.
     */
    @Test
    @Order(3)
    void anEndpointWhoseLabelsWereNotCopiedBeforeAnAgentRestartGetsThem() throws Exception {
        docker(1, "network", "create", "-d", "jcalico", "--ipam-driver", "jcalico-ipam", "jcd2-l3").check();
        docker(1, "network", "create", "-d", "bridge", "jcd2-lb").check();
        run(1, "jcd2-lr", "jcd2-lb", "--label", "jcalico.label.quarantine=yes");
        slowDockerd.hold("/containers/json?all=1&filters=%7B%22id%22", java.time.Duration.ofSeconds(60));
        try {
            docker(1, "network", "connect", "jcd2-l3", "jcd2-lr").check();
            String address = address(1, "jcd2-lr", "jcd2-l3", 4);
            slowDockerd.hold(null, java.time.Duration.ZERO);
            restartAgentWithPlugin(1);
            assertTrue(Eventually.within(15, () -> endpointWith(address).map(e -> "yes".equals(e.labels().get("quarantine"))
                            && e.isolation().isEmpty()).orElse(false)),
                    "the restarted agent copied the labels the first one could not: " + endpointWith(address));
        } finally {
            slowDockerd.hold(null, java.time.Duration.ZERO);
            docker(1, "rm", "-f", "jcd2-lr");
            for (String network : List.of("jcd2-l3", "jcd2-lb")) {
                docker(1, "network", "rm", network);
            }
        }
    }

    @Test
    @Order(4)
    void aNetworksMembersReachEachOtherOnBothHostsAndNoOtherNetwork() throws Exception {
        for (int host = 1; host <= 2; host++) {
            docker(host, "network", "create", "-d", "jcalico", "--ipam-driver", "jcalico-ipam", "--ipv6",
                    "--subnet", LabLayout.FIXED_RANGES_V4.toString(), "--subnet", LabLayout.FIXED_RANGES_V6.toString(), A).check();
            // B shares A's pool: a container on both cannot tell their members apart by address
            docker(host, "network", "create", "-d", "jcalico", "--ipam-driver", "jcalico-ipam", B).check();
        }
        fixture.apply("h1", QUARANTINE);
        List<WorkloadEndpoint> written = new java.util.concurrent.CopyOnWriteArrayList<>();
        Watch watch = datastore.watch(Keys.prefix(WorkloadEndpoint.class), datastore.list(Keys.prefix(WorkloadEndpoint.class)).revision(),
                new WatchListener() {
                    @Override
                    public void onEvents(List<WatchEvent> events) {
                        events.stream().filter(event -> event.value() != null)
                                .forEach(event -> written.add((WorkloadEndpoint) StoredForm.fromJson(event.value())));
                    }

                    @Override
                    public void onResync(String reason) {
                    }
                });
        run(1, "jcd2-a1", A, "--label", "jcalico.label.role=web");
        run(1, "jcd2-b1", B);
        run(2, "jcd2-ab2", A);
        docker(2, "network", "connect", B, "jcd2-ab2").check();
        run(2, "jcd2-a2", A);
        // reachable the moment docker run returns: one packet, no retry
        Check first = ping(1, "jcd2-a1", address(2, "jcd2-a2", A, 4));
        assertTrue(first.succeeds(), "the first packet after docker run returned: " + first);
        // and a policy selecting the container's labels holds from its first packet too
        run(2, "jcd2-q2", A, "--label", "jcalico.label.quarantine=yes");
        String q2 = address(2, "jcd2-q2", A, 4);
        Check quarantined = ping(1, "jcd2-a1", q2);
        assertFalse(quarantined.succeeds(), "the first packet to a container whose label a Deny policy selects: " + quarantined);
        watch.close();
        String a1Address = address(1, "jcd2-a1", A, 4);
        WorkloadEndpoint firstWritten = written.stream().filter(e -> e.nets().contains(Cidr.host(IpAddress.parse(a1Address))))
                .findFirst().orElseThrow(() -> new AssertionError("no endpoint record with " + a1Address + " was written: " + written));
        assertEquals(Map.of("role", "web", "jcalico.network/" + A, ""), firstWritten.labels(),
                "the endpoint record carries the container's labels from its first version on, programmed before Join answered");
        for (String container : List.of("jcd2-a1", "jcd2-b1")) {
            listen(1, container);
        }
        listen(2, "jcd2-a2");
        listen(2, "jcd2-ab2");

        String a1 = address(1, "jcd2-a1", A, 4);
        String a2 = address(2, "jcd2-a2", A, 4);
        String b1 = address(1, "jcd2-b1", B, 4);
        String ab2OnA = address(2, "jcd2-ab2", A, 4);
        String ab2OnB = address(2, "jcd2-ab2", B, 4);
        assertMatrix(List.of(
                ping(1, "jcd2-b1", ab2OnB), tcp(1, "jcd2-b1", ab2OnB), ping(1, "jcd2-a1", ab2OnA), tcp(1, "jcd2-a1", ab2OnA),
                ping(1, "jcd2-a1", q2), ping(2, "jcd2-q2", a1),
                ping(1, "jcd2-a1", a2), tcp(1, "jcd2-a1", a2), ping(2, "jcd2-a2", a1), tcp(2, "jcd2-a2", a1),
                ping(1, "jcd2-a1", address(2, "jcd2-a2", A, 6)), ping(2, "jcd2-a2", address(1, "jcd2-a1", A, 6)),
                ping(2, "jcd2-ab2", a1), tcp(2, "jcd2-ab2", a1), ping(2, "jcd2-ab2", b1), tcp(2, "jcd2-ab2", b1),
                ping(1, "jcd2-b1", a2), tcp(1, "jcd2-b1", a2), ping(1, "jcd2-a1", b1), tcp(1, "jcd2-a1", b1),
                tcp(2, "jcd2-a2", b1)),
                List.of(true, true, true, true, false, true, true, true, true, true, true, true, true, true, true, true, false, false, false, false, false));

        assertEquals(1, store.list(Profile.class).stream().filter(p -> p.resource().name().equals(A)).count(),
                "one profile for the network of both hosts");
        WorkloadEndpoint web = endpointWith(a1).orElseThrow();
        assertEquals(List.of(A), web.profileIds());
        assertEquals("docker", web.orchestrator());
        assertEquals(Map.of("role", "web", "jcalico.network/" + A, ""), web.labels(),
                "the container's label jcalico.label.role=web and the membership label are the endpoint's");
    }

    @Test
    @Order(5)
    void disconnectRmAndNetworkRmLeaveNothingAndRunningContainersKeepWorking() throws Exception {
        String ab2OnB = address(2, "jcd2-ab2", B, 4);
        Gone abGone = gone(2, ab2OnB);
        docker(2, "network", "disconnect", B, "jcd2-ab2").check();
        String ab2OnA = address(2, "jcd2-ab2", A, 4);
        // DeleteEndpoint answers at once and rewrites the siblings right after (docs/docker.md, "Leave answers at once")
        assertTrue(Eventually.within(5, () -> endpointWith(ab2OnA).orElseThrow().profileIds().equals(List.of(A))),
                "the container left B: its endpoint on A is no member of B any more: " + endpointWith(ab2OnA));
        WorkloadEndpoint ab2 = endpointWith(ab2OnA).orElseThrow();
        assertEquals(List.of(), ab2.allowSpoofedSourcePrefixes());
        assertFalse(ab2.labels().containsKey("jcalico.network/" + B));
        assertFalse(abGone.flowsBefore.isEmpty(), "the previous test's TCP connections to " + ab2OnB + " are still tracked");
        String b1 = address(1, "jcd2-b1", B, 4);
        Gone b1Gone = gone(1, b1);
        docker(1, "rm", "-f", "jcd2-b1").check();
        for (int host = 1; host <= 2; host++) {
            docker(host, "network", "rm", B).check();
        }
        abGone.assertGone();
        b1Gone.assertGone();
        String a1 = address(1, "jcd2-a1", A, 4);
        assertMatrix(List.of(ping(2, "jcd2-ab2", a1), tcp(2, "jcd2-a2", a1), ping(2, "jcd2-ab2", b1)), List.of(true, true, false));
    }

    @Test
    @Order(6)
    void aDockerdKilledAndRestartedLeavesNothingOfItsContainersAndAStoppingAgentStillAnswersIt() throws Exception {
        List<Gone> gone = List.of(gone(2, address(2, "jcd2-a2", A, 4)), gone(2, address(2, "jcd2-a2", A, 6)),
                gone(2, address(2, "jcd2-ab2", A, 4)));
        docker[2].killAndRestart();
        for (Gone endpoint : gone) {
            endpoint.assertGone();
        }
        run(2, "jcd2-a3", A);
        String a1 = address(1, "jcd2-a1", A, 4);
        String a3 = address(2, "jcd2-a3", A, 4);
        listen(2, "jcd2-a3");
        assertMatrix(List.of(ping(1, "jcd2-a1", a3), tcp(1, "jcd2-a1", a3), ping(2, "jcd2-a3", a1), tcp(2, "jcd2-a3", a1)),
                List.of(true, true, true, true));

        // a node stop while docker removes a container: the stopping agent still answers dockerd's calls
        Gone a3Gone = gone(2, address(2, "jcd2-a3", A, 4));
        LabLayout layout = fixture.layout();
        Path agentLog = layout.logDir().resolve(layout.nodeName(2)).resolve("felix.log");
        long logged = logLines(agentLog).size();
        try (ExecutorService background = Executors.newVirtualThreadPerTaskExecutor()) {
            Future<?> stopping = background.submit(() -> fixture.jc("h2", "node", "stop", "--name", layout.nodeName(2),
                    "--run-dir", layout.runDir().toString()));
            assertTrue(Eventually.within(15, () -> logLines(agentLog).stream().skip(logged)
                    .anyMatch(line -> line.contains("the docker plugin is served on while dockerd calls it"))), "the agent is stopping");
            docker(2, "rm", "-f", "jcd2-a3").check();
            a3Gone.assertGone();
            stopping.get();
        }
    }

    /**
     * dockerd calls CreateEndpoint, makes the container's sandbox, then calls Join: the endpoint is attached
     * (veth, record, programmed) meanwhile, before any Join (docs/docker.md, "Join: programmed before it answers"); a
     * DeleteEndpoint that comes instead of the Join leaves nothing of it. Called on the plugin's socket as dockerd would.
     */
    @Test
    @Order(7)
    void createEndpointAttachesBeforeJoinAndDeleteEndpointWithoutJoinLeavesNothing() throws Exception {
        Snapshot before = snapshot(1);
        String network = docker(1, "network", "inspect", "-f", "{{.Id}}", A).check().stdout().strip();
        String endpointId = "5eed".repeat(16);
        String address = new com.fasterxml.jackson.databind.ObjectMapper().readTree(plugin("IpamDriver.RequestAddress",
                "{\"PoolID\": \"jcalico-v4\", \"Address\": \"\", \"Options\": {}}")).path("Address").asText();
        String ip = address.replaceAll("/.*", "");
        plugin("NetworkDriver.CreateEndpoint", "{\"NetworkID\": \"" + network + "\", \"EndpointID\": \"" + endpointId
                + "\", \"Interface\": {\"Address\": \"" + address + "\", \"AddressIPv6\": \"\", \"MacAddress\": \"\"}, \"Options\": {}}");
        assertTrue(Eventually.within(10, () -> endpointWith(ip).flatMap(endpoint -> store.get(EndpointStatus.class,
                        endpoint.node(), endpoint.endpointId())).filter(status -> status.resource().state()
                        == EndpointStatus.State.programmed).isPresent()),
                "the endpoint is attached and programmed with no Join yet: " + endpointWith(ip));
        Gone endpoint = gone(1, ip);
        plugin("NetworkDriver.DeleteEndpoint", "{\"NetworkID\": \"" + network + "\", \"EndpointID\": \"" + endpointId + "\"}");
        plugin("IpamDriver.ReleaseAddress", "{\"PoolID\": \"jcalico-v4\", \"Address\": \"" + ip + "\"}");
        endpoint.assertGone();
        assertTrue(Eventually.within(5, () -> snapshot(1).equals(before)), "nothing left: " + before + " / " + snapshot(1));
        assertTrue(datastore.list(Keys.INTENTS + fixture.layout().nodeName(1) + "/").items().isEmpty(), "no intent left");
    }

    /** One call on host 1's plugin socket, as dockerd makes it; its answer, which must not be an error. */
    private String plugin(String call, String body) {
        LabLayout layout = fixture.layout();
        Path socket = layout.runDir().resolve(layout.nodeName(1)).resolve("docker.sock");
        String answer = CommandRunner.local().run("curl", "-sS", "--unix-socket", socket.toString(), "-H",
                "Content-Type: application/json", "--data-binary", body, "http://plugin/" + call).check().stdout();
        assertFalse(answer.contains("\"Err\":\"j"), call + ": " + answer);
        return answer;
    }

    // --- the lab's side, until `lab up --docker` does it

    private Path etcDocker(int host) {
        return Path.of("/etc/netns", LAB.host(host), "docker");
    }

    private void removeEtc() {
        for (int host = 1; host <= 2; host++) {
            CommandRunner.local().run("rm", "-rf", "--one-file-system", "/etc/netns/" + LAB.host(host)).check();
        }
        // /etc/netns itself is kept, as `lab down` keeps it: removed when empty, it could go between another lab's
        // check for it and its mkdir of a host's entry there (the functional tests run two classes at once)
    }

    /** The lab's agent again, now serving the plugin to its host's dockerd. */
    private void restartAgentWithPlugin(int host) {
        startAgentWithPlugin(host);
        awaitSessions();
    }

    /** Stops the host's agent and starts it with its docker plugin (behind the slow relay on h1). */
    private void startAgentWithPlugin(int host) {
        LabLayout layout = fixture.layout();
        fixture.jc("h" + host, "node", "stop", "--name", layout.nodeName(host), "--run-dir", layout.runDir().toString());
        String socket = host == 1 ? slowDockerd.socket().toString() : docker[host].socket();
        List<String> command = new ArrayList<>(List.of("env", "DOCKER_HOST=unix://" + socket));
        command.addAll(new AgentOptions(layout.nodeName(host), layout.datastoreUrl(), layout.hostV4(host), layout.hostV6(host),
                null, true, layout.runDir(), layout.logDir(), etcDocker(host).resolve("plugins")).command(AgentOptions.Role.START));
        CommandRunner.Result started = fixture.lab().exec("h" + host, command);
        assertTrue(started.ok(), started.stderr() + started.stdout());
    }

    private void awaitSessions() {
        LabLayout layout = fixture.layout();
        // a restarted agent's BIRD is new: until its sessions are up again (BIRD connects a few seconds after its start),
        // no host learns the routes of the blocks a following test makes, and the first packets the tests send to them
        // cross hosts (a route is waited for only on the sessions that are up: docs/agent.md, "Session 47 (g-bgp)")
        for (int each = 1; each <= 2; each++) {
            List<String> status = List.of("node", "status", "--name", layout.nodeName(each), "--run-dir", layout.runDir().toString());
            String name = "h" + each;
            assertTrue(Eventually.within(30, () -> fixture.run(name, status.toArray(String[]::new)).ok()),
                    "node status on " + name + " after the restart: " + fixture.run(name, status.toArray(String[]::new)).stdout());
        }
    }

    // --- docker

    private CommandRunner.Result docker(int host, String... args) {
        return docker[host].docker(args);
    }

    private void run(int host, String name, String network, String... options) {
        List<String> args = new ArrayList<>(List.of("run", "-d", "--name", name, "--net", network));
        args.addAll(List.of(options));
        args.addAll(List.of(DockerFixture.IMAGE, "sleep", "1000"));
        docker(host, args.toArray(String[]::new)).check();
    }

    /** A TCP server in the container: every connection accepted, then closed. */
    private void listen(int host, String container) {
        docker(host, "exec", "-d", container, "nc", "-ll", "-p", TCP_PORT, "-e", "/bin/true").check();
    }

    private String address(int host, String container, String network, int version) {
        String field = version == 4 ? "IPAddress" : "GlobalIPv6Address";
        String address = docker(host, "inspect", "-f", "{{(index .NetworkSettings.Networks \"" + network + "\")." + field + "}}",
                container).check().stdout().strip();
        assertFalse(address.isEmpty(), container + " has an IPv" + version + " address on " + network);
        return address;
    }

    private static void assertRefused(CommandRunner.Result result, String message) {
        assertFalse(result.ok(), "refused: " + result.stdout());
        assertTrue(result.stderr().contains(message), "docker shows jcalico's message '" + message + "': " + result.stderr());
        assertEquals(1, result.stderr().lines().filter(line -> line.contains("jcalico:")).count(), "one line: " + result.stderr());
    }

    // --- connectivity, probed from inside the containers

    private record Check(DockerFixture daemon, String from, String to, List<String> command) {
        boolean succeeds() {
            List<String> args = new ArrayList<>(List.of("exec", from));
            args.addAll(command);
            return daemon.docker(args.toArray(String[]::new)).ok();
        }

        @Override
        public String toString() {
            return from + " -> " + to + " " + command.getFirst();
        }
    }

    private Check ping(int host, String from, String to) {
        return new Check(docker[host], from, to, List.of("ping", to.contains(":") ? "-6" : "-4", "-c", "1", "-W", "1", to));
    }

    private Check tcp(int host, String from, String to) {
        return new Check(docker[host], from, to, List.of("nc", "-w", "1", to, TCP_PORT));
    }

    /**
     * Every check as expected. Routes between hosts come by BGP, a moment after a host's first container: a cell
     * expected reached may take a few seconds, a cell expected refused must never be reached.
     */
    private static void assertMatrix(List<Check> checks, List<Boolean> expected) throws Exception {
        List<Boolean> observed = probe(checks);
        long deadline = System.nanoTime() + 10_000_000_000L;
        while (!observed.equals(expected) && System.nanoTime() < deadline && noneReachedWrongly(observed, expected)) {
            Thread.sleep(500);
            observed = probe(checks);
        }
        StringBuilder differences = new StringBuilder();
        for (int i = 0; i < checks.size(); i++) {
            if (!observed.get(i).equals(expected.get(i))) {
                differences.append("\n  ").append(checks.get(i)).append(": expected ").append(expected.get(i) ? "reached" : "refused");
            }
        }
        assertEquals("", differences.toString(), "connectivity differs:");
    }

    private static List<Boolean> probe(List<Check> checks) throws Exception {
        List<Boolean> observed = new ArrayList<>();
        try (ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor()) {
            List<Future<Boolean>> futures = checks.stream().map(check -> pool.submit(check::succeeds)).toList();
            for (Future<Boolean> future : futures) {
                observed.add(future.get());
            }
        }
        return observed;
    }

    private static boolean noneReachedWrongly(List<Boolean> observed, List<Boolean> expected) {
        for (int i = 0; i < observed.size(); i++) {
            if (observed.get(i) && !expected.get(i)) {
                return false;
            }
        }
        return true;
    }

    // --- what jcalico holds: datastore, kernel

    private Optional<WorkloadEndpoint> endpointWith(String address) {
        Cidr host = Cidr.host(IpAddress.parse(address));
        return store.list(WorkloadEndpoint.class).stream().map(Versioned::resource).filter(e -> e.nets().contains(host)).findFirst();
    }

    private Optional<String> holderOf(String address) {
        IpAddress ip = IpAddress.parse(address);
        return store.list(IpamBlock.class).stream().map(Versioned::resource).filter(b -> b.cidr().contains(ip))
                .map(b -> b.holderOf(ip)).filter(java.util.Objects::nonNull).findFirst();
    }

    /** An endpoint that is to go, by its address: afterwards no record, no address, no veth, no rule of it is left. */
    private final class Gone {
        private final int host;
        private final String address;
        private final WorkloadEndpoint endpoint;
        /** The connections its host tracked for it before it went. */
        private final String flowsBefore;

        Gone(int host, String address) {
            this.host = host;
            this.address = address;
            this.endpoint = endpointWith(address).orElseThrow(() -> new AssertionError("no endpoint has " + address));
            this.flowsBefore = fixture.flowsOf(fixture.layout().host(host), address);
            assertTrue(hostLinks(host).contains(endpoint.interfaceName()), "its veth is there before: " + endpoint.interfaceName());
            assertTrue(fixture.filterState(fixture.layout().host(host)).contains(endpoint.interfaceName()),
                    "its rules or map elements are there before: " + endpoint.interfaceName());
        }

        void assertGone() {
            assertTrue(Eventually.within(5, () -> endpointWith(address).isEmpty() && holderOf(address).isEmpty()),
                    "no endpoint record and no allocation for " + address + ": " + endpointWith(address) + " " + holderOf(address));
            assertTrue(store.get(WorkloadEndpoint.class, endpoint.node(), endpoint.endpointId()).isEmpty());
            // Leave destroys the veth just after it answers
            assertTrue(Eventually.within(5, () -> !hostLinks(host).contains(endpoint.interfaceName())), "no veth " + endpoint.interfaceName());
            String namespace = fixture.layout().host(host);
            assertTrue(Eventually.within(5, () -> !fixture.filterState(namespace).contains(endpoint.interfaceName())),
                    "no rule, set or map element for " + endpoint.interfaceName());
            // a later container given the address must not inherit a connection of this one's
            assertTrue(Eventually.within(5, () -> fixture.flowsOf(namespace, address).isEmpty()),
                    "no connection tracked for " + address + ": " + fixture.flowsOf(namespace, address));
        }
    }

    private static List<String> logLines(Path log) {
        try {
            return Files.readAllLines(log);
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    private Gone gone(int host, String address) {
        return new Gone(host, address);
    }

    private String hostLinks(int host) {
        return fixture.in(fixture.layout().host(host), "ip", "-o", "link", "show").check().stdout();
    }

    /** What a refused command must not change: profiles, endpoints, allocations, the host's interfaces. */
    private record Snapshot(List<String> profiles, List<String> endpoints, Map<String, Map<Integer, String>> allocations,
                            List<String> links) {
        Snapshot withoutProfiles() {
            return new Snapshot(List.of(), endpoints, allocations, links);
        }
    }

    private Snapshot snapshot(int host) {
        List<String> links = hostLinks(host).lines().map(line -> line.split(":")[1].strip()).sorted().toList();
        return new Snapshot(store.list(Profile.class).stream().map(p -> p.resource().name()).sorted().toList(),
                store.list(WorkloadEndpoint.class).stream().map(e -> e.resource().endpointId()).sorted().toList(),
                // a block claimed for the host stays its own once empty, as any allocation leaves it
                new java.util.TreeMap<>(store.list(IpamBlock.class).stream().filter(b -> !b.resource().allocations().isEmpty())
                        .collect(java.util.stream.Collectors.toMap(b -> b.resource().cidr().toString(), b -> b.resource().allocations()))),
                links);
    }

    /** Nothing reaches a container labelled jcalico.label.quarantine=yes; it reaches out as before. */
    private static final String QUARANTINE = """
            apiVersion: projectcalico.org/v3
            kind: GlobalNetworkPolicy
            metadata: {name: jcd2-quarantine}
            spec:
              selector: quarantine == "yes"
              types: [Ingress]
              ingress:
              - action: Deny
            """;

    private static String pool(IpPool pool, boolean disabled) {
        return "apiVersion: projectcalico.org/v3\nkind: IPPool\nmetadata:\n  name: " + pool.apiName()
                + "\nspec:\n  cidr: " + pool.cidr() + "\n  blockSize: " + pool.blockSize() + "\n  natOutgoing: " + pool.natOutgoing()
                + "\n  disabled: " + disabled + "\n";
    }
}
