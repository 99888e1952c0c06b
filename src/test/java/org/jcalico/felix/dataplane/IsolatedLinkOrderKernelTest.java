package org.jcalico.felix.dataplane;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.math.BigInteger;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.jcalico.felix.ColdStart;
import org.jcalico.felix.calc.HostStateCalculator;
import org.jcalico.felix.calc.Snapshot;
import org.jcalico.kernel.CommandRunner;
import org.jcalico.model.Cidr;
import org.jcalico.model.DataplaneDriver;
import org.jcalico.model.FelixConfiguration;
import org.jcalico.model.Profile;
import org.jcalico.model.WorkloadEndpoint;
import org.jcalico.testing.KernelTests;
import org.jcalico.testing.TestNamespaces;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The link of an isolated endpoint comes up only once the rules that drop the host's own packets to it are in
 * (jc-OUTPUT, which neither the cold start's guard nor a kernel without another isolated endpoint holds): on an empty
 * kernel behind the guard, and on a restart over a kernel the agent programmed, where isolated w1 arrived while it was
 * down. The host sends datagrams to w1 all through the pass; 60,000 remote members of the set of active jcB's profile
 * hold the rules back meanwhile; the kernel is sampled throughout as well. Until session 50 the links came up beside the rules, and w1 got the host's datagrams
 * for as long as the set filled. Namespaces "jct-iso-..." (after JCALICO_TEST_NS_PREFIX when set).
 */
@Tag("kernel")
class IsolatedLinkOrderKernelTest {
    private static final String PREFIX = TestNamespaces.named("jct-iso-");
    private static final String HOST_ADDRESS = "10.66.0.254";
    private static final String W1 = "10.65.0.1";
    /** Sends a numbered datagram from argv[1] to argv[2]:5000 every 2 ms until the file argv[3] exists. */
    private static final String STREAM = """
            import os, socket, sys, time
            s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
            s.bind((sys.argv[1], 0))
            print("ready", flush=True)
            n = 0
            while not os.path.exists(sys.argv[3]):
                n += 1
                try:
                    s.sendto(("host-" + str(n)).encode(), (sys.argv[2], 5000))
                except OSError:
                    pass
                time.sleep(0.002)
            """;
    private final List<Process> processes = new ArrayList<>();
    private Path scripts;
    private WorkloadHost lab;
    private CommandRunner host;

    /** The host with its address, w1 behind it in a namespace of its own, and jcB's veth (its peer in the host). */
    @BeforeEach
    void createHost() throws IOException {
        KernelTests.assumeKernel();
        lab = new WorkloadHost(PREFIX);
        lab.workload(1);
        lab.hostAddress(HOST_ADDRESS);
        host = lab.host();
        host.run("ip", "link", "add", "jcB", "type", "veth", "peer", "name", "pjcB").check();
        host.run("ip", "link", "set", "pjcB", "up").check();
        scripts = Files.createTempDirectory("jct-iso-");
        Files.writeString(scripts.resolve("server.py"), EstablishedFlowKernelTest.SERVER);
        Files.writeString(scripts.resolve("stream.py"), STREAM);
        Files.writeString(scripts.resolve("to-w1"), "");
    }

    @AfterEach
    void deleteNamespaces() throws IOException {
        WorkloadHost.tearDown(lab, processes, scripts);
    }

    @ParameterizedTest
    @EnumSource(DataplaneDriver.class)
    void onAnEmptyKernelTheHostsPacketsNeverReachAnIsolatedEndpoint(DataplaneDriver driver) throws Exception {
        Snapshot snapshot = snapshot(driver, "awaiting-labels");
        Dataplane dataplane = new Dataplane(host);
        assertTrue(dataplane.start().failures().isEmpty());
        assertNothingReachesW1During(() -> dataplane.resync(() -> ColdStart.guard(snapshot),
                () -> new HostStateCalculator().calculate(snapshot)), driver, driver + ", a cold start");
        assertReachesW1Once(dataplane, driver);
    }

    @ParameterizedTest
    @EnumSource(DataplaneDriver.class)
    void onARestartTheHostsPacketsNeverReachAnIsolatedEndpointThatArrivedMeanwhile(DataplaneDriver driver)
            throws Exception {
        Dataplane before = new Dataplane(host);
        assertTrue(before.start().failures().isEmpty());
        Snapshot jcBAlone = Snapshot.of("local", FelixConfiguration.DEFAULTS.withDataplaneDriver(driver),
                List.of(active("jcB", "10.65.0.2")), Map.of("web", Profile.securityGroup("web")));
        assertEquals(Map.of(), before.resync(new HostStateCalculator().calculate(jcBAlone)).failures());

        Snapshot snapshot = snapshot(driver, "awaiting-labels");
        Dataplane restarted = new Dataplane(host);
        assertNothingReachesW1During(() -> restarted.resync(() -> ColdStart.guard(snapshot),
                () -> new HostStateCalculator().calculate(snapshot)), driver, driver + ", a restart");
        assertReachesW1Once(restarted, driver);
    }

    /** Runs PASS while the host streams datagrams to w1: w1's server gets none of them. */
    private void assertNothingReachesW1During(java.util.function.Supplier<DataplaneReport> pass, DataplaneDriver driver,
                                              String what) throws Exception {
        server();
        Path stop = scripts.resolve("stop");
        Process stream = new ProcessBuilder("ip", "netns", "exec", PREFIX + "host", EstablishedFlowKernelTest.PYTHON,
                scripts.resolve("stream.py").toString(), HOST_ADDRESS, W1, stop.toString())
                .redirectError(ProcessBuilder.Redirect.DISCARD).start();
        processes.add(stream);
        assertEquals("ready", new BufferedReader(new InputStreamReader(stream.getInputStream())).readLine());
        java.util.concurrent.CompletableFuture<DataplaneReport> applied = java.util.concurrent.CompletableFuture.supplyAsync(pass);
        int unguarded = 0;
        try {
            while (!applied.isDone()) {
                // the link read first: a drop seen after it was there when the link came up or came after it
                if (linkUp("jcw1") && !dropsToW1(driver)) {
                    unguarded++;
                }
            }
        } finally {
            Files.writeString(stop, "");
            stream.waitFor();
        }
        assertEquals(Map.of(), applied.get().failures());
        assertEquals(0, unguarded, "samples with isolated w1's link up and the host's packets to it not dropped (" + what + ")");
        assertEquals(List.of(), Files.readAllLines(scripts.resolve("to-w1")),
                "the host's datagrams that reached isolated w1 (" + what + ")");
    }

    /** The probe sees what it should: once w1 is active, the host's datagrams reach it. */
    private void assertReachesW1Once(Dataplane dataplane, DataplaneDriver driver) throws Exception {
        Snapshot active = snapshot(driver, null);
        assertEquals(Map.of(), dataplane.apply(new HostStateCalculator().calculate(active)).failures());
        Path stop = scripts.resolve("stop");
        Files.delete(stop);
        Process stream = new ProcessBuilder("ip", "netns", "exec", PREFIX + "host", EstablishedFlowKernelTest.PYTHON,
                scripts.resolve("stream.py").toString(), HOST_ADDRESS, W1, stop.toString())
                .redirectError(ProcessBuilder.Redirect.DISCARD).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        processes.add(stream);
        long deadline = System.nanoTime() + 10_000_000_000L;
        while (Files.readAllLines(scripts.resolve("to-w1")).isEmpty() && System.nanoTime() < deadline) {
            Thread.sleep(20);
        }
        Files.writeString(stop, "");
        stream.waitFor();
        assertTrue(!Files.readAllLines(scripts.resolve("to-w1")).isEmpty(), "active w1 gets the host's datagrams");
    }

    private boolean linkUp(String name) {
        return host.run(List.of("ip", "-o", "link", "show", name)).check().stdout().matches("(?s).*[<,]UP[,>].*");
    }

    /**
     * Whether OUTPUT goes to jcalico's chain and that drops the host's packets to w1, the only isolated endpoint (the
     * chain is hooked whatever the endpoints since session 60, for the host's packets from a pool's address).
     */
    private boolean dropsToW1(DataplaneDriver driver) {
        if (driver == DataplaneDriver.IPTABLES) {
            String rules = host.run(List.of("iptables-save", "-t", "filter")).check().stdout();
            return rules.matches("(?s).*\\n-A OUTPUT [^\\n]*-j jc-OUTPUT\\n.*")
                    && rules.matches("(?s).*\\n-A jc-OUTPUT -o jcw1 [^\\n]*-j DROP[^\\n]*\\n.*");
        }
        CommandRunner.Result table = host.run(List.of("nft", "list", "table", "ip", "jcalico"));
        return table.ok() && table.stdout().contains("hook output")
                && table.stdout().matches("(?s).*oifname \"jcw1\"[^\\n]* drop[^\\n]*\\n.*");
    }

    /** w1's UDP server on port 5000, listening before this returns. */
    private void server() throws Exception {
        processes.add(new ProcessBuilder("ip", "netns", "exec", PREFIX + "w1", EstablishedFlowKernelTest.PYTHON,
                scripts.resolve("server.py").toString(), scripts.resolve("to-w1").toString())
                .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start());
        CommandRunner w1 = CommandRunner.inNamespace(PREFIX + "w1");
        long deadline = System.nanoTime() + 10_000_000_000L;
        while (!w1.run("ss", "-Hlun", "sport", "= :5000").check().stdout().contains(":5000")) {
            assertTrue(System.nanoTime() < deadline, "w1's server listens");
            Thread.sleep(20);
        }
    }

    /** w1 on jcw1 in state W1STATE (null: active), jcB active in profile web, and web's 60,000 remote members. */
    private static Snapshot snapshot(DataplaneDriver driver, String w1State) {
        List<WorkloadEndpoint> endpoints = new ArrayList<>();
        endpoints.add(new WorkloadEndpoint("local", null, "w1", "w1", "jcw1", null, List.of(Cidr.parse(W1 + "/32")),
                List.of(), List.of("web"), w1State, null, Map.of(), null));
        endpoints.add(active("jcB", "10.65.0.2"));
        for (int i = 0; i < 60_000; i++) {
            Cidr address = Cidr.host(Cidr.parse("10.96.0.0/14").addressAt(BigInteger.valueOf(i + 1)));
            endpoints.add(new WorkloadEndpoint("remote", null, "r" + i, "r" + i, "cali" + i, null, List.of(address),
                    List.of(), List.of("web"), null, null, null, null));
        }
        return Snapshot.of("local", FelixConfiguration.DEFAULTS.withDataplaneDriver(driver), endpoints,
                Map.of("web", Profile.securityGroup("web")));
    }

    private static WorkloadEndpoint active(String iface, String address) {
        return new WorkloadEndpoint("local", null, iface, iface, iface, null, List.of(Cidr.parse(address + "/32")),
                List.of(), List.of("web"), null, null, null, null);
    }
}
