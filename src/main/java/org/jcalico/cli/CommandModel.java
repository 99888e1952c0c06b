package org.jcalico.cli;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import picocli.CommandLine;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;

/**
 * The commands a command without an agent runs most (the top-level command, `pool list`, `container list` and their
 * parents) are declared through picocli's API rather than its annotations: reading annotations makes the JDK generate
 * a proxy class per annotation type at run time, which no AOT cache keeps, and building those commands by reflection
 * was about 40 ms of a 130 ms command's own CPU (docs/agent.md, "Start-up of a command"). Each of them is declared
 * only here, in this form; CommandModelTest holds what they printed and returned when they were annotated.
 */
final class CommandModel {
    /** The name picocli gives the mixin of mixinStandardHelpOptions, which CommandSpec.mixinStandardHelpOptions() asks for. */
    private static final String STANDARD_HELP = "mixinStandardHelpOptions";

    private CommandModel() {
    }

    /** A command with its description and -h/--help and -V/--version, as {@code mixinStandardHelpOptions} gives them. */
    static CommandSpec command(Object userObject, String name, String description) {
        CommandSpec spec = CommandSpec.wrapWithoutInspection(userObject).name(name);
        spec.usageMessage().description(description);
        return spec.addMixin(STANDARD_HELP, CommandSpec.create()
                .addOption(OptionSpec.builder("-h", "--help").usageHelp(true).type(boolean.class)
                        .descriptionKey("mixinStandardHelpOptions.help").description("Show this help message and exit.").build())
                .addOption(OptionSpec.builder("-V", "--version").versionHelp(true).type(boolean.class)
                        .descriptionKey("mixinStandardHelpOptions.version").description("Print version information and exit.").build()));
    }

    /** The subcommand that prints the help of the command it names (picocli's), where a command has one. */
    static final String HELP = "help";

    /**
     * The command with the subcommands that {@code named} (the word after it, or null) chooses, each built given the
     * word after that: only the one it names, or all of them when it names none, so that `--help`, a bare command or
     * a mistyped word see them all. Only the one run is built since picocli's model of each costs start-up time.
     * `help COMMAND` builds the command it asks about too (all of its subcommands, for its usage), and a bare `help`
     * all of them, as `--help` does.
     */
    static CommandLine withSubcommands(CommandSpec command, String named, String after,
            Map<String, Function<String, Object>> subcommands) {
        CommandLine line = new CommandLine(command);
        boolean help = HELP.equals(named);
        List<String> chosen = help && subcommands.containsKey(after) ? List.of(named, after)
                : !help && subcommands.containsKey(named) ? List.of(named)
                : new ArrayList<>(subcommands.keySet());
        String next = help ? null : after;
        chosen.forEach(name -> line.addSubcommand(name, subcommands.get(name).apply(next)));
        return line;
    }

    /** Subcommands by name, in the order help lists them. */
    @SafeVarargs
    static Map<String, Function<String, Object>> ordered(Map.Entry<String, Function<String, Object>>... entries) {
        Map<String, Function<String, Object>> map = new LinkedHashMap<>();
        for (Map.Entry<String, Function<String, Object>> entry : entries) {
            map.put(entry.getKey(), entry.getValue());
        }
        return map;
    }
}
