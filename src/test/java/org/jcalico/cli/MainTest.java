package org.jcalico.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import org.jcalico.agent.JvmCommand;
import org.junit.jupiter.api.Test;

/** jcalico's entry point as the launcher runs it, in a JVM of its own. */
class MainTest {
    /** Only options, no command: what Main does per command (the lists' time zone, the warm-up) must let them through. */
    @Test
    void optionsWithoutACommandAnswer() throws IOException, InterruptedException {
        for (String option : List.of("--version", "--help")) {
            List<String> command = new ArrayList<>(JvmCommand.command());
            command.add(option);
            Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
            String output = new String(process.getInputStream().readAllBytes());
            assertEquals(0, process.waitFor(), "jcalico " + option + ": " + output);
        }
    }

    /** Every command lists -V/--version in its usage (mixinStandardHelpOptions): it prints jcalico's version there too. */
    @Test
    void everyCommandsVersionOptionPrintsTheVersion() {
        String version = String.join("\n", new VersionCommand.Provider().getVersion()) + "\n";
        for (List<String> args : List.of(List.of("-V"), List.of("pool", "-V"), List.of("pool", "list", "--version"),
                List.of("container", "add", "-V"), List.of("container", "list", "-o", "json", "-V"),
                List.of("node", "start", "--version"), List.of("version", "-V"), List.of("bench", "felix", "-V"))) {
            java.io.StringWriter out = new java.io.StringWriter();
            java.io.StringWriter err = new java.io.StringWriter();
            int status = Main.run(new java.io.PrintWriter(out, true), new java.io.PrintWriter(err, true), args.toArray(String[]::new));
            assertEquals(version + "|" + "|0", out.toString().replace("\r", "") + "|" + err + "|" + status, String.join(" ", args));
        }
        assertTrue(version.startsWith("jcalico "), version);
    }
}
