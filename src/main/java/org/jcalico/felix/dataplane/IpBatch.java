package org.jcalico.felix.dataplane;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.jcalico.kernel.CommandRunner;
import org.jcalico.kernel.CommandText;
import org.jcalico.kernel.KernelException;
import org.jcalico.kernel.ToolSession;
import org.jcalico.kernel.ToolShell;

/**
 * Runs ip(8) commands as one "ip -force -batch -" process per batch, started by a long-lived shell ({@link ToolShell}):
 * a refused line does not stop the others, and
 * each refusal is reported with its line's error. One process per batch, not a long-lived one: ip keeps the index of
 * every interface it looked up by name for its whole life, so a long-lived ip sent a route for an interface re-created
 * since (a container added again under the same name) to the old index, and the kernel refused it ("No such device").
 *
 * <p>ip prints nothing for a line it did and, for one it refused, the error then "Command failed -:N" (N counting the
 * batch's lines from 1). At the end of its input it exits 0 if every line was done, 1 if any was refused. So a batch
 * ip went through is an exit status of 0 with nothing printed, or 1 with a "Command failed" line last; anything else
 * (killed, timed out, or exited on an argument it could not parse, whose error has no "Command failed" after it) is an
 * ip that ended mid-batch ({@link Ended}), and which lines took effect is unknown; so is a shell that ended first.
 */
public final class IpBatch {
    private static final List<String> IP = List.of("ip", "-force", "-batch", "-");
    private static final Pattern FAILED = Pattern.compile("Command failed -:(\\d+)");
    private final ToolShell shell;
    private final List<String> command;

    public IpBatch(CommandRunner runner) {
        this(runner, IP);
    }

    /** Runs {@code command} as ip: for tests, an ip that is killed part way through a batch. */
    public IpBatch(CommandRunner runner, List<String> command) {
        this.shell = runner.shell();
        this.command = List.copyOf(command);
    }

    /**
     * The errors of the refused lines, by 0-based index into lines; empty when all succeeded.
     *
     * @throws Ended when ip ended before it went through the batch: which lines took effect is unknown
     */
    public Map<Integer, String> run(List<String> lines) {
        if (lines.isEmpty()) {
            return Map.of();
        }
        StringBuilder input = new StringBuilder();
        lines.forEach(line -> input.append(CommandText.line(line)).append('\n'));
        CommandRunner.Result result;
        try {
            result = shell.run(command, input.toString());
        } catch (ToolSession.Ended e) {
            throw new Ended("ip ended before it went through its batch: " + e.getMessage());
        }
        List<String> printed = result.stderr().lines().filter(line -> !line.isBlank()).toList();
        boolean through = result.exitCode() == 0 ? printed.isEmpty()
                : result.exitCode() == 1 && !printed.isEmpty() && FAILED.matcher(printed.get(printed.size() - 1)).find();
        if (!through) {
            throw new Ended("ip ended before it went through its batch (exit status " + result.exitCode() + ")"
                    + (printed.isEmpty() ? "" : ": " + printed.get(printed.size() - 1).strip()));
        }
        return failures(String.join("\n", printed));
    }

    /** ip prints a failed line's error, then "Command failed -:N" with the 1-based line number. */
    static Map<Integer, String> failures(String stderr) {
        Map<Integer, String> failures = new HashMap<>();
        List<String> message = new ArrayList<>();
        for (String line : stderr.split("\n")) {
            Matcher failed = FAILED.matcher(line);
            if (failed.find()) {
                failures.put(Integer.parseInt(failed.group(1)) - 1,
                        message.isEmpty() ? "refused" : String.join("; ", message));
                message.clear();
            } else if (!line.isBlank()) {
                message.add(line.strip());
            }
        }
        return failures;
    }

    /** ip ended before it went through a batch, which may have been done in part. */
    public static final class Ended extends KernelException {
        Ended(String message) {
            super(message);
        }
    }
}
