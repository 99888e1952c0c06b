package org.jcalico.workload;

import java.io.IOException;

/**
 * Fault injection for the crash-consistency test: when $JCALICO_TEST_CRASH_AT names the step just reached, the
 * process kills itself with SIGKILL there, as a power cut or the OOM killer would. Only tests set the variable.
 */
final class CrashPoint {
    static final String VARIABLE = "JCALICO_TEST_CRASH_AT";
    private static final String CHOSEN = System.getenv(VARIABLE);

    private CrashPoint() {
    }

    static void reach(String step) {
        if (!step.equals(CHOSEN)) {
            return;
        }
        try {
            new ProcessBuilder("kill", "-KILL", String.valueOf(ProcessHandle.current().pid())).inheritIO().start().waitFor();
            Thread.sleep(1000);
        } catch (IOException | InterruptedException e) {
            // no kill(1): end as abruptly as the JVM allows
        }
        Runtime.getRuntime().halt(137);
    }
}
