package org.jcalico.datastore.etcd;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;
import org.junit.jupiter.api.Test;

class EtcdEndpointTest {
    /** An endpoint named in an error or a log line says where and as whom, never the password. */
    @Test
    void itsTextNeverHoldsThePassword() {
        EtcdEndpoint endpoint = EtcdEndpoint.parse("etcd://127.0.0.1:2379",
                Map.of("JCALICO_ETCD_USER", "agent", "JCALICO_ETCD_PASSWORD", "s3cret-Rotated"));
        String text = endpoint.toString();
        assertFalse(text.contains("s3cret-Rotated"), text);
        assertTrue(text.contains("127.0.0.1:2379") && text.contains("agent"), text);
    }
}
