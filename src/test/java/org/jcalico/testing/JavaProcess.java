package org.jcalico.testing;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

/** Starts a main class of this test classpath in a separate JVM: a second process, as a second user would be. */
public final class JavaProcess {
    private JavaProcess() {
    }

    public static Process start(Class<?> main, String... args) throws IOException {
        List<String> command = new ArrayList<>(List.of(ProcessHandle.current().info().command().orElse("java"),
                "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1", "--enable-native-access=ALL-UNNAMED",
                "-cp", System.getProperty("java.class.path"), main.getName()));
        command.addAll(List.of(args));
        return new ProcessBuilder(command).redirectError(ProcessBuilder.Redirect.INHERIT).start();
    }
}
