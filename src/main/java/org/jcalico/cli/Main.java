package org.jcalico.cli;

import java.io.PrintWriter;
import java.util.SimpleTimeZone;
import java.util.TimeZone;
import org.jcalico.util.Shown;
import picocli.CommandLine;

/**
 * Runs one jcalico command. Its errors come in two types: a user error (bad input, an unreachable datastore, a
 * kernel that refused, a command that cannot be done: see {@link ErrorReport}) is one "error:" line and exit status 1
 * (2 for a malformed command line); anything else is a bug of jcalico's, an internal error: "error: internal error:
 * ..." with its stack trace and exit status 70 (EX_SOFTWARE).
 */
public final class Main {
    /** The options of jcalico itself that take a value, as in JcalicoCommand. */
    static final java.util.Set<String> GLOBAL_OPTIONS = java.util.Set.of("--datastore", "--node", "--etcd-ca",
            "--etcd-cert", "--etcd-key", "--etcd-user", "--etcd-password-file");

    private Main() {
    }

    public static void main(String[] args) {
        int at = commandAt(args);
        String command = at < 0 ? null : args[at];
        String subcommand = at >= 0 && at + 1 < args.length ? args[at + 1] : null;
        quietLibraryLogging();
        fixedTimeZoneFor(command, subcommand);
        Warmup.startFor(command, subcommand);
        int status = runOwnJvm(args);
        if (status == 0 && onlyDaemonThreadsLeft()) {
            return;
        }
        System.exit(status);
    }

    /**
     * Whether this JVM would end as soon as main returns. A command that succeeded then returns rather than calling
     * System.exit, whose JDK 25 logging of the exit first looks up a system logger, and that lookup opens every jar of
     * the class path (about 25 ms of a cold command's CPU here); the JVM then ends as after an exit with status 0,
     * shutdown hooks included. A command that leaves a thread of its own behind still exits.
     */
    private static boolean onlyDaemonThreadsLeft() {
        Thread[] threads = new Thread[Thread.activeCount() + 8];
        int count = Thread.currentThread().getThreadGroup().enumerate(threads);
        for (int i = 0; i < count; i++) {
            if (threads[i] != Thread.currentThread() && !threads[i].isDaemon() && threads[i].isAlive()) {
                return false;
            }
        }
        return count < threads.length;
    }

    /**
     * SQLite's driver logs through SLF4J, which has no provider here: every command, the agent included, names SLF4J's
     * provider that logs nothing, so that SLF4J neither looks for providers (a lookup that opens every jar of the class
     * path, about 17 ms of a cold command's CPU) nor warns that it found none (the driver logs nothing that a command
     * prints; its failures are exceptions, reported as one error line). Before SLF4J starts, so in a JVM of their own
     * only (the test suite's own mains call it too); the start-up cache's training takes the same provider, so that its classes are in the cache (docs/agent.md,
     * "Start-up of a command").
     */
    public static void quietLibraryLogging() {
        System.setProperty("slf4j.provider", "org.slf4j.helpers.NOP_FallbackServiceProvider");
        System.setProperty("slf4j.internal.verbosity", "WARN");
    }

    /**
     * The lists print no time, and of what they run only SQLite's date format reads the JVM's default time zone, for
     * date columns that the store does not have (jcalico writes its own times in UTC, by name): in a JVM of their own
     * they take a fixed UTC zone rather than the system's, which the JDK looks up in its time-zone database (tzdb.dat,
     * read and parsed in the interpreter: 6-8 ms of CPU; docs/agent.md, "Start-up of a command", session 33). Not in
     * the agent, which serves them too, nor for any other command. The lists' cache training calls it as well.
     */
    static void fixedTimeZoneFor(String command, String subcommand) {
        // no command (`jcalico --version`, `--help`): Set.of refuses to look for null
        if (command != null && Warmup.COMMANDS.contains(command) && "list".equals(subcommand)) {
            TimeZone.setDefault(new SimpleTimeZone(0, "UTC"));
        }
    }

