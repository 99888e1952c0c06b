package org.jcalico.docker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * The plugin's calls made twice at once for one endpoint, as a retrying or hostile caller on the plugin's socket
 * would (docs/docker.md, "Session 55 (t-hunt)"): one CreateEndpoint goes on and the other is refused, both Joins answer
 * with the one attach, and once DeleteEndpoint and ReleaseAddress have run nothing of the endpoint is left.
 */
@Tag("kernel")
class TwiceAtOnceTest extends PluginKernelTest {
    private static final String DOCKER_ENDPOINT = "e".repeat(64);

    @Override
    String prefix() {
        return "jcsd-dtwice-";
    }

    @Test
    void twoCreateEndpointsAndTwoJoinsOfOneEndpointAtOnceLeaveNothingOnceDeleted() throws Exception {
        String address = ipam.requestAddress(new Protocol.RequestAddress("jcalico-v4", null, Map.of())).address();
        Thread agent = AgentStandIn.start(node.store, PluginFixture.NODE);
        List<String> answers = new ArrayList<>();
        try (ExecutorService callers = Executors.newVirtualThreadPerTaskExecutor()) {
            Callable<String> create = () -> call(() -> network.createEndpoint(new Protocol.CreateEndpoint(PluginFixture.NETWORK_ID,
                    DOCKER_ENDPOINT, new Protocol.EndpointInterface(address.replace("/32", "/24"), null, null), Map.of())));
            Callable<String> join = () -> call(() -> network.join(new Protocol.Join(PluginFixture.NETWORK_ID, DOCKER_ENDPOINT,
                    "/var/run/docker/netns/x")));
            for (Callable<String> step : List.of(create, join)) {
                List<Future<String>> both = List.of(callers.submit(step), callers.submit(step));
                for (Future<String> one : both) {
                    answers.add(one.get());
                }
            }
        } finally {
            agent.interrupt();
        }
        network.deleteEndpoint(new Protocol.EndpointRef(PluginFixture.NETWORK_ID, DOCKER_ENDPOINT));
        ipam.releaseAddress(new Protocol.ReleaseAddress("jcalico-v4", address));
        network.awaitReleases();
        Thread.sleep(3000); // an attach still under way ends (it waits for no agent now) before the look
        network.awaitReleases();
        List<String> left = left(line -> line.contains(": jc") || line.contains(": tmp"));
        assertEquals(List.of("ok", "ok"), answers.subList(2, 4), "both Joins wait for the one attach");
        assertEquals(1, answers.subList(0, 2).stream().filter(answer -> answer.equals("ok")).count(),
                "one CreateEndpoint goes on, the other is refused saying why: " + answers);
        assertTrue(answers.subList(0, 2).stream().anyMatch(answer -> answer.contains("was created already")), answers.toString());
        assertEquals(List.of(), left, "nothing left after calls answered " + answers);
    }
}
