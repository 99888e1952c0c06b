package org.jcalico.cli;

import java.io.PrintWriter;
import org.jcalico.datastore.DatastoreException;
import org.jcalico.kernel.KernelException;
import org.jcalico.model.ValidationException;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * Runs one jcalico command. Its errors come in two types: a user error (bad input, an unreachable datastore, a
 * kernel that refused, a command that cannot be done: the exception types of {@link #isUserError}) is one "error:"
 * line and exit status 1 (2 for a malformed command line); anything else is a bug of jcalico's, an internal error:
 * "error: internal error: ..." with its stack trace and exit status 70 (EX_SOFTWARE).
 */
public final class Main {
    public static final int USER_ERROR = 1;
    public static final int INTERNAL_ERROR = 70;
    /** The options of jcalico itself that take a value, as in JcalicoCommand. */
    private static final java.util.Set<String> GLOBAL_OPTIONS = java.util.Set.of("--datastore", "--node", "--etcd-ca",
            "--etcd-cert", "--etcd-key", "--etcd-user", "--etcd-password-file");
    private Main() {
    }

    public static void main(String[] args) {
        System.exit(run(args));
    }

    public static int run(String... args) {
        return run(null, null, args);
    }

    /** With out and err in place of the process's standard output and error (when not null). */
    public static int run(PrintWriter out, PrintWriter err, String... args) {
        CommandLine commandLine = new CommandLine(new JcalicoCommand());
        String requested = commandName(args);
        for (Class<?> command : JcalicoCommand.COMMANDS) {
            String name = command.getAnnotation(Command.class).name();
            if (requested == null || requested.equals(name)) {
                commandLine.addSubcommand(name, command);
            }
        }
        if (requested != null && commandLine.getSubcommands().isEmpty()) {
            JcalicoCommand.COMMANDS.forEach(command -> commandLine.addSubcommand(command.getAnnotation(Command.class).name(), command));
        }
        // after the subcommands are added, which take these settings over only from then on
        if (out != null) {
            commandLine.setOut(out);
        }
        if (err != null) {
            commandLine.setErr(err);
        }
        PrintWriter errors = commandLine.getErr();
        commandLine.setParameterExceptionHandler((e, ignored) -> {
            errors.println("error: " + e.getMessage());
            errors.println("(see '" + e.getCommandLine().getCommandSpec().qualifiedName() + " --help')");
            errors.flush();
            return 2;
        });
        commandLine.setExecutionExceptionHandler((e, cmd, parsed) -> report(e, errors, System.getenv("JCALICO_DEBUG") != null));
        return commandLine.execute(args);
    }

    /** The first word that is not a global option or its value: the command to build. */
    private static String commandName(String[] args) {
        for (int i = 0; i < args.length; i++) {
            if (GLOBAL_OPTIONS.contains(args[i])) {
                i++;
            } else if (!args[i].startsWith("-")) {
                return args[i];
            } else if (!GLOBAL_OPTIONS.contains(args[i].split("=", 2)[0])) {
                return null;
            }
        }
        return null;
    }

    /** Prints a command's failure as its type says, with the stack trace when internal (or asked for); its exit status. */
    static int report(Throwable e, PrintWriter errors, boolean debug) {
        boolean user = isUserError(e);
        errors.println("error: " + (user ? e.getMessage()
                : "internal error: " + e + " (please report it; the stack trace follows)"));
        if (debug || !user) {
            e.printStackTrace(errors);
        }
        errors.flush();
        return user ? USER_ERROR : INTERNAL_ERROR;
    }

    private static boolean isUserError(Throwable e) {
        return e instanceof ValidationException || e instanceof DatastoreException || e instanceof KernelException
                || e instanceof CommandFailure || e instanceof org.jcalico.workload.WorkloadException;
    }

}
