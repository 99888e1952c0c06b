package org.jcalico.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The command line as a user meets it: what it prints, and its exit status. */
class CommandLineTest {
    @TempDir
    Path dir;

    private record Outcome(int status, String out, String err) {
    }

    private Outcome run(String... args) {
        PrintStream out = System.out;
        PrintStream err = System.err;
        ByteArrayOutputStream stdout = new ByteArrayOutputStream();
        ByteArrayOutputStream stderr = new ByteArrayOutputStream();
        System.setOut(new PrintStream(stdout, true, StandardCharsets.UTF_8));
        System.setErr(new PrintStream(stderr, true, StandardCharsets.UTF_8));
        try {
            String[] full = new String[args.length + 2];
            full[0] = "--datastore";
            full[1] = "embedded:" + dir.resolve("store.db");
            System.arraycopy(args, 0, full, 2, args.length);
            return new Outcome(Main.run(full), stdout.toString(StandardCharsets.UTF_8), stderr.toString(StandardCharsets.UTF_8));
        } finally {
            System.setOut(out);
            System.setErr(err);
        }
    }

    @Test
    void commandsSayWhatTheyDidAndErrorsAreOneLineWithStatusOne() {
        assertEquals(new Outcome(0, "added pool 10.65.0.0/16 (blocks /26, NAT outgoing)\n", ""),
                run("pool", "add", "10.65.0.0/16", "--nat-outgoing"));
        assertEquals(new Outcome(1, "", "error: cidr: '10.65.1.0/24' overlaps pool 10.65.0.0/16\n"), run("pool", "add", "10.65.1.0/24"));
        assertEquals(new Outcome(1, "", "error: blockSize: '40' is out of range for IPv4 (20-32)\n"),
                run("pool", "add", "10.66.0.0/16", "--block-size", "40"));
        Outcome list = run("pool", "list", "-o", "json");
        assertTrue(list.out().contains("\"cidr\" : \"10.65.0.0/16\""), list.out());
    }

    @Test
    void aMalformedCommandLineIsStatusTwo() {
        Outcome outcome = run("pool", "add");
        assertEquals(2, outcome.status());
        assertTrue(outcome.err().startsWith("error: Missing required parameter: 'CIDR'"), outcome.err());
        assertEquals(2, run("frobnicate").status());
    }

    @Test
    void anInternalErrorIsStatusSeventyWithItsStackTraceAndAUserErrorOneLine() {
        java.io.StringWriter internal = new java.io.StringWriter();
        assertEquals(70, Main.report(new IllegalStateException("a bug"), new java.io.PrintWriter(internal), false));
        assertTrue(internal.toString().startsWith("error: internal error: java.lang.IllegalStateException: a bug (please report it"),
                internal.toString());
        assertTrue(internal.toString().contains("\tat org.jcalico.cli.CommandLineTest."), "with its stack trace");
        java.io.StringWriter user = new java.io.StringWriter();
        assertEquals(1, Main.report(new org.jcalico.model.ValidationException("cidr: 'x' is not a CIDR"),
                new java.io.PrintWriter(user), false));
        assertEquals("error: cidr: 'x' is not a CIDR\n", user.toString());
    }
}
