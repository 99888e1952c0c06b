package org.jcalico.felix.dataplane.iptables;

import java.util.List;
import java.util.function.LongUnaryOperator;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.jcalico.kernel.CommandRunner;
import org.jcalico.kernel.KernelException;
import org.jcalico.kernel.ToolSession;

/**
 * Applies one family's restore input (whole tables, each ending in COMMIT, applied with --noflush). A change's batch
 * goes to one long-lived {@code iptables-restore --noflush --verbose} (or ip6tables-restore), so that it costs a write
 * to a pipe rather than the tool's start, about half of a small restore; a large input (a cold start) to a restore of
 * its own, as the runner starts it, with each table's chains fetched at once ({@link WholeTableCache}).
 *
 * <p>iptables-nft (1.8.9) commits each table at its COMMIT and, with --verbose, echoes each comment line of its input
 * when it reaches it: a comment after the last COMMIT, with a fresh nonce ({@link #MARKER}), comes back only once
 * every table of the batch is in the kernel. Nothing else comes back from a batch that went through. Anything else means
 * the batch's effect is unknown (tables before a refused one were committed): a refused line makes the tool print why
 * and exit, a killed or hung tool ends without the echo, and an unexpected line before the echo ends the process too.
 * Each is a {@link KernelException}, which the driver handles as a refused restore (it reads the kernel back); the
 * next batch starts a fresh process.
 *
 * <p>The long-lived process has no stale view of the table: iptables-nft builds its cache of the chains and rules a
 * table's commands name at each COMMIT, resolves rule positions against it, sends the batch with the ruleset's
 * generation (refreshing and retrying when someone else committed in between) and drops the cache after the commit.
 * So a batch sees what other writers (docker, an admin, this driver's own cold-start restores) did before it, exactly
 * as a restore of its own would ({@code IptablesRestoreKernelTest}).
 */
final class IptablesRestore {
    /** Inputs up to this many characters go to the long-lived restore; larger ones to a restore of their own. */
    static final int SESSION_INPUT = 64 * 1024;
    private static final String MARKER = "# @jcalico-committed-";
    /** A line number in the tool's messages, which counts the lines of its whole input. */
    private static final Pattern LINE_NUMBER = Pattern.compile("\\b(line:? )(\\d+)");
    private final CommandRunner runner;
    private final String tool;
    private final ToolSession session;

    IptablesRestore(CommandRunner runner, String tool) {
        this(runner, tool, runner.session(tool, "--noflush", "--verbose", "--wait"));
    }

    /** With the long-lived process run by {@code session}: for tests whose tool ends mid-batch. */
    IptablesRestore(CommandRunner runner, String tool, ToolSession session) {
        this.runner = runner;
        this.tool = tool;
        this.session = session;
    }

    /**
     * Applies the input; returns only when every table of it is committed.
     *
     * @throws KernelException when the tool refused a line, ended or answered anything else: what the input did is
     *                         unknown (the tables before a refused one were committed)
     */
    void apply(String input) {
        if (!input.endsWith("COMMIT\n")) {
            throw new IllegalArgumentException("restore input must end with a table's COMMIT line");
        }
        if (input.length() > SESSION_INPUT) {
            WholeTableCache listed = WholeTableCache.of(input);
            CommandRunner.Result result = runner.run(List.of(tool, "--noflush", "--wait"), listed.input());
            if (!result.ok()) {
                throw new KernelException(listed.numberedAsGiven(result.describe()));
            }
            // the changes that follow a cold start are small: the first of them need not wait for the tool's start
            session.prepare();
            return;
        }
        String marker = MARKER + ToolSession.nonce();
        List<String> answer;
        try {
            answer = session.exchange(input + marker + "\n", marker::equals, lines -> lines.size() == 1);
        } catch (ToolSession.Ended e) {
            if (e.output().isEmpty()) {
                throw e;
            }
            throw new KernelException(numberedInBatch(String.join(" ", e.output().stream().map(String::strip).toList()),
                    e.firstLine()));
        }
        if (answer.size() > 1) {
            session.end();
            throw new KernelException(tool + " printed '" + answer.get(0).strip()
                    + "' before it confirmed its batch, which may or may not have been applied");
        }
    }

    /** The process's id, starting it if needed: for tests that watch it end or kill it. */
    long pid() {
        return session.pid();
    }

    /** The tool's message with each line number of its whole input made one of this batch's. */
    private static String numberedInBatch(String message, long firstLine) {
        return renumbered(message, line -> line >= firstLine ? line - firstLine + 1 : line);
    }

    /** The tool's MESSAGE with each line number N in it replaced by NUMBER(N). */
    static String renumbered(String message, LongUnaryOperator number) {
        Matcher matcher = LINE_NUMBER.matcher(message);
        StringBuilder numbered = new StringBuilder();
        while (matcher.find()) {
            matcher.appendReplacement(numbered, matcher.group(1) + number.applyAsLong(Long.parseLong(matcher.group(2))));
        }
        return matcher.appendTail(numbered).toString();
    }
}
