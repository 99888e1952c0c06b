package org.jcalico.agent;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
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
        assertEquals(8L << 20, flag(result.stdout(), "InitialHeapSize"), "an idle agent's heap starts at 8 MB: from 16 MB its"
                + " young generation, touched whole, kept 1.5-2.5 MB more resident (docs/agent.md, \"Memory\", session 32)");
        assertEquals(512L << 20, flag(result.stdout(), "MaxHeapSize"), "and grows to 512 MB, for 500,000 endpoints");
    }

    /** A numeric flag's value as -XX:+PrintFlagsFinal prints it. */
    private static long flag(String printed, String name) {
        return printed.lines().map(String::trim).filter(line -> line.matches("\\S+\\s+" + name + "\\s+=.*"))
                .mapToLong(line -> Long.parseLong(line.split("\\s+")[3])).findFirst()
                .orElseThrow(() -> new AssertionError(name + " not printed"));
    }

    @Test
    void theSupervisorsJvmStartsWithItsOptions() {
        List<String> command = new ArrayList<>(JvmCommand.supervisor(org.jcalico.datastore.DatastoreUrl.DEFAULT).subList(0, 1));
        command.addAll(JvmCommand.SUPERVISOR_FLAGS);
        command.add("-version");
        CommandRunner.Result result = CommandRunner.local().run(command);
        assertEquals(0, result.exitCode(), result.stderr());
        assertTrue(result.stderr().contains("interpreted mode"), result.stderr());
    }
}
