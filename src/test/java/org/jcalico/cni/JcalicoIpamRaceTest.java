package org.jcalico.cni;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.jcalico.datastore.Datastore;
import org.jcalico.datastore.Keys;
import org.jcalico.datastore.ResourceStore;
import org.jcalico.ipam.Ipam;
import org.jcalico.ipam.Pools;
import org.jcalico.model.Cidr;
import org.jcalico.model.IpAddress;
import org.jcalico.model.IpPool;
import org.jcalico.model.IpamBlock;
import org.jcalico.testing.Backends;
import org.jcalico.testing.CommitGate;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * jcalico-ipam's ADD refuses an attachment whose handle holds addresses already, then allocates: two ADDs of one
 * attachment at the same moment (a runtime retrying one that timed out) could both pass the check, and both succeed
 * with a different address each, the handle holding both. Played deterministically ({@link CommitGate}): the second
 * ADD runs whole just before the first one's allocation. On the embedded store and a real etcd.
 */
class JcalicoIpamRaceTest {
    private static final String HANDLE = "cni:n1:net1:c1:eth0";

    @TempDir
    Path dir;

    @ParameterizedTest
    @ValueSource(strings = {"embedded", "etcd"})
    void ofTwoAddsOfOneAttachmentAtOnceOneSucceedsAndItsAddressIsTheHandlesOnly(String backend) throws Exception {
        Backends.on(backend, dir, this::race);
    }

    private void race(Datastore store) {
        new Pools(new ResourceStore(store)).add(new IpPool(Cidr.parse("10.70.0.0/16"), false, null, false));
        org.jcalico.testing.RegisteredNodes.register(new ResourceStore(store), "n1");
        List<String> outcomes = new ArrayList<>();
        outcomes.add(add(new CommitGate(store, CommitGate.writing(Keys.prefix(IpamBlock.class)), () -> outcomes.add(add(store)))));
        List<String> succeeded = outcomes.stream().filter(outcome -> outcome.startsWith("10.")).toList();
        assertEquals(1, succeeded.size(), "one ADD succeeds: " + outcomes);
        assertEquals(Set.of(IpAddress.parse(succeeded.getFirst())), new Ipam(new ResourceStore(store)).addressesOf(HANDLE),
                "the handle holds the address that ADD answered, and only that");
    }

    /** ADD of container c1's eth0 on network net1: the address answered, or the error. */
    private static String add(Datastore store) {
        String config = "{\"cniVersion\":\"1.0.0\",\"name\":\"net1\",\"type\":\"jcalico-ipam\"}";
        CniRequest request = CniRequest.parse(Map.of("CNI_COMMAND", "ADD", "CNI_CONTAINERID", "c1", "CNI_NETNS",
                "/run/netns/x", "CNI_IFNAME", "eth0", "CNI_PATH", "/nonexistent"), config.getBytes(StandardCharsets.UTF_8));
        try {
            return new JcalicoIpam(new ResourceStore(store), "n1").add(request).path("ips").path(0).path("address").asText()
                    .replace("/32", "");
        } catch (CniError e) {
            return "error: " + e.getMessage();
        }
    }
}
