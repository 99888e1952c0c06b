package org.jcalico.felix.dataplane.interfaces;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import org.jcalico.kernel.CommandRunner;
import org.jcalico.kernel.CommandText;
import org.jcalico.kernel.KernelException;
import org.jcalico.kernel.ToolSession;

/**
 * Writes sysctls through one long-lived shell in the runner's namespace, whose built-in echo writes each /proc/sys file
 * (the files show the settings of the namespace of the process that opens them): no process per change. Each write
 * that fails is followed by a line naming its index, after the shell's error for it; the batch ends with a line of its
 * own. Writing a setting twice does no harm, so a batch the shell did not confirm is written once more in a fresh one.
 */
final class SysctlWriter {
    private static final String REFUSED = "@jcalico-refused ";
    private static final String END = "@jcalico-end";
    private static final Pattern VALUE = Pattern.compile("[0-9]{1,9}");
    private final ToolSession shell;

    SysctlWriter(CommandRunner runner) {
        this.shell = runner.session("sh");
    }

    /** Writes every setting; returns the refused ones' errors by key. */
    Map<String, String> write(Map<String, String> settings) {
        if (settings.isEmpty()) {
            return Map.of();
        }
        List<String> keys = new ArrayList<>(settings.keySet());
        StringBuilder script = new StringBuilder();
        for (int i = 0; i < keys.size(); i++) {
            String value = settings.get(keys.get(i));
            if (!VALUE.matcher(value).matches()) {
                throw new KernelException("refused to write sysctl " + keys.get(i) + ": '" + value + "' is not a number");
            }
            script.append("echo ").append(value).append(" > ").append(CommandText.shellQuoted(Sysctls.path(keys.get(i))))
                    .append(" || echo ").append(REFUSED).append(i).append('\n');
        }
        script.append("echo ").append(END).append('\n');
        List<String> output;
        try {
            output = shell.exchange(script.toString(), END::equals);
        } catch (ToolSession.Ended e) {
            output = shell.exchange(script.toString(), END::equals);
        }
        Map<String, String> refused = new LinkedHashMap<>();
        List<String> message = new ArrayList<>();
        for (String line : output) {
            if (line.startsWith(REFUSED)) {
                String key = keys.get(Integer.parseInt(line.substring(REFUSED.length())));
                refused.put(key, message.isEmpty() ? "cannot write " + key : key + ": " + String.join("; ", message));
                message.clear();
            } else if (!line.equals(END) && !line.isBlank()) {
                message.add(line.strip());
            }
        }
        return refused;
    }

    /** The shell's process id, for a test that kills it. */
    long pid() {
        return shell.pid();
    }
}
