package org.jcalico.felix.dataplane;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.jcalico.kernel.CommandRunner;
import org.jcalico.kernel.CommandText;

/**
 * Runs many ip(8) commands in one process with "ip -force -batch -": a refused line does not stop the others, and
 * each refusal is reported with its line's error.
 */
public final class IpBatch {
    private static final Pattern FAILED = Pattern.compile("Command failed -:(\\d+)");

    private IpBatch() {
    }

    /** The errors of the refused lines, by 0-based index into lines; empty when all succeeded. */
    public static Map<Integer, String> run(CommandRunner runner, List<String> lines) {
        if (lines.isEmpty()) {
            return Map.of();
        }
        StringBuilder input = new StringBuilder();
        lines.forEach(line -> input.append(CommandText.line(line)).append('\n'));
        CommandRunner.Result result = runner.run(List.of("ip", "-force", "-batch", "-"), input.toString());
        if (result.ok()) {
            return Map.of();
        }
        Map<Integer, String> failures = failures(result.stderr());
        if (failures.isEmpty()) {
            // ip itself did not run, or failed before any line: every line counts as refused
            for (int i = 0; i < lines.size(); i++) {
                failures.put(i, result.describe());
            }
        }
        return failures;
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
