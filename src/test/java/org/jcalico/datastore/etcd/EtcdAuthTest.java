package org.jcalico.datastore.etcd;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.util.Base64;
import java.util.List;
import org.jcalico.datastore.Datastore;
import org.jcalico.datastore.DatastoreContract.Recorder;
import org.jcalico.datastore.DatastoreException;
import org.jcalico.datastore.Datastores;
import org.jcalico.testing.EtcdFixture;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** etcd with authentication on: a user and password work (also once the token expired), wrong ones are refused. */
class EtcdAuthTest {
    private static EtcdFixture etcd;
    @TempDir
    Path dir;

    @BeforeAll
    static void startEtcdWithAuth() throws Exception {
        assumeTrue(EtcdFixture.installed(), "etcd-server is not installed");
        // tokens that expire after a second, so that the test sees one renewed
        etcd = EtcdFixture.start(List.of("--auth-token", "simple", "--auth-token-ttl", "1"));
        etcd.enableAuth("s3cret");
    }

    @AfterAll
    static void stopEtcd() {
        if (etcd != null) {
            etcd.close();
        }
    }

    private String url(String password) throws Exception {
        Path file = Files.writeString(dir.resolve("password-" + password.hashCode()), password + "\n");
        return etcd.url() + "?user=root&password-file=" + file;
    }

    @Test
    void theRightPasswordWorksForCallsAndWatchesAndOutlivesItsToken() throws Exception {
        try (Datastore store = Datastores.open(url("s3cret"))) {
            Recorder recorder = new Recorder();
            try (var watch = store.watch("/auth-test/", store.list("/auth-test/").revision(), recorder)) {
                store.create("/auth-test/a", "1");
                assertEquals("/auth-test/a", recorder.await(1).get(0).key());
            }
            Thread.sleep(2500);
            store.create("/auth-test/b", "2");
            assertEquals("2", store.get("/auth-test/b").orElseThrow().value());
        }
    }

    @Test
    void theAgentsListingOverGrpcCarriesTheTokenAndRenewsItOnceExpired() throws Exception {
        try (Datastore store = Datastores.open(url("s3cret"))) {
            store.create("/grpc-auth/a", "1");
            store.create("/grpc-auth/b", "2");
            Thread.sleep(2500);
            List<List<String>> parts = List.of(new java.util.ArrayList<>(), new java.util.ArrayList<>());
            long revision = store.list("/grpc-auth/", new org.jcalico.datastore.ListingParts.Splitter("/grpc-auth/", keys -> List.of("/grpc-auth/b")), parts.stream()
                    .<java.util.function.Consumer<List<org.jcalico.datastore.KeyValue>>>map(part -> page -> page.forEach(kv -> part.add(kv.value())))
                    .toList());
            assertEquals(List.of(List.of("1"), List.of("2")), parts);
            assertEquals(store.list("/grpc-auth/").revision(), revision);
        }
    }

    @Test
    void aWatchWhoseTokenEtcdForgotCarriesOnWithANewOneAndMissesNothing() throws Exception {
        try (Datastore store = Datastores.open(url("s3cret"))) {
            Recorder recorder = new Recorder();
            try (var watch = store.watch("/restart-test/", store.list("/restart-test/").revision(), recorder)) {
                store.create("/restart-test/before", "1");
                assertEquals("/restart-test/before", recorder.await(1).get(0).key());
                etcd.restart();
                store.create("/restart-test/after", "2");
                assertEquals("/restart-test/after", recorder.await(1).get(0).key(), "nothing missed");
                assertEquals(List.of(), List.copyOf(recorder.resyncs), "no resync");
            }
        }
    }

