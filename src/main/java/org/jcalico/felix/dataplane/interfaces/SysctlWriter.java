package org.jcalico.felix.dataplane.interfaces;

import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;
import org.jcalico.kernel.CommandRunner;
import org.jcalico.kernel.KernelException;
import org.jcalico.kernel.Link;
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
        Paths paths = Paths.of(settings, differing);
        ProcSys.Outcome outcome;
        try {
            outcome = files.write(paths.values(), paths.differing());
        } catch (Rtnetlink.Interrupted e) {
            outcome = files.write(paths.values(), paths.differing());
        }
        return paths.outcome(outcome);
    }

    /** What {@link #writeThenLinks} did: the settings' outcome, and every link of the namespace by name. */
    record Dumped(Outcome settings, Map<String, Link> links) {
    }

    /**
     * {@link #write(Map)}, then the links dumped, as one piece of work on NETLINK's thread
     * ({@link Rtnetlink#settingsThenLinks}): one hand-over instead of two. Both are harmless to do twice, so work that
     * did not finish in time is given once more.
     */
    Dumped writeThenLinks(Map<String, String> settings, Rtnetlink netlink) {
        Paths paths = Paths.of(settings, Set.of());
        Rtnetlink.SettingsAndDump done;
        try {
            done = netlink.settingsThenLinks(paths.values());
        } catch (Rtnetlink.Interrupted e) {
            done = netlink.settingsThenLinks(paths.values());
        }
        return new Dumped(paths.outcome(done.settings()), done.links());
    }

    /** What {@link #writeThenLinksUp} did: the settings' outcome, and the refused links' errors by index into names. */
    record Settled(Outcome settings, Map<Integer, String> refusedLinks) {
    }

    /**
     * {@link #write(Map, Set)}, then the links NAMES set up, as one piece of work on NETLINK's thread
     * ({@link Rtnetlink#settingsThenLinksUp}): one hand-over instead of two. Both are harmless to do twice, so work
     * that did not finish in time is given once more.
     */
    Settled writeThenLinksUp(Map<String, String> settings, Set<String> differing, Rtnetlink netlink, List<String> names) {
        Paths paths = Paths.of(settings, differing);
        Rtnetlink.SettingsAndLinks done;
        try {
            done = netlink.settingsThenLinksUp(paths.values(), paths.differing(), names);
        } catch (Rtnetlink.Interrupted e) {
            done = netlink.settingsThenLinksUp(paths.values(), paths.differing(), names);
        }
        return new Settled(paths.outcome(done.settings()), done.refusedLinks());
    }

    /** Settings as the files they are written to: values and known-differing ones by path, and each path's key. */
    private record Paths(Map<String, String> values, Set<String> differing, Map<String, String> keys) {
        static Paths of(Map<String, String> settings, Set<String> differing) {
            Map<String, String> valuesByPath = new LinkedHashMap<>();
            Map<String, String> keysByPath = new HashMap<>();
            Set<String> differingPaths = new HashSet<>();
            // a cold batch's thousands of settings take a few values ("0", "1"): each value matched once
            Set<String> numbers = new HashSet<>();
            settings.forEach((key, value) -> {
                if (!numbers.contains(value) && !VALUE.matcher(value).matches()) {
                    throw new KernelException("refused to write sysctl " + key + ": '" + value + "' is not a number");
                }
                numbers.add(value);
                String path = Sysctls.path(key);
                valuesByPath.put(path, value);
                keysByPath.put(path, key);
                if (differing.contains(key)) {
                    differingPaths.add(path);
                }
            });
            return new Paths(valuesByPath, differingPaths, keysByPath);
        }

        /** The files' outcome as the settings' keys. */
        Outcome outcome(ProcSys.Outcome outcome) {
            Set<String> written = new HashSet<>();
            outcome.written().forEach(path -> written.add(keys.get(path)));
            Map<String, String> refused = new LinkedHashMap<>();
            outcome.refused().forEach((path, error) -> refused.put(keys.get(path), keys.get(path) + ": " + error));
            return new Outcome(written, refused);
        }
    }
}
