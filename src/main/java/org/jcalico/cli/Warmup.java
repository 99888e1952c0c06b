package org.jcalico.cli;

import java.util.Set;
import org.jcalico.model.Cidr;
import org.jcalico.model.IpPool;
import org.jcalico.model.ResourceCodec;

/**
 * The first use of SQLite's driver (its native library, its configuration's date formats) and of the resource codec
 * (Jackson's mappers, the first record it decodes) is most of a short command's own time in a fresh JVM, and none of
 * it needs the command line: a second thread does it while the main thread builds and parses the command, so that the
 * command finds it done (docs/agent.md, "Start-up of a command"). Only in a JVM of its own: the agent, which also runs
 * commands, is warm.
 */
final class Warmup {
    /** The commands that read or write the datastore and whose start-up counts most: those the agent serves. */
    private static final Set<String> COMMANDS = Set.of("pool", "container");

    private Warmup() {
    }

    /** Starts the warm-up when the arguments name one of those commands. */
    static void startFor(String command) {
        if (command == null || !COMMANDS.contains(command)) {
            return;
        }
        Thread thread = new Thread(Warmup::run, "jcalico-warmup");
        thread.setDaemon(true);
        thread.start();
    }

    private static void run() {
        try {
            org.sqlite.SQLiteJDBCLoader.initialize();
            new org.sqlite.SQLiteConfig().toProperties();
            ResourceCodec.fromJson(ResourceCodec.toJson(new IpPool(Cidr.parse("10.0.0.0/8"), false, null, false)));
        } catch (Exception | LinkageError e) {
            // the command itself does the same work and reports what fails there
        }
    }
}
