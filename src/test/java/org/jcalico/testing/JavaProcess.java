package org.jcalico.testing;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import org.jcalico.agent.JvmCommand;

/** Starts a main class of this test classpath in a separate JVM: a second process, as a second user would be. */
public final class JavaProcess {
    private JavaProcess() {
    }

    /** Its error output goes to the test's own. */
    public static Process start(Class<?> main, String... args) throws IOException {
        return builder(main, args).redirectError(ProcessBuilder.Redirect.INHERIT).start();
    }

    /** The process to start, for a test that reads its error output. */
    public static ProcessBuilder builder(Class<?> main, String... args) {
        return new ProcessBuilder(command(List.of("-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1"), main, args));
    }

    /**
     * The command line of a JVM with OPTIONS running MAIN with ARGS, for a test that starts it under another command
     * (in a namespace, a mount namespace). SQLite's library is given by path as to the JVMs jcalico starts: unpacked
     * by each, it was left in /tmp by every one a test killed (1 MB each, some twenty a run of the suite).
     */
    public static List<String> command(List<String> options, Class<?> main, String... args) {
        List<String> command = new ArrayList<>(List.of(ProcessHandle.current().info().command().orElse("java")));
        command.addAll(options);
        command.addAll(CommandJvm.passedOn());
        command.addAll(List.of("--enable-native-access=ALL-UNNAMED", "-cp", System.getProperty("java.class.path"),
                main.getName()));
        command.addAll(List.of(args));
        return command;
    }

    /** As {@link #command}, in a JVM of the agent's flags before OPTIONS: a probe of what the agent's JVM does. */
    public static List<String> withAgentFlags(List<String> options, Class<?> main, String... args) {
        List<String> flags = new ArrayList<>(JvmCommand.AGENT_FLAGS);
        flags.addAll(options);
        return command(flags, main, args);
    }

    /** What MAIN with ARGS printed (both outputs), run to its end in a JVM of the agent's flags; it must exit 0. */
    public static String outputWithAgentFlags(Class<?> main, String... args) throws IOException, InterruptedException {
        Process process = new ProcessBuilder(withAgentFlags(List.of(), main, args)).redirectErrorStream(true).start();
        String out = new String(process.getInputStream().readAllBytes());
        int exit = process.waitFor();
        if (exit != 0) {
            throw new AssertionError(main.getSimpleName() + " exited " + exit + ": " + out);
        }
        return out;
    }
}
