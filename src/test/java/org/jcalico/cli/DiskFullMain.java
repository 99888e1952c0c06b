package org.jcalico.cli;

import java.io.PrintWriter;
import java.io.StringWriter;

/**
 * Runs `profile add` against an embedded store until one fails, then prints that failure's error output and the exit
 * status of a `profile list` run after it: for DiskFullTest, inside a mount namespace whose store lies on a small tmpfs.
 */
public final class DiskFullMain {
    private DiskFullMain() {
    }

    public static void main(String[] args) {
        // as jcalico's own entry point does: SQLite's driver would otherwise have SLF4J warn that it has no provider
        Main.quietLibraryLogging();
        String datastore = "embedded:" + args[0];
        for (int i = 0; i < 100_000; i++) {
            StringWriter err = new StringWriter();
            int status = Main.run(new PrintWriter(new StringWriter(), true), new PrintWriter(err, true),
                    "--datastore", datastore, "profile", "add", "profile-with-a-long-name-to-fill-the-disk-" + i);
            if (status != 0) {
                System.out.print(err);
                int list = Main.run(new PrintWriter(new StringWriter(), true), new PrintWriter(new StringWriter(), true),
                        "--datastore", datastore, "profile", "list");
                System.out.println("after " + i + " profiles; profile list: exit status " + list);
                return;
            }
        }
        System.out.println("the disk never filled");
    }
}
