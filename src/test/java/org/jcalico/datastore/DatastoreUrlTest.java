package org.jcalico.datastore;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The one choice of datastore: flag, then $JCALICO_DATASTORE, then the default; etcd flags folded into the URL. */
class DatastoreUrlTest {
    @Test
    void theFlagThenTheEnvironmentThenTheDefault() {
        assertEquals("embedded:/a.db", DatastoreUrl.resolve("embedded:/a.db", "etcd://h:2379").toString());
        assertEquals("etcd://h:2379", DatastoreUrl.resolve(null, "etcd://h:2379").toString());
        assertEquals(DatastoreUrl.DEFAULT, DatastoreUrl.resolve(null, ""));
        assertEquals(DatastoreUrl.DEFAULT, DatastoreUrl.resolve(null, " "));
        // a flag given blank (--datastore "$UNSET") is an error, never the environment's store or the default
        for (String blank : new String[] {"", " "}) {
            assertEquals("no datastore given (expected embedded:PATH, etcd://HOST:PORT or etcds://HOST:PORT)",
                    assertThrows(DatastoreException.class, () -> DatastoreUrl.resolve(blank, "etcd://h:2379")).getMessage());
        }
        assertEquals("embedded:/var/lib/jcalico/datastore.db", DatastoreUrl.DEFAULT.toString());
        assertEquals(Path.of("/a.db"), DatastoreUrl.parse("embedded:/a.db").path());
    }

    @Test
    void etcdFlagsAreFoldedIntoTheQueryWhereItDoesNotSetThem() {
        Map<String, String> flags = new LinkedHashMap<>();
        flags.put("ca", "/ca.pem");
        flags.put("user", "u");
        flags.put("key", null);
        assertEquals("etcds://h:2379?ca=/ca.pem&user=u", DatastoreUrl.parse("etcds://h:2379").withEtcdSettings(flags).toString());
        assertEquals("etcds://h:2379?ca=/mine.pem&user=u",
                DatastoreUrl.parse("etcds://h:2379?ca=/mine.pem").withEtcdSettings(flags).toString());
        assertEquals("embedded:/a.db", DatastoreUrl.parse("embedded:/a.db").withEtcdSettings(Map.of()).toString());
        // a flag's value is the file as given: '+' was read back as a space, '%' as an escape, '&' was refused
        String odd = "/etc/jc/c+a 100%&?.pem";
        DatastoreUrl folded = DatastoreUrl.parse("etcd://h:2379").withEtcdSettings(Map.of("user", odd));
        assertEquals(odd, org.jcalico.datastore.etcd.EtcdEndpoint.parse(folded.toString(), Map.of("JCALICO_ETCD_PASSWORD", "p")).user());
        assertEquals("--etcd-* options are for an etcd datastore, not 'embedded:/a.db'", assertThrows(DatastoreException.class,
                () -> DatastoreUrl.parse("embedded:/a.db").withEtcdSettings(flags)).getMessage());
    }

    @Test
    void anythingElseIsRefusedWithOneMessage() {
        assertEquals("unknown datastore 'mysql://x' (expected embedded:PATH, etcd://HOST:PORT or etcds://HOST:PORT)",
                assertThrows(DatastoreException.class, () -> DatastoreUrl.parse("mysql://x")).getMessage());
        assertEquals("unknown datastore 'embedded:' (expected embedded:PATH, etcd://HOST:PORT or etcds://HOST:PORT)",
                assertThrows(DatastoreException.class, () -> DatastoreUrl.parse("embedded:")).getMessage());
        assertEquals("datastore 'embedded:/a?db' contains a control character",
                assertThrows(DatastoreException.class, () -> DatastoreUrl.parse("embedded:/a\ndb")).getMessage());
        assertThrows(DatastoreException.class, () -> DatastoreUrl.resolve(null, "embedded:/x\n/y"));
    }
}
