package org.jcalico.docker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import org.jcalico.datastore.Keys;
import org.jcalico.datastore.ResourceStore;
import org.jcalico.model.Profile;
import org.jcalico.model.WorkloadEndpoint;
import org.jcalico.resources.ProfileService;
import org.jcalico.testing.CommitGate;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * `jcalico profile remove NET` (a docker network's profile, which `docker network rm` leaves) racing a container's
 * CreateEndpoint and Join into the network, each played at its one dangerous step ({@link CommitGate}): nothing is
 * half made either way (docs/docker.md, "Session 57 (t-join)"). The remove runs whole just before the attach begun at
 * CreateEndpoint writes its endpoint: Join fails saying why, and after DeleteEndpoint and ReleaseAddress nothing is
 * left. The CreateEndpoint and Join run whole between the remove's check and its write: the remove is refused, and the
 * endpoint stays with its profile.
 */
@Tag("kernel")
class ProfileRemovedWhileCreatedTest extends PluginKernelTest {
    private static final String ENDPOINT = "e".repeat(64);
    private static final String SANDBOX = "/var/run/docker/netns/x";

    @Override
    String prefix() {
        return "jcsd-dprofrm-";
    }

    @Test
    void theProfileRemovedJustBeforeTheEndpointIsWrittenFailsTheJoinAndLeavesNothing() throws Exception {
        node.store.create(Profile.securityGroup("blue"));
        String[] removed = new String[1];
        NetworkDriver gated = node.networkDriver(new ResourceStore(new CommitGate(node.store.datastore(),
                CommitGate.writing(Keys.prefix(WorkloadEndpoint.class)),
                () -> removed[0] = call(() -> new ProfileService(node.store).remove("blue")))));
        IpamDriver addresses = new IpamDriver(node.store, PluginFixture.NODE, gated);
        Thread agent = AgentStandIn.start(node.store, PluginFixture.NODE);
        String joined;
        String address = addresses.requestAddress(new Protocol.RequestAddress("jcalico-v4", null, Map.of())).address();
        try {
            gated.createEndpoint(new Protocol.CreateEndpoint(PluginFixture.NETWORK_ID, ENDPOINT,
                    new Protocol.EndpointInterface(address.replace("/32", "/24"), null, null), Map.of()));
            joined = call(() -> gated.join(new Protocol.Join(PluginFixture.NETWORK_ID, ENDPOINT, SANDBOX)));
        } finally {
            agent.interrupt();
        }
        gated.deleteEndpoint(new Protocol.EndpointRef(PluginFixture.NETWORK_ID, ENDPOINT));
        addresses.releaseAddress(new Protocol.ReleaseAddress("jcalico-v4", address));
        gated.awaitReleases();
        assertEquals("ok", removed[0], "nothing used the profile when it was removed");
        assertTrue(joined.contains("profile 'blue' was removed"), "Join fails saying why: " + joined);
        assertEquals(List.of(), left(line -> line.contains(": jc") || line.contains(": tmp")), "nothing left; Join answered " + joined);
        assertTrue(node.store.get(Profile.class, "blue").isEmpty(), "the profile stays removed");
    }

    @Test
    void anEndpointMadeWhileTheProfileRemoveChecksRefusesTheRemove() throws Exception {
        node.store.create(Profile.securityGroup("blue"));
        String[] joined = new String[1];
        Thread agent = AgentStandIn.start(node.store, PluginFixture.NODE);
        String removed;
        try {
            removed = call(() -> new ProfileService(new ResourceStore(new CommitGate(node.store.datastore(),
                    CommitGate.writing(Keys.keyOf(Profile.class, "blue")), () -> joined[0] = call(() -> {
                        String address = ipam.requestAddress(new Protocol.RequestAddress("jcalico-v4", null, Map.of())).address();
                        network.createEndpoint(new Protocol.CreateEndpoint(PluginFixture.NETWORK_ID, ENDPOINT,
                                new Protocol.EndpointInterface(address.replace("/32", "/24"), null, null), Map.of()));
                        network.join(new Protocol.Join(PluginFixture.NETWORK_ID, ENDPOINT, SANDBOX));
                    })))).remove("blue"));
        } finally {
            agent.interrupt();
        }
        assertEquals("ok", joined[0], "the container joins");
        assertTrue(removed.contains("profile 'blue' is used by 1 endpoint(s)"), "the remove is refused: " + removed);
        assertTrue(node.store.get(WorkloadEndpoint.class, PluginFixture.NODE, network.endpointId(ENDPOINT)).isPresent(), "the endpoint stays");
        assertTrue(node.store.get(Profile.class, "blue").isPresent(), "its profile stays");
    }
}