    /**
     * Runs the command in a JVM of its own: a plain list without picocli (PlainList), anything else through it. Not
     * in the agent, which serves the lists through {@link #run(PrintWriter, PrintWriter, String...)} as before.
     */
    static int runOwnJvm(String... args) {
        PlainList plain = PlainList.of(args);
        return plain != null ? plain.run() : run(args);
    }

    public static int run(String... args) {
        return run(null, null, args);
    }

    /** With out and err in place of the process's standard output and error (when not null). */
    public static int run(PrintWriter out, PrintWriter err, String... args) {
        return run(out, err, null, args);
    }

    /**
     * As {@link #run(PrintWriter, PrintWriter, String...)}, with LENT (when not null): a datastore open already, which
     * the command uses instead of opening the one its arguments name, and the host's veths; it closes neither. For the
     * agent, which serves commands with its own (AgentDelegation): the caller makes sure that the arguments name that
     * store.
     */
    static int run(PrintWriter out, PrintWriter err, Lent lent, String... args) {
        return run(build(args), out, err, lent, args);
    }

    /**
     * As {@link #run(PrintWriter, PrintWriter, Lent, String...)}, on COMMANDLINE: one that {@link #build} made for
     * arguments naming the same command and subcommand, new or run before (picocli sets every option and parameter
     * back to its initial value before it parses; ServedCommandLines).
     */
    static int run(CommandLine commandLine, PrintWriter out, PrintWriter err, Lent lent, String... args) {
        ((JcalicoCommand) commandLine.getCommandSpec().userObject()).lend(lent);
        // after the subcommands are added, which take these settings over only from then on
        if (out != null) {
            commandLine.setOut(out);
        }
        if (err != null) {
            commandLine.setErr(err);
        }
        PrintWriter errors = commandLine.getErr();
        commandLine.setParameterExceptionHandler((e, ignored) -> {
            errors.println("error: " + Shown.message(e.getMessage()));
            errors.println("(see '" + e.getCommandLine().getCommandSpec().qualifiedName() + " --help')");
            errors.flush();
            return 2;
        });
        commandLine.setExecutionExceptionHandler((e, cmd, parsed) -> ErrorReport.report(e, errors, System.getenv("JCALICO_DEBUG") != null));
        return commandLine.execute(args);
    }

    /** The command line for these arguments: the command they name with the subcommand they name; all, given none. */
    static CommandLine build(String... args) {
        int at = commandAt(args);
        String requested = at < 0 ? null : args[at];
        String next = at >= 0 && at + 1 < args.length ? args[at + 1] : null;
        CommandLine line = CommandModel.withSubcommands(new JcalicoCommand().spec, requested, next, JcalicoCommand.COMMANDS);
        versionEverywhere(line, line.getCommandSpec().versionProvider());
        return line;
    }

    /**
     * Every command's -V/--version (which mixinStandardHelpOptions lists in its usage) prints jcalico's version, as
     * the top level's does: picocli asks the command's own provider, and the subcommands had none (an empty line).
     */
    private static void versionEverywhere(CommandLine line, picocli.CommandLine.IVersionProvider version) {
        for (CommandLine subcommand : line.getSubcommands().values()) {
            if (subcommand.getCommandSpec().version().length == 0) {
                subcommand.getCommandSpec().versionProvider(version);
            }
            versionEverywhere(subcommand, version);
        }
    }

    /** Where the first word that is not a global option or its value is: the command to build; -1 if none. */
    private static int commandAt(String[] args) {
        for (int i = 0; i < args.length; i++) {
            if (GLOBAL_OPTIONS.contains(args[i])) {
                i++;
            } else if (!args[i].startsWith("-")) {
                return i;
            } else if (!GLOBAL_OPTIONS.contains(args[i].split("=", 2)[0])) {
                return -1;
            }
        }
        return -1;
    }
}
