package org.jcalico.felix.dataplane.interfaces;

import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;
import org.jcalico.kernel.CommandRunner;
import org.jcalico.kernel.KernelException;
import org.jcalico.kernel.ProcSys;
import org.jcalico.kernel.Rtnetlink;

/**
 * Writes sysctls in-process ({@link ProcSys}: a thread of its own in the runner's namespace opens each /proc/sys file),
 * no process per change. Each setting is read first and written only if its value differs, in the same pass: after a
 * forget (start, resync) every setting of every endpoint is checked, a few system calls each. Writing a setting twice
 * does no harm, so a batch that did not finish in time is run once more.
 */
final class SysctlWriter {
    private static final Pattern VALUE = Pattern.compile("[0-9]{1,9}");
    private final ProcSys files;

    SysctlWriter(CommandRunner runner) {
        this.files = runner.procSys();
    }

    /** What a batch did: the settings written (their value differed or could not be read), the refused ones' errors. */
    record Outcome(Set<String> written, Map<String, String> refused) {
    }

    /** Writes every setting whose value differs from the kernel's (a file that cannot be read counts as differing). */
    Outcome write(Map<String, String> settings) {
        return write(settings, Set.of());
    }

    /**
     * The same, DIFFERING naming settings known to hold another value, as read another way (the links dump): their
     * files are written without a read.
     */
    Outcome write(Map<String, String> settings, Set<String> differing) {
        Map<String, String> valuesByPath = new LinkedHashMap<>();
        Map<String, String> keysByPath = new HashMap<>();
        Set<String> differingPaths = new HashSet<>();
        settings.forEach((key, value) -> {
            if (!VALUE.matcher(value).matches()) {
                throw new KernelException("refused to write sysctl " + key + ": '" + value + "' is not a number");
            }
            String path = Sysctls.path(key);
            valuesByPath.put(path, value);
            keysByPath.put(path, key);
            if (differing.contains(key)) {
                differingPaths.add(path);
            }
        });
        ProcSys.Outcome outcome;
        try {
            outcome = files.write(valuesByPath, differingPaths);
        } catch (Rtnetlink.Interrupted e) {
            outcome = files.write(valuesByPath, differingPaths);
        }
        Set<String> written = new HashSet<>();
        outcome.written().forEach(path -> written.add(keysByPath.get(path)));
        Map<String, String> refused = new LinkedHashMap<>();
        outcome.refused().forEach((path, error) -> refused.put(keysByPath.get(path), keysByPath.get(path) + ": " + error));
        return new Outcome(written, refused);
    }
}
