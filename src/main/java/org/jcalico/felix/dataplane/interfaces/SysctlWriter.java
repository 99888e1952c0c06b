package org.jcalico.felix.dataplane.interfaces;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Predicate;
import java.util.regex.Pattern;
import org.jcalico.kernel.CommandRunner;
import org.jcalico.kernel.CommandText;
import org.jcalico.kernel.KernelException;
import org.jcalico.kernel.ToolSession;

/**
 * Writes sysctls through one long-lived shell in the runner's namespace, whose built-ins read and write each /proc/sys
 * file (the files show the settings of the namespace of the process that opens them): no process per change. Each
 * setting is read first and written only if its value differs, in the same pass: after a forget (start, resync) every
 * setting of every endpoint is checked, and one pass of built-ins costs far less than a {@code sysctl} process reading
 * thousands of keys for the JVM to parse and compare before the writes. Each write is followed by a line naming its
 * index, after the shell's error for it when it failed; the batch ends with a line of its own. Writing a setting twice
 * does no harm, so a batch the shell did not confirm is run once more in a fresh one.
 */
final class SysctlWriter {
    private static final String REFUSED = "@jcalico-refused ";
    private static final String WRITTEN = "@jcalico-written ";
    private static final String END = "@jcalico-end";
    private static final Pattern VALUE = Pattern.compile("[0-9]{1,9}");
    /**
     * Settings per exchange. The shell's answer is read only once the whole batch is written, so it must fit the pipe
     * (64 KiB) even when every setting is refused (an error and a marker line, under 150 bytes): a cold start's
     * thousands of settings in one batch filled it and both sides waited for each other.
     */
    static final int BATCH = 256;
    private final ToolSession shell;

    SysctlWriter(CommandRunner runner) {
        this.shell = runner.session("sh");
    }

    /** What a batch did: the settings written (their value differed or could not be read), the refused ones' errors. */
    record Outcome(Set<String> written, Map<String, String> refused) {
    }

    /** Writes every setting whose value differs from the kernel's (a file that cannot be read counts as differing). */
    Outcome write(Map<String, String> settings) {
        List<String> keys = new ArrayList<>(settings.keySet());
        Set<String> written = new HashSet<>();
        Map<String, String> refused = new LinkedHashMap<>();
        for (int from = 0; from < keys.size(); from += BATCH) {
            Outcome batch = batch(keys.subList(from, Math.min(keys.size(), from + BATCH)), settings);
            written.addAll(batch.written());
            refused.putAll(batch.refused());
        }
        return new Outcome(written, refused);
    }

    private Outcome batch(List<String> keys, Map<String, String> settings) {
        StringBuilder script = new StringBuilder();
        for (int i = 0; i < keys.size(); i++) {
            String value = settings.get(keys.get(i));
            if (!VALUE.matcher(value).matches()) {
                throw new KernelException("refused to write sysctl " + keys.get(i) + ": '" + value + "' is not a number");
            }
            // read's own error is dropped: a file it cannot open is written, and the write's error says why
            String path = CommandText.shellQuoted(Sysctls.path(keys.get(i)));
            script.append("v=; read v 2>/dev/null < ").append(path).append("; [ \"$v\" = ").append(value).append(" ] || { echo ")
                    .append(value).append(" > ").append(path).append(" && echo ").append(WRITTEN).append(i)
                    .append(" || echo ").append(REFUSED).append(i).append("; }\n");
        }
        script.append("echo ").append(END).append('\n');
        List<String> output;
        Predicate<List<String>> noneRefused = lines -> lines.stream().noneMatch(line -> line.startsWith(REFUSED));
        try {
            output = shell.exchange(script.toString(), END::equals, noneRefused);
        } catch (ToolSession.Ended e) {
            output = shell.exchange(script.toString(), END::equals, noneRefused);
        }
        Set<String> written = new HashSet<>();
        Map<String, String> refused = new LinkedHashMap<>();
        List<String> message = new ArrayList<>();
        for (String line : output) {
            if (line.startsWith(WRITTEN)) {
                written.add(keys.get(Integer.parseInt(line.substring(WRITTEN.length()))));
            } else if (line.startsWith(REFUSED)) {
                String key = keys.get(Integer.parseInt(line.substring(REFUSED.length())));
                refused.put(key, message.isEmpty() ? "cannot write " + key : key + ": " + String.join("; ", message));
                message.clear();
            } else if (!line.equals(END) && !line.isBlank()) {
                message.add(line.strip());
            }
        }
        return new Outcome(written, refused);
    }

    /** The shell's process id, for a test that kills it. */
    long pid() {
        return shell.pid();
    }
}