    /**
     * A password rotated in etcd and in the password file: the store opened with the old one (the agent's own, and the
     * one it keeps for its served commands) reads the file again when etcd refuses the password, and goes on, its
     * watch too; with the file not yet rotated, one clear error, and on once the file is. Until session 36 the store kept
     * the password read at its open, and every call failed until the process restarted.
     */
    @Test
    void aPasswordRotatedInEtcdAndInItsFileIsReadAgain() throws Exception {
        etcd.postAs("root", "s3cret", "v3/auth/user/add", "{\"name\":\"rotating\",\"password\":\"first\"}");
        etcd.postAs("root", "s3cret", "v3/auth/user/grant", "{\"user\":\"rotating\",\"role\":\"root\"}");
        Path file = Files.writeString(dir.resolve("rotating-password"), "first\n");
        try (Datastore store = Datastores.open(etcd.url() + "?user=rotating&password-file=" + file)) {
            Recorder recorder = new Recorder();
            try (var watch = store.watch("/rotation/", store.list("/rotation/").revision(), recorder)) {
                store.create("/rotation/a", "1");
                assertEquals("/rotation/a", recorder.await(1).get(0).key());

                etcd.postAs("root", "s3cret", "v3/auth/user/changepw", "{\"name\":\"rotating\",\"password\":\"second\"}");
                Files.writeString(file, "second\n");
                store.create("/rotation/b", "2");
                assertEquals("2", store.get("/rotation/b").orElseThrow().value(), "on with the password in the file now");
                assertEquals("/rotation/b", recorder.await(1).get(0).key(), "the watch too");

                etcd.postAs("root", "s3cret", "v3/auth/user/changepw", "{\"name\":\"rotating\",\"password\":\"third\"}");
                String refused = assertThrows(DatastoreException.class, () -> store.create("/rotation/c", "3")).getMessage();
                assertTrue(refused.startsWith("etcd: authentication as 'rotating' failed") && refused.contains("authentication failed")
                        && refused.contains(file.toString()), refused);
                Files.writeString(file, "third\n");
                store.create("/rotation/c", "3");
                assertEquals("3", store.get("/rotation/c").orElseThrow().value(), "on once the file has it");
            }
        }
    }

    /**
     * etcd with JWT tokens, which carry the auth store's revision: any change to its users or roles (a user added for a
     * new node, say) makes every token given before it "old" for good, and etcd refuses each call made with one ("revision
     * of auth store is old"; with simple tokens only a call racing the change). The store takes a new token and goes
     * on, its calls through the gateway and its listing over gRPC alike. Until session 37 every call failed until the
     * process restarted: an agent stopped programming when an operator added a user.
     */
    @Test
    void aTokenOutdatedByAChangeToEtcdsUsersIsRenewed() throws Exception {
        KeyPairGenerator generator = KeyPairGenerator.getInstance("RSA");
        generator.initialize(2048);
        KeyPair keys = generator.generateKeyPair();
        Path privateKey = Files.writeString(dir.resolve("jwt.key"), pem("PRIVATE KEY", keys.getPrivate().getEncoded()));
        Path publicKey = Files.writeString(dir.resolve("jwt.pub"), pem("PUBLIC KEY", keys.getPublic().getEncoded()));
        try (EtcdFixture jwt = EtcdFixture.start(List.of("--auth-token",
                "jwt,pub-key=" + publicKey + ",priv-key=" + privateKey + ",sign-method=RS256,ttl=10m"))) {
            jwt.enableAuth("s3cret");
            Path file = Files.writeString(dir.resolve("jwt-password"), "s3cret\n");
            try (Datastore store = Datastores.open(jwt.url() + "?user=root&password-file=" + file)) {
                store.create("/jwt/a", "1");
                jwt.postAs("root", "s3cret", "v3/auth/user/add", "{\"name\":\"node2\",\"password\":\"x\"}");
                store.create("/jwt/b", "2");
                assertEquals("2", store.get("/jwt/b").orElseThrow().value());
                jwt.postAs("root", "s3cret", "v3/auth/user/add", "{\"name\":\"node3\",\"password\":\"x\"}");
                List<String> listed = new java.util.ArrayList<>();
                store.list("/jwt/", new org.jcalico.datastore.ListingParts.Splitter("/jwt/", nodes -> List.of()), List.of(page -> page.forEach(kv -> listed.add(kv.value()))));
                assertEquals(List.of("1", "2"), listed, "the listing over gRPC");
            }
        }
    }

    private static String pem(String type, byte[] der) {
        return "-----BEGIN " + type + "-----\n" + Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII)).encodeToString(der)
                + "\n-----END " + type + "-----\n";
    }

    @Test
    void aWrongOrMissingPasswordIsRefusedClearly() throws Exception {
        String wrong = assertThrows(DatastoreException.class, () -> Datastores.open(url("guess")).close()).getMessage();
        assertTrue(wrong.startsWith("etcd: authentication as 'root' failed:") && wrong.contains("authentication failed"), wrong);
        String none = assertThrows(DatastoreException.class, () -> Datastores.open(etcd.url()).close()).getMessage();
        assertTrue(none.contains("(etcd wants a user: --etcd-user)"), none);
        String userOnly = assertThrows(DatastoreException.class, () -> Datastores.open(etcd.url() + "?user=root").close()).getMessage();
        assertTrue(userOnly.endsWith("user 'root' but no password ($JCALICO_ETCD_PASSWORD or --etcd-password-file)"), userOnly);
    }
}
