package org.jcalico.kernel;

import java.util.List;
import java.util.function.BiConsumer;

/**
 * Runs a tool once per batch, as {@link CommandRunner#run(List, String)} does, but started by a long-lived shell in
 * the runner's namespace rather than by the JVM: the shell's fork and one exec cost a few milliseconds, where the
 * JVM's launch (its spawn helper, then the tool) cost 2-4 times that on this machine, loaded or not. The tool is a
 * fresh process each time (ip must not be long-lived: it keeps interface indexes for its whole life), its input is a
 * here-document with a quoted delimiter (taken literally), its standard output is discarded and its error and exit
 * status are what the caller gets, exactly as from the runner.
 *
 * <p>A shell that ends, is killed or does not answer within the runner's timeout is a {@link ToolSession.Ended}:
 * what the tool did is unknown. Large inputs (a cold start) go to a process the runner starts, which the JVM feeds
 * without the shell parsing megabytes of here-document.
 */
public final class ToolShell {
    /** Inputs up to this many characters go through the shell; larger ones to a process of their own. */
    static final int MAX_INPUT = 64 * 1024;
    private final CommandRunner runner;
    private final ToolSession shell;
    private final BiConsumer<String, Boolean> observer;

    ToolShell(CommandRunner runner, ToolSession shell, BiConsumer<String, Boolean> observer) {
        this.runner = runner;
        this.shell = shell;
        this.observer = observer;
    }

    /**
     * The tool's exit status and what it wrote to its standard error (its standard output is not kept); never throws
     * for a non-zero exit.
     *
     * @throws ToolSession.Ended when the shell ended or did not answer: whether the tool ran, and how far, is unknown
     */
    public CommandRunner.Result run(List<String> args, String stdin) {
        if (stdin.length() > MAX_INPUT) {
            return runner.run(args, stdin);
        }
        return throughShell(args, stdin);
    }

    /**
     * As {@link #run(List, String)}, for an input made as it is written: a large one is written to the tool's process
     * as it is made (the tool working on its first lines meanwhile), a small one made whole and sent through the shell.
     */
    public CommandRunner.Result run(List<String> args, ToolInput stdin) {
        return stdin.length() > MAX_INPUT ? runner.run(args, stdin) : throughShell(args, stdin.text());
    }

    /** Ends the shell, if it runs (it also ends after an idle while); a later run starts another. */
    public void end() {
        shell.end();
    }

    private CommandRunner.Result throughShell(List<String> args, String stdin) {
        // unguessable for each run, so that no line of the input ends the here-document and no line the tool prints
        // passes for the shell's answer
        String nonce = ToolSession.nonce();
        String delimiter = "@jcalico-input-" + nonce;
        String exit = "@jcalico-exit-" + nonce + " ";
        StringBuilder script = new StringBuilder();
        for (String arg : args) {
            script.append(CommandText.shellQuoted(CommandText.argument(arg))).append(' ');
        }
        script.append("2>&1 >/dev/null <<'").append(delimiter).append("'\n").append(stdin);
        if (!stdin.isEmpty() && !stdin.endsWith("\n")) {
            script.append('\n');
        }
        // the status on a line of its own, whether or not the tool's last line ended
        script.append(delimiter).append("\nprintf '\\n").append(exit).append("%s\\n' $?\n");
        List<String> output = shell.exchange(script.toString(), line -> line.startsWith(exit));
        int exitCode = Integer.parseInt(output.get(output.size() - 1).substring(exit.length()));
        String stderr = String.join("\n", output.subList(0, output.size() - 1));
        observer.accept(args.get(0), exitCode == 0);
        return new CommandRunner.Result(runner.command(args), exitCode, "", stderr);
    }
}
