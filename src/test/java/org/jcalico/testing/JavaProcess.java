package org.jcalico.testing;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

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
        List<String> command = new ArrayList<>(List.of(ProcessHandle.current().info().command().orElse("java"),
                "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1", "--enable-native-access=ALL-UNNAMED",
                "-cp", System.getProperty("java.class.path"), main.getName()));
        command.addAll(List.of(args));
        return new ProcessBuilder(command);
    }
}
