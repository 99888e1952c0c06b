package org.jcalico.agent;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.jcalico.kernel.CommandRunner;
import org.junit.jupiter.api.Test;

/** The agent's JVM options are ones the JDK that runs it takes: a JVM refuses to start on one it does not know. */
class JvmCommandTest {
    @Test
    void theAgentsJvmStartsWithItsOptions() {
        List<String> command = new ArrayList<>(JvmCommand.jcalico().subList(0, 1));
        command.addAll(JvmCommand.AGENT_FLAGS);
        command.addAll(List.of("-XX:+PrintFlagsFinal", "-version"));
        CommandRunner.Result result = CommandRunner.local().run(command);
        assertEquals(0, result.exitCode(), result.stderr());
        boolean compact = result.stdout().lines().anyMatch(line -> line.matches("\\s*bool UseCompactObjectHeaders\\s+= true.*"));
        assertTrue(compact, "8-byte object headers");
    }

    /**
     * The JIT's compiler threads yield to the agent's own work (JvmCommand says why), and only they: the thread that
     * runs jcalico's code keeps the machine's normal priority.
     */
    @Test
    void theAgentsCompilerThreadsRunAtTheLowestPriorityAndItsOwnAtNormal() {
        List<String> command = new ArrayList<>(JvmCommand.jcalico().subList(0, 1));
        command.addAll(JvmCommand.AGENT_FLAGS);
        command.addAll(List.of("-cp", System.getProperty("java.class.path"), NiceValues.class.getName()));
        CommandRunner.Result result = CommandRunner.local().run(command);
        assertEquals(0, result.exitCode(), result.stderr());
        Map<String, String> nice = result.stdout().lines().map(line -> line.split("=", 2))
                .collect(Collectors.toMap(pair -> pair[0], pair -> pair[1], (a, b) -> a + "," + b, TreeMap::new));
        assertEquals("19", nice.get("C1 CompilerThre"), nice.toString());
        assertEquals("19", nice.get("C2 CompilerThre"), nice.toString());
        // the launcher's thread and main, which the kernel both names after the process
        assertEquals(List.of("0"), Stream.of(nice.get("java").split(",")).distinct().toList(), nice.toString());
    }

    /** Prints each of its JVM's threads as NAME=NICE (from /proc: the names as the kernel keeps them, 15 characters). */
    static final class NiceValues {
        public static void main(String[] args) throws IOException {
            try (Stream<Path> tasks = Files.list(Path.of("/proc/self/task"))) {
                for (Path task : tasks.toList()) {
                    String stat = Files.readString(task.resolve("stat"));
                    String name = stat.substring(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
                    // after the name: state is field 3, nice field 19
                    String nice = stat.substring(stat.lastIndexOf(')') + 2).split(" ")[16];
                    System.out.println(name + "=" + nice);
                }
            }
        }
    }

    @Test
    void theSupervisorsJvmStartsWithItsOptions() {
        List<String> command = new ArrayList<>(JvmCommand.supervisor().subList(0, 1));
        command.addAll(JvmCommand.SUPERVISOR_FLAGS);
        command.add("-version");
        CommandRunner.Result result = CommandRunner.local().run(command);
        assertEquals(0, result.exitCode(), result.stderr());
        assertTrue(result.stderr().contains("interpreted mode"), result.stderr());
    }
}
