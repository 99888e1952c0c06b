package org.jcalico.cli;

import java.io.PrintWriter;
import java.util.List;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Help;
import picocli.CommandLine.IHelpCommandInitializable2;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Parameters;

/**
 * `jcalico help [COMMAND [SUBCOMMAND...]]`: the help --help would print. picocli's own help command takes one word, so
 * `help container add` printed container's help and ignored `add`; this one follows the words down, as git and kubectl
 * users expect, and a word that names no command is a usage error as a mistyped command is.
 */
@Command(name = CommandModel.HELP, helpCommand = true, synopsisHeading = "Usage: ", description = {
        "Display help information about the specified command.", "",
        "When no COMMAND is given, the usage help for the main command is displayed.",
        "If a COMMAND (and its subcommands) is given, the help for that command is shown.", ""})
final class HelpCommand implements IHelpCommandInitializable2, Runnable {
    @Option(names = {"-h", "--help"}, usageHelp = true, description = "Show usage help for the help command and exit.")
    private boolean helpRequested;

    @Parameters(paramLabel = "COMMAND", arity = "0..*", description = "The command, and its subcommands, to display the usage help message for.")
    private List<String> commands = List.of();

    private CommandLine self;
    private PrintWriter out;
    private Help.ColorScheme colors;

    @Override
    public void init(CommandLine helpCommandLine, Help.ColorScheme colorScheme, PrintWriter out, PrintWriter err) {
        this.self = helpCommandLine;
        this.colors = colorScheme;
        this.out = out;
    }

    @Override
    public void run() {
        CommandLine command = self.getParent();
        for (String name : commands) {
            CommandLine sub = command.getSubcommands().get(name);
            if (sub == null) {
                throw new ParameterException(self, "Unknown command '" + name + "' in '"
                        + command.getCommandSpec().qualifiedName() + "'.");
            }
            command = sub;
        }
        command.usage(out, colors);
    }
}
