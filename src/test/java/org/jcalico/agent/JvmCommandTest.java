package org.jcalico.agent;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
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
        assertEquals(Runtime.version().feature() >= 25, compact, "8-byte object headers from JDK 25 on");
    }

    @Test
    void compactHeadersOnlyWhereTheyAreAProductOption() {
        assertTrue(JvmCommand.agentFlags(25).contains("-XX:+UseCompactObjectHeaders"));
        // experimental in 24, unknown before: either JVM would refuse to start
        assertFalse(JvmCommand.agentFlags(24).contains("-XX:+UseCompactObjectHeaders"));
        assertFalse(JvmCommand.agentFlags(21).contains("-XX:+UseCompactObjectHeaders"));
    }
}
