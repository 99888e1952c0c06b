package org.jcalico.felix;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import org.jcalico.datastore.Datastore;
import org.jcalico.datastore.Datastores;
import org.jcalico.datastore.ResourceStore;
import org.jcalico.datastore.Versioned;
import org.jcalico.felix.calc.HostStateCalculator;
import org.jcalico.felix.dataplane.Dataplane;
import org.jcalico.kernel.CommandRunner;
import org.jcalico.kernel.Namespaces;
import org.jcalico.log.Log;
import org.jcalico.model.Cidr;
import org.jcalico.model.EndpointStatus;
import org.jcalico.model.Profile;
import org.jcalico.model.WorkloadEndpoint;
import org.jcalico.testing.Eventually;
import org.jcalico.testing.KernelTests;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The agent's loop against a real kernel (namespace "jctp-loop-host") and a real embedded datastore. */
@Tag("kernel")
class AgentLoopKernelTest {
    private static final String HOST = "jctp-loop-host";
    private static final String NODE = "n1";

    /**
     * An exception from a pass (here the calculation, thrown once when a profile named "boom" appears: a stand-in for
     * any bug in calc, a driver, reporting or BGP) is logged at ERROR with its stack trace and shown in the status;
     * the loop backs off, lists everything again and goes on programming. Old code: the exception ended the loop,
     * the agent's thread died and nothing was programmed any more.
     */
    @Test
    void aPassThatThrowsIsLoggedAndTheLoopCarriesOn(@TempDir Path dir) throws Exception {
        KernelTests.assumeKernel();
        Namespaces.deleteAll(HOST);
        CommandRunner host = Namespaces.create(HOST);
        Thread loop = null;
        Agent agent = null;
        try (Datastore datastore = Datastores.open("embedded:" + dir.resolve("datastore.db"))) {
            for (String name : List.of("jcA", "jcB")) {
                host.run("ip", "link", "add", name, "type", "veth", "peer", "name", "p" + name).check();
            }
            ResourceStore store = new ResourceStore(datastore);
            store.create(Profile.securityGroup("blue"));
            store.create(endpoint("a", "jcA", "10.65.0.1/32"));
            AtomicBoolean thrown = new AtomicBoolean();
            HostStateCalculator real = new HostStateCalculator();
            AgentStatusFile statusFile = new AgentStatusFile(dir.resolve("status.json"), NODE);
            agent = new Agent(datastore, NODE, new Dataplane(host), Log.open(dir.resolve("agent.log"), false, "info"),
                    statusFile, null, new org.jcalico.metrics.AgentMetrics(), snapshot -> {
                        if (snapshot.profiles().containsKey("boom") && thrown.compareAndSet(false, true)) {
                            throw new IllegalStateException("injected fault");
                        }
                        return real.calculate(snapshot);
                    });
            loop = Thread.ofPlatform().start(agent::run);
            assertTrue(Eventually.within(10, () -> programmed(store, "a")), "a is programmed");

            store.create(Profile.securityGroup("boom"));
            assertTrue(Eventually.within(5, thrown::get));
            assertTrue(Eventually.within(5, () -> statusFile.read().state() == AgentStatusFile.State.degraded
                    && statusFile.read().problem().contains("injected fault")), String.valueOf(statusFile.read()));
            store.create(endpoint("b", "jcB", "10.65.0.2/32"));
            assertTrue(Eventually.within(10, () -> programmed(store, "b")),
                    "b is programmed after the failed pass: " + Files.readString(dir.resolve("agent.log")));
            assertTrue(loop.isAlive());
            assertTrue(host.run("iptables-save").check().stdout().contains(":jc-fw-jcB"));
            assertTrue(Eventually.within(5, () -> statusFile.read().state() == AgentStatusFile.State.in_sync),
                    statusFile.read() + "\n" + Files.readString(dir.resolve("agent.log")));

            String log = Files.readString(dir.resolve("agent.log"));
            assertTrue(log.lines().anyMatch(line -> line.contains("ERROR") && line.contains("injected fault")), log);
            assertTrue(log.lines().anyMatch(line -> !line.isEmpty() && Character.isWhitespace(line.charAt(0)) && line.strip().startsWith("at org.jcalico.felix.Agent.run")), "stack trace: " + log);
        } finally {
            if (agent != null) {
                agent.stop();
                loop.join(10_000);
            }
            Namespaces.delete(HOST);
        }
        assertEquals(AgentStatusFile.State.stopped, new AgentStatusFile(dir.resolve("status.json"), NODE).read().state());
    }

    private static WorkloadEndpoint endpoint(String name, String interfaceName, String address) {
        return new WorkloadEndpoint(NODE, "jcalico", "container-" + name, "ep-" + name, interfaceName, null,
                List.of(Cidr.parse(address)), List.of(), List.of("blue"), null, null, null, null);
    }

    private static boolean programmed(ResourceStore store, String name) {
        return store.get(EndpointStatus.class, NODE, "ep-" + name).map(Versioned::resource)
                .filter(status -> status.state() == EndpointStatus.State.programmed).isPresent();
    }
}
