package org.jcalico.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.util.List;
import org.jcalico.datastore.embedded.EmbeddedDatastore;
import org.jcalico.model.IpAddress;
import org.jcalico.model.Node;
import org.jcalico.model.ResourceCodec;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What commands do with the file an embedded:PATH names: a read never creates or alters one. */
class DatastoreFileTest {
    private static final List<List<String>> READS = List.of(
            List.of("pool", "list"), List.of("profile", "list"), List.of("profile", "show", "web"),
            List.of("get", "profiles"), List.of("get", "pool", "10.65.0.0/16"), List.of("ipam", "show"),
            List.of("node", "list"), List.of("container", "list"), List.of("bgp", "peer", "list"),
            List.of("bgp", "default-as"));
    @TempDir
    Path dir;

    private record Outcome(int status, String out, String err) {
    }

    private Outcome run(Path store, List<String> args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        String[] full = new String[args.size() + 2];
        full[0] = "--datastore";
        full[1] = "embedded:" + store;
        for (int i = 0; i < args.size(); i++) {
            full[i + 2] = args.get(i);
        }
        int status = Main.run(new PrintWriter(out, true), new PrintWriter(err, true), full);
        return new Outcome(status, out.toString(), err.toString());
    }

    @Test
    void aReadOfAMistypedPathIsOneErrorAndCreatesNothing() {
        Path typo = dir.resolve("sub/datastroe.db");
        for (List<String> read : READS) {
            assertEquals(new Outcome(1, "", "error: there is no datastore at " + typo + "; check --datastore or $JCALICO_DATASTORE\n"),
                    run(typo, read), String.join(" ", read));
        }
        assertFalse(Files.exists(typo.getParent()), "no file, no directory");
        assertEquals(0, run(typo, List.of("pool", "add", "10.65.0.0/16")).status(), "a write creates the store");
        assertEquals(0, run(typo, List.of("pool", "list")).status());
    }

    @Test
    void aReadOfAnotherProgramsDatabaseIsOneErrorAndLeavesItUnchanged() throws Exception {
        Path foreign = dir.resolve("other.db");
        try (Connection connection = DriverManager.getConnection("jdbc:sqlite:" + foreign);
             Statement statement = connection.createStatement()) {
            statement.execute("CREATE TABLE accounts (name TEXT, balance INTEGER)");
            statement.execute("INSERT INTO accounts VALUES ('alice', 10)");
        }
        byte[] before = Files.readAllBytes(foreign);
        String error = "error: embedded:" + foreign + " is not a jcalico datastore (a SQLite database with other tables);"
                + " check --datastore or $JCALICO_DATASTORE\n";
        for (List<String> read : READS) {
            assertEquals(new Outcome(1, "", error), run(foreign, read), String.join(" ", read));
        }
        assertEquals(new Outcome(1, "", error), run(foreign, List.of("pool", "add", "10.65.0.0/16")), "nor a write");
        assertArrayEquals(before, Files.readAllBytes(foreign), "the file is unchanged");
        assertEquals(List.of(foreign.getFileName()), Files.list(dir).map(Path::getFileName).toList(), "no -wal, no -shm");

        Path text = dir.resolve("notes.txt");
        Files.writeString(text, "not a database at all, but long enough to be taken for a SQLite header by nobody\n".repeat(10));
        assertEquals(new Outcome(1, "", "error: embedded:" + text + " is not a jcalico datastore (not a SQLite database);"
                + " check --datastore or $JCALICO_DATASTORE\n"), run(text, List.of("profile", "list")));
    }

    @Test
    void aReadLeavesAnExistingStoreAsItWas() throws Exception {
        Path store = dir.resolve("store.db");
        assertEquals(0, run(store, List.of("profile", "add", "web")).status());
        byte[] before = Files.readAllBytes(store);
        for (List<String> read : READS) {
            assertTrue(run(store, read).status() <= 1, String.join(" ", read));
        }
        assertArrayEquals(before, Files.readAllBytes(store));
    }

    @Test
    void aRecordOfTheWrongKindIsNamedWhereverItIsRead() {
        Path store = dir.resolve("store.db");
        assertEquals(0, run(store, List.of("profile", "add", "web")).status());
        try (EmbeddedDatastore datastore = EmbeddedDatastore.open(store)) {
            datastore.put("/jcalico/v1/profiles/intruder",
                    ResourceCodec.toJson(new Node("intruder", IpAddress.parse("10.0.0.1"), null, null)));
            datastore.put("/jcalico/v1/ippools/10.9.0.0-16", "{\"kind\":\"IPPool\",");
        }
        // a list shows it as a row beside the others (session 48, u-bad), so that it can be seen and deleted
        Outcome list = run(store, List.of("profile", "list"));
        assertEquals(0, list.status(), list.toString());
        assertTrue(list.out().contains("web ") && list.out().contains("intruder  unreadable: the record holds a Node, not a Profile"),
                list.out());
        Outcome yaml = run(store, List.of("get", "profiles", "-o", "yaml"));
        assertEquals(0, yaml.status(), yaml.toString());
        assertTrue(yaml.out().contains("/jcalico/v1/profiles/intruder") && yaml.out().contains("holds a Node, not a Profile"),
                yaml.out());
        // `profile show` of it shows what `get profile` does, status 1 (session 50, t-rest), where it failed with the line
        Outcome show = run(store, List.of("profile", "show", "intruder"));
        assertEquals(new Outcome(1, run(store, List.of("get", "profile", "intruder")).out(), ""), show);
        assertTrue(show.out().contains("intruder  unreadable: the record holds a Node, not a Profile"), show.out());
        // and `pool list` too (session 49, u-list), where it failed with the line naming the key
        Outcome pools = run(store, List.of("pool", "list"));
        assertEquals(0, pools.status(), pools.toString());
        assertTrue(pools.out().lines().anyMatch(line -> line.matches("IPPool +10\\.9\\.0\\.0/16 +unreadable: the record is not a valid IpPool: .*")),
                pools.out());
    }
}
