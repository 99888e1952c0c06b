package org.jcalico.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;

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
}
