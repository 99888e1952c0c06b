package org.jcalico.docker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import org.jcalico.model.WorkloadEndpoint;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * A Join of a container already on another network (which detaches the endpoint made at CreateEndpoint and attaches
 * it again as a member of both) racing the endpoint's DeleteEndpoint, as dockerd sends it when it rolls back a Join
 * its client gave up on (docs/docker.md, "Session 57 (t-join)"): once DeleteEndpoint and ReleaseAddress have run,
 * nothing of the deleted endpoint is left, whatever Join answered, and the container's other endpoint stays.
 */
@Tag("kernel")
class JoinRacingDeleteTest extends PluginKernelTest {
    private static final String SANDBOX = "/var/run/docker/netns/x";
    private static final String ON_BLUE = "e".repeat(64);
    private static final String ON_GREEN = "f".repeat(64);

    @Override
    String prefix() {
        return "jcsd-djoindel-";
    }

    @Test
    void aDeleteEndpointLandingWhileJoinMakesTheEndpointAgainLeavesNothingOfIt() throws Exception {
        Thread agent = AgentStandIn.start(node.store, PluginFixture.NODE);
        String green = network.endpointId(ON_GREEN);
        String answer;
        String blueAddress;
        String greenAddress;
        try {
            blueAddress = joined(PluginFixture.NETWORK_ID, ON_BLUE);
            greenAddress = created(FakeDockerd.GREEN_ID, ON_GREEN);
            long deadline = System.currentTimeMillis() + 10_000;
            while (node.store.get(WorkloadEndpoint.class, PluginFixture.NODE, green).isEmpty()) {
                assertTrue(System.currentTimeMillis() < deadline, "the attach begun at CreateEndpoint never recorded the endpoint");
                Thread.sleep(1);
            }
            CompletableFuture<String> join = CompletableFuture.supplyAsync(() -> call(() -> network.join(
                    new Protocol.Join(FakeDockerd.GREEN_ID, ON_GREEN, SANDBOX))), Thread::startVirtualThread);
            // Join's detach of the endpoint made at CreateEndpoint: DeleteEndpoint lands before the attach again ends
            while (node.store.get(WorkloadEndpoint.class, PluginFixture.NODE, green).isPresent() && !join.isDone()) {
                Thread.onSpinWait();
            }
            network.deleteEndpoint(new Protocol.EndpointRef(FakeDockerd.GREEN_ID, ON_GREEN));
            network.awaitReleases();
            answer = join.get();
            network.awaitReleases();
            // ReleaseAddress detaches an endpoint still holding the address, but until it comes (and if dockerd dies
            // first) an endpoint docker deleted would be programmed, its veth up and its address claimed
            assertEquals(Optional.empty(), node.store.get(WorkloadEndpoint.class, PluginFixture.NODE, green).map(Object::toString),
                    "the endpoint's record once its DeleteEndpoint's work is done and Join answered '" + answer + "'");
            // dockerd's ReleaseAddress follows DeleteEndpoint's answer after its own work: here after Join's end
            ipam.releaseAddress(new Protocol.ReleaseAddress("jcalico-v4", greenAddress));
        } finally {
            agent.interrupt();
        }
        network.awaitReleases();
        Thread.sleep(1000); // a veth's removal on a thread of its own ends before the look
        List<String> left = left(line -> line.contains(green.substring(0, 10)));
        assertEquals(List.of("endpoint " + network.endpointId(ON_BLUE), "address " + blueAddress.replace("/32", "")),
                left.stream().map(line -> line.replace("/32", "")).toList(),
                "only the container's endpoint on blue is left after Join answered '" + answer + "' and DeleteEndpoint ran");
    }

    /** CreateEndpoint of a new address on the network; returns the address. */
    private String created(String networkId, String dockerEndpoint) {
        String address = ipam.requestAddress(new Protocol.RequestAddress("jcalico-v4", null, Map.of())).address();
        network.createEndpoint(new Protocol.CreateEndpoint(networkId, dockerEndpoint,
                new Protocol.EndpointInterface(address.replace("/32", "/24"), null, null), Map.of()));
        return address;
    }

    private String joined(String networkId, String dockerEndpoint) {
        String address = created(networkId, dockerEndpoint);
        network.join(new Protocol.Join(networkId, dockerEndpoint, SANDBOX));
        return address;
    }
}
