package org.jcalico.felix.dataplane;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.jcalico.kernel.CommandRunner;
import org.jcalico.kernel.CommandText;
import org.jcalico.kernel.ToolSession;

/**
 * Runs ip(8) commands in an "ip -force -batch -" ({@link ToolSession}) that lives for one batch: a refused line does
 * not stop the others, and each refusal is reported with its line's error. Not longer: ip keeps the index of every
 * interface it looked up by name for its whole life, so a long-lived ip sent a route for an interface re-created since
 * (a container added again under the same name) to the old index, and the kernel refused it ("No such device"). ip prints nothing for a line it did, so each batch ends
 * with a line that always fails, {@link #END}: its failure, which ip prints after everything before it was done, ends
 * the batch and gives the line number the batch started at (ip counts lines from its start).
 */
public final class IpBatch {
    /** Longer than an interface name can be (15), so no such device ever exists and ip answers with an error. */
    static final String END_DEVICE = "jcalico-batch-end";
    private static final String END = "link show dev " + END_DEVICE;
    private static final Pattern FAILED = Pattern.compile("Command failed -:(\\d+)");
    private final ToolSession ip;

    public IpBatch(CommandRunner runner) {
        this.ip = runner.session("ip", "-force", "-batch", "-");
    }

    /**
     * The errors of the refused lines, by 0-based index into lines; empty when all succeeded.
     *
     * @throws ToolSession.Ended when ip ended before confirming the batch: which lines took effect is unknown
     */
    public Map<Integer, String> run(List<String> lines) {
        if (lines.isEmpty()) {
            return Map.of();
        }
        StringBuilder input = new StringBuilder();
        lines.forEach(line -> input.append(CommandText.line(line)).append('\n'));
        input.append(END).append('\n');
        List<String> output;
        try {
            output = ip.exchange(input.toString(), new AfterEnd());
        } finally {
            ip.end();
        }
        Map<Integer, String> failures = failures(String.join("\n", output));
        int end = failures.keySet().stream().mapToInt(Integer::intValue).max().orElseThrow();
        int first = end - lines.size();
        Map<Integer, String> refused = new HashMap<>();
        failures.forEach((line, error) -> {
            if (line != end) {
                refused.put(line - first, error);
            }
        });
        return refused;
    }

    /** The process's id, for a test that kills it. */
    public long pid() {
        return ip.pid();
    }

    /** Accepts the "Command failed" line right after ip's error for {@link #END_DEVICE}. */
    private static final class AfterEnd implements Predicate<String> {
        private boolean endDeviceNamed;

        @Override
        public boolean test(String line) {
            boolean last = endDeviceNamed && FAILED.matcher(line).find();
            endDeviceNamed = line.contains("\"" + END_DEVICE + "\"");
            return last;
        }
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
}
