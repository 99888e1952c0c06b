package org.jcalico.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.jcalico.agent.JvmCommand;
import org.jcalico.lab.LabLayout;
import org.junit.jupiter.api.Test;

/**
 * Every bench that builds a lab names it after JCALICO_BENCH_PREFIX, as the benches' namespaces are, so that people
 * sharing a machine, each with a prefix of their own, never take down each other's lab (a bench removes its lab at its
 * start). A prefix that leaves no room for the lab's name is one error line before anything is made, and each default
 * name leaves room for a prefix of 4 characters (the lanes' are 3).
 */
class BenchLabPrefixTest {
    private static final List<String> LAB_BENCHES = List.of("attach", "docker", "cni", "throughput", "cli", "idle");
    private static final int ROOM = 4;

    @Test
    void everyLabBenchPutsItsLabAfterThePrefixAndRefusesOneTooLongInOneLine() throws IOException, InterruptedException {
        // one character more than a default name of ROOM characters leaves: each bench must refuse, naming its lab
        String prefix = "x".repeat(LabLayout.MAX_NAME - ROOM + 1);
        Pattern refusal = Pattern.compile("error: lab name: '" + prefix + "(\\w{1," + ROOM + "})' \\(JCALICO_BENCH_PREFIX '"
                + prefix + "' before '(\\w+)'\\) is longer than " + LabLayout.MAX_NAME + " characters; give a shorter --lab\n");
        for (String bench : LAB_BENCHES) {
            List<String> command = new ArrayList<>(JvmCommand.command());
            command.addAll(List.of("bench", bench));
            ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true);
            builder.environment().put("JCALICO_BENCH_PREFIX", prefix);
            Process process = builder.start();
            String output;
            try {
                output = new String(process.getInputStream().readAllBytes());
                assertTrue(process.waitFor(60, TimeUnit.SECONDS), "bench " + bench + " still running");
            } finally {
                process.destroyForcibly();
            }
            Matcher matcher = refusal.matcher(output);
            assertTrue(matcher.matches() && matcher.group(1).equals(matcher.group(2)),
                    "bench " + bench + ": its default lab after the prefix, refused in one line: " + output);
            assertEquals(ErrorReport.USER_ERROR, process.exitValue(), "bench " + bench + ": " + output);
        }
    }
}
