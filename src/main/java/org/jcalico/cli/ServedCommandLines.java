package org.jcalico.cli;

import java.io.PrintWriter;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import picocli.CommandLine;

/**
 * The command lines (picocli's models) of the commands the agent serves, kept from one request to the next: building
 * them was most of picocli's share of a served command (three CommandLines, each with its own parser and its dozens of
 * converters, some looked up by reflection; docs/agent.md, "A served `container add`"), and picocli sets every option
 * and parameter back to its initial value before each parse, so a kept one runs a request as a new one would. A
 * command line serves one request at a time: a request takes an idle one of its command (or builds one) and gives it
 * back when the command has returned; one whose command threw is dropped.
 */
final class ServedCommandLines {
    /** Idle command lines kept per command: enough for the few commands that usually run at once. */
    private static final int IDLE_PER_COMMAND = 4;
    private final Map<List<String>, Queue<CommandLine>> idle = new ConcurrentHashMap<>();

    /**
     * Runs ARGS, jcalico's options then COMMAND (its first two words name the command), as
     * {@link Main#run(PrintWriter, PrintWriter, Lent, String...)} does.
     */
    int run(List<String> command, PrintWriter out, PrintWriter err, Lent lent, String... args) {
        Queue<CommandLine> kept = idle.computeIfAbsent(List.copyOf(command.subList(0, 2)), name -> new ConcurrentLinkedQueue<>());
        CommandLine taken = kept.poll();
        CommandLine line = taken != null ? taken : Main.build(args);
        int status = Main.run(line, out, err, lent, args);
        if (kept.size() < IDLE_PER_COMMAND) {
            kept.add(line);
        }
        return status;
    }
}
