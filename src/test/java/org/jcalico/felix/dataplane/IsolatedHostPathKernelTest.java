package org.jcalico.felix.dataplane;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.jcalico.felix.calc.HostStateCalculator;
import org.jcalico.felix.calc.Snapshot;
import org.jcalico.felix.hoststate.HostState;
import org.jcalico.kernel.CommandRunner;
import org.jcalico.model.Cidr;
import org.jcalico.model.DataplaneDriver;
import org.jcalico.model.FelixConfiguration;
import org.jcalico.model.FelixConfiguration.EndpointToHostAction;
import org.jcalico.model.Profile;
import org.jcalico.model.Rule;
import org.jcalico.model.WorkloadEndpoint;
import org.jcalico.testing.KernelTests;
import org.jcalico.testing.TestNamespaces;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * An isolated endpoint (state not active, Calico's admin-down) exchanges nothing with its own host, on each dataplane
 * driver and with either defaultEndpointToHostAction ("jcrpt-ih-" namespaces; the host has 10.66.0.254 on lo): a UDP
 * flow w1 opened to the host before it was isolated carries nothing after (its packets went to jc-wl-to-host's
 * established accept ahead of w1's chain until session 49), and neither the host's established flow to w1 nor a new one
 * reaches it (the host's own packets, through OUTPUT, met no rule of jcalico's). Both run again once w1 is active, so
 * the drops are the isolation's, not the set-up's.
 */
@Tag("kernel")
class IsolatedHostPathKernelTest {
    private static final String PREFIX = TestNamespaces.named("jcrpt-ih-");
    private static final String HOST_ADDRESS = "10.66.0.254";
    private static final String W1 = "10.65.0.1";
    private static final Profile OPEN = new Profile("open", List.of(), Map.of(), List.of(Rule.allow()), List.of(Rule.allow()));
    private WorkloadHost lab;
    private CommandRunner host;
    private CommandRunner w1;
    private Path scripts;
    private final List<Process> servers = new ArrayList<>();

    /** The host's namespace (an earlier run's left with the prefix go first), with its address, and w1 behind it. */
    @BeforeEach
    void createHost() throws IOException {
        KernelTests.assumeKernel();
        lab = new WorkloadHost(PREFIX);
        host = lab.host();
        lab.hostAddress(HOST_ADDRESS);
        w1 = lab.workload(1);
        scripts = Files.createTempDirectory("jcrpt-ih-");
        Files.writeString(scripts.resolve("server.py"), EstablishedFlowKernelTest.SERVER);
        Files.writeString(scripts.resolve("peer.py"), EstablishedFlowKernelTest.PEER);
        servers.add(server("host", "to-host"));
        servers.add(server("w1", "to-w1"));
    }

    @AfterEach
    void deleteNamespaces() throws IOException {
        WorkloadHost.tearDown(lab, servers, scripts);
    }

    @Test
    void anIsolatedEndpointExchangesNothingWithItsHostOnIptables() throws Exception {
        check(DataplaneDriver.IPTABLES);
    }

    @Test
    void onNftablesToo() throws Exception {
        check(DataplaneDriver.NFTABLES);
    }

    private void check(DataplaneDriver driver) throws Exception {
        Dataplane dataplane = new Dataplane(host);
        assertTrue(dataplane.start().failures().isEmpty());
        for (EndpointToHostAction action : List.of(EndpointToHostAction.ACCEPT, EndpointToHostAction.DROP)) {
            FelixConfiguration config = new FelixConfiguration("global", null, action, null, null)
                    .merge(FelixConfiguration.DEFAULTS).withDataplaneDriver(driver);
            String phase = driver + "-" + action;
            assertEquals(Map.of(), dataplane.apply(state(config, null)).failures());
            boolean toHost = action == EndpointToHostAction.ACCEPT;
            if (toHost) {
                boolean started = false;
                for (int attempt = 0; attempt < 10 && !started; attempt++) {
                    started = echoed(w1, W1, 4000, HOST_ADDRESS, phase + "-first");
                }
                assertTrue(started, "w1's flow to its host starts (once the host's server listens)");
            }
            boolean answered = false;
            for (int attempt = 0; attempt < 10 && !answered; attempt++) {
                answered = echoed(host, HOST_ADDRESS, 7000, W1, phase + "-host-first");
            }
            assertTrue(answered, "the host's flow to w1 starts and gets its answers while w1 is active (" + phase + ")");

            assertEquals(Map.of(), dataplane.apply(state(config, "awaiting-labels")).failures());
            if (toHost) {
                assertFalse(echoed(w1, W1, 4000, HOST_ADDRESS, phase + "-isolated"),
                        "w1 isolated: its flow to its host carries nothing (" + phase + ")");
                assertFalse(received("to-host").contains(phase + "-isolated"),
                        "the host never got w1's datagram on the flow it opened before: " + received("to-host"));
            }
            assertFalse(echoed(host, HOST_ADDRESS, 7000, W1, phase + "-host-established"),
                    "the host's established flow to isolated w1 gets nothing back (" + phase + ")");
            assertFalse(echoed(host, HOST_ADDRESS, 7001, W1, phase + "-host-new"),
                    "nor does a new one (" + phase + ")");
            assertFalse(received("to-w1").stream().anyMatch(line -> line.startsWith(phase + "-host-")
                            && !line.equals(phase + "-host-first")),
                    "nothing the host sent reached isolated w1 (" + phase + "): " + received("to-w1"));

            assertEquals(Map.of(), dataplane.apply(state(config, null)).failures());
            if (toHost) {
                assertTrue(echoed(w1, W1, 4000, HOST_ADDRESS, phase + "-active-again"), "w1's flow to its host runs again");
            }
            assertTrue(echoed(host, HOST_ADDRESS, 7001, W1, phase + "-host-again"), "the host reaches w1 again (" + phase + ")");
        }
    }

    /** w1 (10.65.0.1 on jcw1) with profile "open", in state W1STATE (null: active). */
    private static HostState state(FelixConfiguration config, String w1State) {
        WorkloadEndpoint endpoint = new WorkloadEndpoint("h1", null, "c1", "w1", "jcw1", null,
                List.of(Cidr.parse(W1 + "/32")), List.of(), List.of("open"), w1State, null, Map.of(), null);
        return new HostStateCalculator().calculate(Snapshot.of("h1", config, List.of(endpoint), Map.of("open", OPEN)));
    }

    /** An echo server on port 5000 in the namespace PREFIX+NAME, writing what it gets to the file LOG. */
    private Process server(String name, String log) throws IOException {
        Files.writeString(scripts.resolve(log), "");
        return new ProcessBuilder("ip", "netns", "exec", PREFIX + name, EstablishedFlowKernelTest.PYTHON,
                scripts.resolve("server.py").toString(), scripts.resolve(log).toString())
                .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
    }

    /** Whether TEXT, sent from SOURCE:PORT to TARGET:5000, is echoed within two seconds. */
    private boolean echoed(CommandRunner from, String source, int port, String target, String text) {
        return from.run(EstablishedFlowKernelTest.PYTHON, scripts.resolve("peer.py").toString(), source,
                String.valueOf(port), text, target, "5000").ok();
    }

    private List<String> received(String log) throws IOException {
        return Files.readAllLines(scripts.resolve(log));
    }
}
