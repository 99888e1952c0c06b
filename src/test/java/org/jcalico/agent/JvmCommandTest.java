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
    }

    /**
     * A change's garbage (about 2 MB at 1,000 endpoints) dies young: the young generation is never the 3-4 MB a fifth of
     * a small heap gives, and its survivor spaces hold what a change in flight still holds at a collection
     * (docs/agent.md, "Memory").
     */
    @Test
    void theAgentsYoungGenerationHoldsAChangesGarbage() {
        List<String> command = new ArrayList<>(JvmCommand.jcalico().subList(0, 1));
        command.addAll(JvmCommand.AGENT_FLAGS);
        command.addAll(List.of("-XX:+PrintFlagsFinal", "-version"));
        String flags = CommandRunner.local().run(command).check().stdout();
        assertTrue(flag(flags, "NewSize") >= 12L << 20, "young generation of at least 12 MB");
        assertEquals(4, flag(flags, "SurvivorRatio"), "survivor spaces a sixth of the young generation each");
    }

    private static long flag(String flags, String name) {
        return flags.lines().map(String::strip).filter(line -> line.matches("\\S+ " + name + "\\s+=.*")).findFirst()
                .map(line -> Long.parseLong(line.split("=")[1].strip().split("\\s+")[0]))
                .orElseThrow(() -> new AssertionError("no flag " + name));
    }
}
