package org.jcalico.felix.dataplane.ipsets;

import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.jcalico.felix.dataplane.Changes;
import org.jcalico.felix.hoststate.IpSetSpec;
import org.jcalico.kernel.CommandRunner;
import org.jcalico.kernel.KernelException;

/**
 * Keeps the jc- ipsets as desired with one "ipset restore" before the iptables update ({@link #fill}) and one after
 * it ({@link #sweep}). Works from what it last wrote; after {@link #forget()} or a failure it reads the kernel back.
 * ipset stops at the first line the kernel refuses, so when a fill is refused, each set is filled again in a restore
 * of its own: one set the kernel will not take (say, a set of that name held by someone else's rule) is reported
 * under its name, and every other set is still filled.
 */
public final class IpSetDriver {
    private static final Pattern FAILED_LINE = Pattern.compile("Error in line (\\d+)");
    private final CommandRunner runner;
    private IpSetSnapshot programmed;

    public IpSetDriver(CommandRunner runner) {
        this.runner = runner;
    }

    public void forget() {
        programmed = null;
    }

    public Changes fill(Map<String, IpSetSpec> desired) {
        Changes changes = run(snapshot -> IpSetPlanner.fill(desired, snapshot));
        if (changes.failures().isEmpty()) {
            return changes;
        }
        changes = Changes.NONE;
        for (IpSetSpec set : desired.values()) {
            Changes one = run(snapshot -> IpSetPlanner.fill(Map.of(set.name(), set), snapshot));
            changes = changes.plus(one.failures().isEmpty() ? one
                    : new Changes(one.counts(), Map.of(set.name(), one.failures().get("ipset"))));
        }
        programmed = null;
        return changes;
    }

    public Changes sweep(Map<String, IpSetSpec> desired) {
        return run(snapshot -> IpSetPlanner.sweep(desired.keySet(), snapshot));
    }

    public IpSetSnapshot read() {
        return IpSetSaveParser.parse(runner.run("ipset", "save").check().stdout());
    }

    private Changes run(Function<IpSetSnapshot, IpSetUpdate> planner) {
        try {
            IpSetUpdate update = planner.apply(programmed != null ? programmed : read());
            programmed = null;
            if (!update.isEmpty()) {
                CommandRunner.Result result = runner.run(List.of("ipset", "-exist", "restore"), update.restoreInput());
                if (!result.ok()) {
                    throw new KernelException(result.describe() + failedLine(result.stderr(), update.restoreInput()));
                }
            }
            programmed = update.after();
            return update.changes();
        } catch (KernelException e) {
            return Changes.failure("ipset", e.getMessage());
        }
    }

    /** ipset stops at the first refused line and names only its number. */
    private static String failedLine(String stderr, String input) {
        Matcher matcher = FAILED_LINE.matcher(stderr);
        if (!matcher.find()) {
            return "";
        }
        int number = Integer.parseInt(matcher.group(1));
        List<String> lines = input.lines().toList();
        return number >= 1 && number <= lines.size() ? " (" + lines.get(number - 1) + ")" : "";
    }
}
