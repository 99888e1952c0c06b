package org.jcalico.testing;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.jcalico.cli.Main;

/** What a user sees of one jcalico command run in this JVM: its exit status, standard output and error output. */
public record CliOutcome(int status, String out, String err) {

    /** Runs the command line leading + args, as `jcalico LEADING... ARGS...` would. */
    public static CliOutcome run(List<String> leading, String... args) {
        List<String> full = new ArrayList<>(leading);
        full.addAll(Arrays.asList(args));
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int status = Main.run(new PrintWriter(out, true), new PrintWriter(err, true), full.toArray(String[]::new));
        return new CliOutcome(status, out.toString(), err.toString());
    }
}
