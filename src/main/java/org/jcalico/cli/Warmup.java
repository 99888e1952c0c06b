package org.jcalico.cli;

import java.util.Set;
import org.jcalico.model.Cidr;
import org.jcalico.model.IpPool;
import org.jcalico.model.ResourceCodec;

/**
 * The resource codec's mapper (Jackson's configuration, its serializers) is a good part of a short command's own time
 * in a fresh JVM, and it needs nothing of the command line: for the `pool` and `container` commands that write, a
 * second thread makes it while the main thread builds and parses the command and opens SQLite, so that the command
 * finds it done when it encodes what it writes (docs/agent.md, "Start-up of a command"). Not for the lists: they read
 * the stored form without the mapper (StoredRecords), and a thread of their own would only compete for the two cores.
 * SQLite's first use stays on the main thread: with the command model declared through picocli's API the main thread
 * reaches the store within about 20 ms, and then waited on the warm-up thread's SQLite before its codec. Only in a
 * JVM of its own: the agent, which also runs commands, is warm.
 */
final class Warmup implements Runnable {
    /** The commands that read or write the datastore and whose start-up counts most: those the agent serves. */
    static final Set<String> COMMANDS = Set.of("pool", "container");

    private Warmup() {
    }

    /** Starts the warm-up when the arguments name one of those commands, and not its list. */
    static void startFor(String command, String subcommand) {
        if (command == null || !COMMANDS.contains(command) || "list".equals(subcommand)) {
            return;
        }
        // a class of its own, not a lambda: the JVM would spin the lambda's class at run time, as the start-up cache is
        // recorded without this thread
        Thread thread = new Thread(new Warmup(), "jcalico-warmup");
        thread.setDaemon(true);
        thread.start();
    }

    @Override
    public void run() {
        try {
            ResourceCodec.toJson(new IpPool(Cidr.parse("10.0.0.0/8"), false, null, false));
        } catch (Exception | LinkageError e) {
            // the command itself does the same work and reports what fails there
        }
    }
}
