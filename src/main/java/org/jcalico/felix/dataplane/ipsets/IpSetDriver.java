package org.jcalico.felix.dataplane.ipsets;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.jcalico.felix.dataplane.Changes;
import org.jcalico.felix.hoststate.IpSetSpec;
import org.jcalico.kernel.CommandRunner;
import org.jcalico.kernel.KernelException;
import org.jcalico.kernel.ToolSession;
import org.jcalico.kernel.ToolShell;

/**
 * Keeps the jc- ipsets as desired with one batch before the iptables update ({@link #fill}) and one after it
 * ({@link #sweep}). Works from what it last wrote; after {@link #forget()} or a failure it reads the kernel back.
 * When a fill is refused, each set is filled again in a batch of its own: one set the kernel will not take (say, a set
 * of that name held by someone else's rule) is reported under its name, and every other set is still filled.
 *
 * <p>A change of members (up to {@link #SESSION_LINES} lines of add and del) goes to one long-lived
 * {@code ipset -exist -}, so that it costs a write to a pipe rather than a process; the rest (a cold start, sets made,
 * swapped in or destroyed) to one {@code ipset -exist restore}, which stops at a refused line and sends consecutive
 * members in one netlink message; a large one is written to it as it is made. The long-lived ipset prints
 * nothing for a line it did and an error on stderr for one it refused, and goes on with the next line; its prompts go
 * to a buffered stdout, which only ever prefixes a line. Each batch ends with a line that always fails with an error
 * naming it ({@link #END}): its answer, after every line before it was done, confirms the batch, and any line before
 * it is a refusal. A process that ends first leaves the batch unknown: the driver reads the kernel back.
 */
public final class IpSetDriver {
    static final int SESSION_LINES = 1_000;
    private static final String END = "create jcalico-batch-end jcalico-batch-end\n";
    private static final String END_ANSWER = "typename 'jcalico-batch-end' is unknown";
    private static final Pattern FAILED_LINE = Pattern.compile("Error in line (\\d+)");
    private final CommandRunner runner;
    private final ToolSession session;
    /** Starts each restore (a cold start's, too big for it, the runner starts itself). */
    private final ToolShell shell;
    private IpSetSnapshot programmed;

    public IpSetDriver(CommandRunner runner) {
        this.runner = runner;
        this.session = runner.session("ipset", "-exist", "-");
        this.shell = runner.shell();
    }

    public void forget() {
        programmed = null;
    }

    /** Whether the next fill starts from a read-back of the kernel (the first, after {@link #forget()} or a failure). */
    public boolean readsBack() {
        return programmed == null;
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

    /**
     * Destroys the sets no longer desired. nf_tables frees the matches of the rules it deleted in a work queue after
     * the commit, and a set stays held until then; it finishes that work when a process releases a netfilter netlink
     * socket, which a restore of its own did on exiting but the long-lived iptables-restore never does. So a set
     * whose last rule that restore has just deleted can be refused as in use: a refused sweep is planned again from a
     * read-back, whose ipset process releases its socket on exiting, and written once more. What is refused then is
     * held by someone else's rule, and reported.
     */
    public Changes sweep(Map<String, IpSetSpec> desired) {
        Changes changes = run(snapshot -> IpSetPlanner.sweep(desired.keySet(), snapshot));
        return changes.failures().isEmpty() ? changes
                : run(snapshot -> IpSetPlanner.sweep(desired.keySet(), calcsWhereEqual(snapshot, desired)));
    }

    /**
     * A read-back with each set that holds exactly what calc desires replaced by calc's object, which the driver kept
     * before the read-back: the read-back's copies of the members stayed the driver's view until the set next changed
     * (after `bench policy`, 170,000 member strings, 10 MB), and a changed set made from calc's object is written from
     * what changed rather than from a comparison of the whole set (MemberSet#madeFrom).
     */
    private static IpSetSnapshot calcsWhereEqual(IpSetSnapshot read, Map<String, IpSetSpec> desired) {
        Map<String, IpSetSpec> sets = new HashMap<>(read.sets());
        sets.replaceAll((name, set) -> set.equals(desired.get(name)) ? desired.get(name) : set);
        return new IpSetSnapshot(sets, read.misfits());
    }

    public IpSetSnapshot read() {
        return IpSetSaveParser.parse(runner.run("ipset", "save").check().stdout());
    }

    private Changes run(Function<IpSetSnapshot, IpSetUpdate> planner) {
        try {
            IpSetUpdate update = planner.apply(programmed != null ? programmed : read());
            programmed = null;
            if (!update.isEmpty()) {
                write(update.input());
            }
            programmed = update.after();
            return update.changes();
        } catch (KernelException e) {
            return Changes.failure("ipset", e.getMessage());
        }
    }

    /**
     * A batch that only adds and deletes members, few enough, goes to the long-lived ipset. That one goes on after a
     * refused line where restore stops; a refused member leaves the lines after it harmless, a refused destroy or
     * create (a set held by someone else's rule) would not, so those keep restore's stop. A restore's input is made as
     * ipset reads it ({@link IpSetInput}).
     */
    private void write(IpSetInput input) {
        if (input.membersOnly() && input.lines() <= SESSION_LINES) {
            List<String> answer = session.exchange(input.text() + END, line -> line.contains(END_ANSWER), lines -> lines.size() == 1);
            if (answer.size() > 1) {
                throw new KernelException("ipset refused: " + String.join("; ", answer.subList(0, answer.size() - 1)));
            }
            return;
        }
        CommandRunner.Result result = shell.run(List.of("ipset", "-exist", "restore"), input);
        if (!result.ok()) {
            throw new KernelException(result.describe() + failedLine(result.stderr(), input));
        }
        // as the iptables restores: members of the next endpoints go to the session, which need not start then
        session.prepare();
    }

    /** ipset restore stops at the first refused line and names only its number. */
    private static String failedLine(String stderr, IpSetInput input) {
        Matcher matcher = FAILED_LINE.matcher(stderr);
        if (!matcher.find()) {
            return "";
        }
        int number = Integer.parseInt(matcher.group(1));
        List<String> lines = input.text().lines().toList();
        return number >= 1 && number <= lines.size() ? " (" + lines.get(number - 1) + ")" : "";
    }
}
