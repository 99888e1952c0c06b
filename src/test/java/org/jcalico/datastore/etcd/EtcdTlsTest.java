package org.jcalico.datastore.etcd;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import org.jcalico.datastore.Datastore;
import org.jcalico.datastore.DatastoreContract;
import org.jcalico.datastore.DatastoreException;
import org.jcalico.datastore.Datastores;
import org.jcalico.testing.EtcdFixture;
import org.jcalico.testing.TestCertificates;
import org.jcalico.util.Directories;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The datastore contract over TLS with client certificates (etcd started with --client-cert-auth), and the ways a
 * connection is refused: each with one clear message, and nothing written.
 */
class EtcdTlsTest extends DatastoreContract {
    private static Path dir;
    private static TestCertificates certificates;
    private static EtcdFixture etcd;

    @BeforeAll
    static void startEtcd() throws Exception {
        assumeTrue(EtcdFixture.installed(), "etcd-server is not installed");
        assumeTrue(TestCertificates.installed(), "openssl is not installed");
        dir = Files.createTempDirectory("jct-tls");
        certificates = TestCertificates.create(dir);
        etcd = EtcdFixture.startTls(certificates);
    }

    @AfterAll
    static void stopEtcd() throws Exception {
        if (etcd != null) {
            etcd.close();
        }
        Directories.delete(dir);
    }

    @Override
    protected Datastore openEmpty() {
        Datastore store = Datastores.open(etcd.url());
        for (var item : store.list("").items()) {
            store.delete(item.key(), item.modRevision());
        }
        return store;
    }

    @Override
    protected void compact(Datastore store, long revision) {
        ((EtcdDatastore) store).compact(revision);
    }

    private static String refusal(String url) {
        return assertThrows(DatastoreException.class, () -> Datastores.open(url).close()).getMessage();
    }

    @Test
    void aMissingOrForeignClientCertificateOrAnUntrustedServerIsRefusedClearly() {
        String bare = etcd.bareUrl();
        String noCertificate = refusal(bare + "?ca=" + certificates.ca());
        // with TLS 1.3 etcd may say so in the handshake or hang up right after it; either way the same advice
        assertTrue(noCertificate.startsWith("TLS with etcd at https://127.0.0.1:") && noCertificate.contains(
                "did not accept our client certificate, or we sent none"), noCertificate);
        String foreign = refusal(bare + "?ca=" + certificates.ca() + "&cert=" + certificates.strangerCert()
                + "&key=" + certificates.strangerKey());
        assertTrue(foreign.contains("did not accept our client certificate"), foreign);
        String untrusted = refusal(bare + "?cert=" + certificates.clientCert() + "&key=" + certificates.clientKey());
        assertTrue(untrusted.contains("its certificate is not signed by a CA we trust (give etcd's CA with --etcd-ca)"), untrusted);
        String otherName = refusal(etcd.url().replace("127.0.0.1", "localhost"));
        assertTrue(otherName.contains("its certificate is not for this address"), "host names are checked: " + otherName);
        String plain = refusal(bare.replace("etcds://", "etcd://"));
        assertTrue(plain.startsWith("etcd not reachable at") || plain.contains("refused"), plain);

        try (Datastore store = Datastores.open(etcd.url())) {
            assertEquals(Optional.empty(), store.get("/jcalico/nothing-was-written"));
            assertTrue(store.list("").items().isEmpty() || store.list("").items().stream()
                    .noneMatch(item -> item.key().contains("nothing")));
        }
    }

    @Test
    void incompleteSettingsAreRefusedBeforeAnyConnection() {
        String bare = etcd.bareUrl();
        assertEquals("datastore '" + bare + "?cert=" + certificates.clientCert() + "': a client certificate needs its key"
                + " and a key its certificate (--etcd-cert with --etcd-key)", refusal(bare + "?cert=" + certificates.clientCert()));
        String plainWithCa = bare.replace("etcds://", "etcd://") + "?ca=" + certificates.ca();
        assertEquals("datastore '" + plainWithCa + "': a CA, client certificate or key needs TLS: use etcds://", refusal(plainWithCa));
        assertEquals("datastore '" + bare + "?ca=/nonexistent.pem': cannot read the ca file /nonexistent.pem",
                refusal(bare + "?ca=/nonexistent.pem"));
        assertTrue(refusal(bare + "?colour=blue").contains("unknown setting 'colour=blue'"));
    }

    @Test
    void theCommandLineTakesTheFlagsAndSaysInOneLineWhatWasRefused() {
        java.io.StringWriter out = new java.io.StringWriter();
        java.io.StringWriter err = new java.io.StringWriter();
        int ok = org.jcalico.cli.Main.run(new java.io.PrintWriter(out), new java.io.PrintWriter(err), "--datastore", etcd.bareUrl(),
                "--etcd-ca", certificates.ca().toString(), "--etcd-cert", certificates.clientCert().toString(),
                "--etcd-key", certificates.clientKey().toString(), "pool", "add", "10.77.0.0/16");
        assertEquals(0, ok, err.toString());
        assertEquals("added pool 10.77.0.0/16 (blocks /26)\n", out.toString());

        java.io.StringWriter refusedErr = new java.io.StringWriter();
        int refused = org.jcalico.cli.Main.run(new java.io.PrintWriter(new java.io.StringWriter()), new java.io.PrintWriter(refusedErr),
                "--datastore", etcd.bareUrl(), "--etcd-ca", certificates.ca().toString(), "pool", "list");
        assertEquals(1, refused);
        assertEquals(1, refusedErr.toString().lines().count(), refusedErr.toString());
        assertTrue(refusedErr.toString().startsWith("error: TLS with etcd at https://127.0.0.1:"), refusedErr.toString());
    }
}
