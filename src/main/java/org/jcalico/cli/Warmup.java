package org.jcalico.cli;

import java.util.Set;
import org.jcalico.model.ResourceCodec;

/**
 * The first use of the resource codec (Jackson's mappers, the first record it decodes) is the largest part of a short
 * command's own time in a fresh JVM, and it needs nothing of the command line: a second thread does it while the main
 * thread builds and parses the command and opens SQLite, so that the command finds it done (docs/agent.md, "Start-up
 * of a command"). SQLite's first use stays on the main thread: with the command model declared through picocli's API
 * the main thread reaches the store within about 20 ms, and then waited on the warm-up thread's SQLite before its
 * codec. Only in a JVM of its own: the agent, which also runs commands, is warm.
 */
final class Warmup implements Runnable {
    /** The commands that read or write the datastore and whose start-up counts most: those the agent serves. */
    static final Set<String> COMMANDS = Set.of("pool", "container");
    /**
     * A pool exactly as the datastore stores it, so that decoding it takes the codec's way for stored records (the
     * test checks that it is still that form). Made by encoding a pool instead, the warm-up would also pay for the
     * encoder, which a list does not use, while the command waits for the decoder.
     */
    static final String STORED_POOL = "{\"kind\":\"IPPool\",\"cidr\":\"10.0.0.0/8\",\"natOutgoing\":false,\"blockSize\":26,\"disabled\":false}";

    private Warmup() {
    }

    /** Starts the warm-up when the arguments name one of those commands. */
    static void startFor(String command) {
        if (command == null || !COMMANDS.contains(command)) {
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
            ResourceCodec.fromJson(STORED_POOL);
        } catch (Exception | LinkageError e) {
            // the command itself does the same work and reports what fails there
        }
    }
}
