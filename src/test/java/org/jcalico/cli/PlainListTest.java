package org.jcalico.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The plain lists without picocli print what picocli's path prints, byte for byte, and take nothing else. */
class PlainListTest {
    @TempDir
    Path dir;

    /** The shapes PlainList takes, after the datastore's option (in both of its forms) or with none (the environment's). */
    private static final List<List<String>> LISTS = List.of(
            List.of("pool", "list"), List.of("container", "list"),
            List.of("pool", "list", "-o", "json"), List.of("pool", "list", "--output", "yaml"),
            List.of("pool", "list", "--output=table"), List.of("container", "list", "-o", "yaml"),
            List.of("container", "list", "--output", "json"), List.of("container", "list", "--output=yaml"));

    @Test
    void printsWhatPicocliPrints() {
        String full = "embedded:" + dir.resolve("full.db");
        assertEquals(0, Main.run("--datastore", full, "internal", "train-startup-cache"));
        String empty = "embedded:" + dir.resolve("empty.db");
        assertEquals(0, Main.run("--datastore", empty, "pool", "add", "10.98.0.0/16"));
        assertEquals(0, Main.run("--datastore", empty, "pool", "remove", "10.98.0.0/16"));
        String absent = "embedded:" + dir.resolve("absent.db");
        List<String> compared = new ArrayList<>();
        for (String datastore : List.of(full, empty, absent, "etcd://127.0.0.1:1")) {
            for (List<String> list : LISTS) {
                for (List<String> option : List.of(List.of("--datastore", datastore), List.of("--datastore=" + datastore), List.<String>of())) {
                    List<String> args = new ArrayList<>(option);
                    args.addAll(list);
                    compared.add(compare(args.toArray(String[]::new)));
                }
            }
        }
        assertTrue(compared.stream().anyMatch(printed -> printed.contains("10.99.0.0/16")), "the full store's pools are listed");
        assertTrue(compared.stream().anyMatch(printed -> printed.startsWith("0|CONTAINER") && printed.lines().count() > 1),
                "the full store's endpoints are listed");
        assertTrue(compared.stream().anyMatch(printed -> printed.startsWith("1|") && printed.contains("error: ")),
                "an absent datastore's error is compared");
        assertTrue(compared.contains("0|[]\n|"), "an empty store's list is compared");
    }

    /** Both paths' exit status, output and error, as "STATUS|OUT|ERR", after asserting they are the same. */
    private static String compare(String... args) {
        PlainList plain = PlainList.of(args);
        assertNotNull(plain, String.join(" ", args));
        String fast = printed(args, plain);
        String picocli = printed(args, null);
        assertEquals(picocli, fast, String.join(" ", args));
        return fast;
    }

    private static String printed(String[] args, PlainList plain) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        PrintWriter outWriter = new PrintWriter(out, true);
        PrintWriter errWriter = new PrintWriter(err, true);
        int status = plain != null ? plain.run(outWriter, errWriter) : Main.run(outWriter, errWriter, args);
        outWriter.flush();
        errWriter.flush();
        return status + "|" + out + "|" + err;
    }

    @Test
    void leavesEveryOtherShapeToPicocli() {
        for (List<String> args : List.<List<String>>of(List.of("pool", "list", "--help"), List.of("pool", "list", "-h"),
                List.of("container", "list", "-V"), List.of("pool", "list", "-o", "JSON"), List.of("pool", "list", "-o=json"),
                List.of("pool", "list", "-ojson"), List.of("pool", "list", "-o"), List.of("pool", "list", "-o", "json", "-o", "yaml"),
                List.of("pool", "list", "--output=json", "--output=yaml"), List.of("pool", "list", "extra"),
                List.of("pool", "list", "--datastore", "embedded:/x.db"), List.of("--datastore", "pool", "list"),
                List.of("--datastore="), List.of("--datastore=", "pool", "list"), List.of("--datastore", "", "pool", "list"),
                List.of("--datastore", "-o", "pool", "list"), List.of("--datastore", "@args", "pool", "list"),
                List.of("--datastore=@args", "pool", "list"), List.of("@args"), List.of("--node", "h1", "pool", "list"),
                List.of("--datastore", "embedded:/x.db", "--datastore", "embedded:/y.db", "pool", "list"),
                List.of("pool", "add", "10.0.0.0/8"), List.of("pool"), List.of("list"), List.of("container", "add", "list"),
                List.of("profile", "list"), List.of("pool", "--", "list"), List.<String>of())) {
            assertNull(PlainList.of(args.toArray(String[]::new)), String.join(" ", args));
        }
    }
}
