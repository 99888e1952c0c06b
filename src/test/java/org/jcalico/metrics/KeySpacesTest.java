package org.jcalico.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.HashSet;
import java.util.List;
import org.jcalico.datastore.Keys;
import org.jcalico.model.EndpointStatus;
import org.jcalico.model.GlobalNetworkPolicy;
import org.jcalico.model.KubernetesNetworkPolicy;
import org.jcalico.model.NetworkPolicy;
import org.jcalico.model.WorkloadEndpoint;
import org.junit.jupiter.api.Test;

class KeySpacesTest {
    private final KeySpaces spaces = new KeySpaces();

    private String kindOf(String key) {
        return spaces.names().get(spaces.indexOf(key));
    }

    @Test
    void tellsEachKeySpaceByItsKind() {
        assertEquals("WorkloadEndpoint", kindOf(Keys.nodeKey(WorkloadEndpoint.class, "h1", "eth0-abc")));
        assertEquals("EndpointStatus", kindOf(Keys.nodeKey(EndpointStatus.class, "h1", "eth0-abc")));
        assertEquals("GlobalNetworkPolicy", kindOf(Keys.keyOf(GlobalNetworkPolicy.class, "deny")));
        assertEquals("NetworkPolicy", kindOf(Keys.keyOf(NetworkPolicy.class, "team/deny")));
        assertEquals("KubernetesNetworkPolicy", kindOf(Keys.keyOf(KubernetesNetworkPolicy.class, "team/deny")));
        assertEquals("Intent", kindOf(Keys.intent("h1", "eth0-abc")));
        assertEquals(KeySpaces.OTHER, kindOf("/jcalico/v1/somethingnew/x"));
        assertEquals(KeySpaces.OTHER, kindOf("/elsewhere"));
    }

    @Test
    void namesAreFewAndDistinct() {
        List<String> names = spaces.names();
        assertEquals(names.size(), new HashSet<>(names).size());
        assertEquals(KeySpaces.OTHER, names.get(names.size() - 1));
    }
}
