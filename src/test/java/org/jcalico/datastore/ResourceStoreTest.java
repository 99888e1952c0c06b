package org.jcalico.datastore;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.file.Path;
import java.util.List;
import java.util.function.Supplier;
import org.jcalico.datastore.embedded.EmbeddedDatastore;
import org.jcalico.model.BgpConfiguration;
import org.jcalico.model.BgpPeer;
import org.jcalico.model.EndpointStatus;
import org.jcalico.model.FelixConfiguration;
import org.jcalico.model.IpAddress;
import org.jcalico.model.IpPool;
import org.jcalico.model.IpamBlock;
import org.jcalico.model.Node;
import org.jcalico.model.Profile;
import org.jcalico.model.Resource;
import org.jcalico.model.ResourceCodec;
import org.jcalico.model.WorkloadEndpoint;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Every way of reading typed resources meets a record of the wrong kind with one error naming its key. */
class ResourceStoreTest {
    private static final List<Class<? extends Resource>> KINDS = List.of(Node.class, IpPool.class, IpamBlock.class,
            Profile.class, WorkloadEndpoint.class, EndpointStatus.class, BgpPeer.class, BgpConfiguration.class,
            FelixConfiguration.class);
    @TempDir
    Path dir;

    @Test
    void aRecordOfAnotherKindIsAnErrorNamingItsKeyOnEveryPath() {
        String node = ResourceCodec.toJson(new Node("n1", IpAddress.parse("10.0.0.1"), null, null));
        String profile = ResourceCodec.toJson(Profile.securityGroup("p1"));
        try (Datastore datastore = EmbeddedDatastore.open(dir.resolve("store.db"))) {
            ResourceStore store = new ResourceStore(datastore);
            for (Class<? extends Resource> kind : KINDS) {
                String key = Keys.prefix(kind) + "h1/x";
                datastore.put(key, kind == Node.class ? profile : node);
                String found = kind == Node.class ? "Profile" : "Node";
                String expected = "datastore record " + key + " holds a " + found + ", not a " + kind.getSimpleName();
                List<Supplier<?>> reads = List.of(() -> store.list(kind), () -> store.list(kind, Keys.prefix(kind) + "h1/"),
                        () -> store.get(kind, "h1", "x"));
                for (Supplier<?> read : reads) {
                    assertEquals(expected, assertThrows(DatastoreException.class, read::get).getMessage(), kind.getSimpleName());
                }
                datastore.put(key, "{\"kind\": \"" + kind.getSimpleName() + "\", \"nosuchfield\": 1}");
                assertEquals(0, assertThrows(DatastoreException.class, () -> store.list(kind)).getMessage()
                        .indexOf("datastore record " + key + " is not a valid " + kind.getSimpleName() + ": "));
                datastore.delete(key, datastore.get(key).orElseThrow().modRevision());
            }
            datastore.put(Keys.keyOf(Profile.class, "p2"), node);
            assertEquals("datastore record /jcalico/v1/profiles/p2 holds a Node, not a Profile",
                    assertThrows(DatastoreException.class, () -> store.get(Profile.class, "p2")).getMessage());
        }
    }
}
