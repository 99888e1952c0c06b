package org.jcalico.cli;

import java.io.BufferedWriter;
import java.io.OutputStream;
import java.io.OutputStreamWriter;
import java.io.PrintWriter;
import java.nio.charset.Charset;
import java.util.Map;

/**
 * `pool list` and `container list` in their plain shapes, run without picocli: building picocli's model of jcalico
 * and the list and parsing with it is 15-21 ms of a cold list's CPU, the largest part of its start that is ours
 * (docs/agent.md, "Start-up of a command", session 33). The shapes: `[--datastore URL | --datastore=URL] pool|container
 * list [-o FORMAT | --output FORMAT | --output=FORMAT]`, FORMAT table, json or yaml, each option at most once, no value
 * empty or starting with '-' or '@'. Every other command line, a malformed one, `--help` and the like, is not one of
 * them and goes to picocli, so its errors and help stay picocli's. What a shape prints and its exit status are
 * picocli's path's byte for byte: the same list code, the same writers, the same error report (PlainListTest).
 */
final class PlainList {
    private final String command;
    private final String datastore;
    private final OutputOption.Format format;

    private PlainList(String command, String datastore, OutputOption.Format format) {
        this.command = command;
        this.datastore = datastore;
        this.format = format;
    }

    /** The plain list these arguments name, or null when they are anything else. */
    static PlainList of(String... args) {
        String datastore = null;
        int at = 0;
        if (args.length > 0 && args[0].startsWith("--datastore=")) {
            datastore = args[0].substring("--datastore=".length());
            at = 1;
        } else if (args.length > 1 && args[0].equals("--datastore")) {
            datastore = args[1];
            at = 2;
        }
        if (at > 0 && !plainValue(datastore)) {
            return null;
        }
        if (args.length - at < 2 || !Warmup.COMMANDS.contains(args[at]) || !args[at + 1].equals("list")) {
            return null;
        }
        String command = args[at];
        String format = "table";
        int rest = args.length - at - 2;
        if (rest == 1 && args[at + 2].startsWith("--output=")) {
            format = args[at + 2].substring("--output=".length());
        } else if (rest == 2 && (args[at + 2].equals("-o") || args[at + 2].equals("--output"))) {
            format = args[at + 3];
        } else if (rest != 0) {
            return null;
        }
        for (OutputOption.Format known : OutputOption.Format.values()) {
            if (known.name().equals(format)) {
                return new PlainList(command, datastore, known);
            }
        }
        return null;
    }

    /** Whether picocli takes VALUE as it is: not empty, not an option's name, not an @file to expand. */
    private static boolean plainValue(String value) {
        return !value.isEmpty() && !value.startsWith("-") && !value.startsWith("@");
    }

    /** Runs the list, printing where picocli's own writers would; its exit status. */
    int run() {
        return run(writer(System.out, System.getProperty("sun.stdout.encoding")),
                writer(System.err, System.getProperty("sun.stderr.encoding")));
    }

    /** Runs the list, printing to OUT and its error to ERR, as Main.run with them does; its exit status. */
    int run(PrintWriter out, PrintWriter err) {
        try {
            Session session = new Session(datastore, Map.of(), null, out);
            if (command.equals("pool")) {
                PoolCommand.ListPools.print(session, format);
            } else {
                ContainerCommand.ListContainers.print(session, format);
            }
            return 0;
        } catch (Exception e) {
            // as picocli hands what a command threw to Main's handler; an Error leaves main, as from picocli
            return ErrorReport.report(e, err, System.getenv("JCALICO_DEBUG") != null);
        }
    }

    /** A writer as picocli makes for its standard output and error when none is set (CommandLine.newPrintWriter). */
    private static PrintWriter writer(OutputStream stream, String encoding) {
        Charset charset = Charset.defaultCharset();
        if (encoding != null) {
            try {
                charset = Charset.forName("cp65001".equalsIgnoreCase(encoding) ? "UTF-8" : encoding);
            } catch (RuntimeException e) {
                // picocli too falls back to the default charset
            }
        }
        return new PrintWriter(new BufferedWriter(new OutputStreamWriter(stream, charset)), true);
    }
}
