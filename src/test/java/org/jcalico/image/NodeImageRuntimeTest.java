package org.jcalico.image;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import org.jcalico.felix.StartPeak;
import org.junit.jupiter.api.Test;

/**
 * The node image's Java runtime is this JDK cut down by jlink to {@link NodeImage#MODULES}: what the agent runs must
 * find its classes there. Checked without building an image: a JVM of this JDK limited to those modules
 * (--limit-modules) is the runtime jlink makes of them, and jdeps names the modules that jcalico's own classes use.
 */
class NodeImageRuntimeTest {
    private static final Path JAVA_HOME = Path.of(System.getProperty("java.home"));

    /** The agent's start sizes its heap through the JVM's diagnostic bean (StartPeak): in the image too. */
    @Test
    void theAgentsStartRunsOnTheImagesModules() throws IOException, InterruptedException {
        Process process = new ProcessBuilder(JAVA_HOME.resolve("bin/java").toString(), "-XX:+UseSerialGC",
                "--limit-modules", String.join(",", NodeImage.MODULES), "-cp", System.getProperty("java.class.path"),
                Start.class.getName()).redirectErrorStream(true).start();
        String output = new String(process.getInputStream().readAllBytes());
        assertEquals(0, process.waitFor(), output);
        assertTrue(output.contains("MB committed"), output);
    }

    /** jdeps of jcalico's own classes (its libraries' needs are in MODULES' comment): every module it names is there. */
    @Test
    void theImageHasEveryModuleThatJcalicosClassesUse() throws IOException, InterruptedException {
        Path classes = Path.of(StartPeak.class.getProtectionDomain().getCodeSource().getLocation().getPath());
        Process process = new ProcessBuilder(JAVA_HOME.resolve("bin/jdeps").toString(), "--multi-release",
                String.valueOf(Runtime.version().feature()), "--print-module-deps", "--ignore-missing-deps", classes.toString())
                .redirectErrorStream(true).start();
        String output = new String(process.getInputStream().readAllBytes()).strip();
        assertEquals(0, process.waitFor(), output);
        List<String> used = Arrays.asList(output.lines().reduce((first, last) -> last).orElse("").split(","));
        assertTrue(NodeImage.MODULES.containsAll(used), "jdeps: " + output + "; the image: " + NodeImage.MODULES);
    }

    /** What the agent's start calls of the JVM's management, in a JVM of its own. */
    public static final class Start {
        public static void main(String[] args) {
            System.out.println(StartPeak.makeRoom());
            System.out.println(StartPeak.giveBack());
        }
    }
}
