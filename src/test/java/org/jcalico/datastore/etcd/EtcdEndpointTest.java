package org.jcalico.datastore.etcd;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;
import org.jcalico.datastore.DatastoreException;
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

    /**
     * A URL with a typo is the user's error, said in one line naming it, when it is read: no port past 65,535 (or 0),
     * host name with an empty label, or broken %-escape in a setting reaches the HTTP client, which threw
     * IllegalArgumentException at the first request, printed as an internal error with its stack trace (status 70).
     * An empty member (a stray comma) or setting, or a setting given twice, is refused too, rather than dropped or
     * overridden by the last one.
     */
    @Test
    void aMalformedHostPortOrEscapeIsTheUsersError() {
        for (String url : new String[] {"etcd://127.0.0.1:99999", "etcd://127.0.0.1:0", "etcd://[::1]:70000", "etcds://a..b:2379",
                "etcd://-a:2379"}) {
            DatastoreException e = assertThrows(DatastoreException.class, () -> EtcdEndpoint.parse(url, Map.of()), url);
            assertEquals("datastore '" + url + "': '" + url.substring(url.indexOf("//") + 2) + "' is not HOST:PORT (a port 1-65535)",
                    e.getMessage());
        }
        for (String url : new String[] {"etcd://127.0.0.1:2379,", "etcd://127.0.0.1:2379,,127.0.0.2:2379", "etcd://,127.0.0.1:2379"}) {
            DatastoreException e = assertThrows(DatastoreException.class, () -> EtcdEndpoint.parse(url, Map.of()), url);
            assertEquals("datastore '" + url + "': '' is not HOST:PORT (a port 1-65535)", e.getMessage());
        }
        assertEquals("datastore 'etcd://127.0.0.1:2379?user=a&': unknown setting '' (known: ca, cert, key, user, password-file)",
                assertThrows(DatastoreException.class, () -> EtcdEndpoint.parse("etcd://127.0.0.1:2379?user=a&", Map.of())).getMessage());
        assertEquals("datastore 'etcd://127.0.0.1:2379?user=a&user=b': setting 'user' given twice",
                assertThrows(DatastoreException.class, () -> EtcdEndpoint.parse("etcd://127.0.0.1:2379?user=a&user=b", Map.of())).getMessage());
        // refused where the URL is given, before any command writes it anywhere (cni install's conflist, an agent's options)
        assertEquals("datastore 'etcd://127.0.0.1:2379,': '' is not HOST:PORT (a port 1-65535)",
                assertThrows(DatastoreException.class, () -> org.jcalico.datastore.DatastoreUrl.parse("etcd://127.0.0.1:2379,")).getMessage());
        DatastoreException escape = assertThrows(DatastoreException.class,
                () -> EtcdEndpoint.parse("etcd://127.0.0.1:2379?user=%zz", Map.of()));
        assertEquals("datastore 'etcd://127.0.0.1:2379?user=%zz': setting 'user=%zz' has a malformed %-escape", escape.getMessage());
    }
}
