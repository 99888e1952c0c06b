package org.jcalico.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.jcalico.testing.JavaProcess;
import org.jcalico.testing.KernelTests;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * An agent stopped through its handle ({@link org.jcalico.agent.AgentStop}) has stopped when the request returns: its
 * loop's thread has ended and so have its background threads, which use the store (the intent sweeper, the block
 * reserver, the served paths' warm-up, which runs served commands). Root's cache training runs an agent inside its own JVM and stops it so before the JVM writes the cache;
 * session 67's p-idle2 left them running, and the sweeper's next round wrote into the agent's directory after the
 * training had deleted it (docs/agent.md, "Session 68 (p-idle3)").
 */
class AgentStopTest {
    @TempDir
    Path dir;

    @Test
    void anAgentStoppedThroughItsHandleLeavesNoThreadOfItsOwnRunning() throws Exception {
        KernelTests.assumeKernel();
        // the agent programs its driver: in a network namespace of its own, only a loopback in it
        List<String> command = new ArrayList<>(List.of("unshare", "--net", "--"));
        command.addAll(JavaProcess.command(List.of("-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1"), AgentStopMain.class,
                dir.toString()));
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        assertTrue(process.waitFor(120, TimeUnit.SECONDS), "the agent started and stopped within 2 minutes");
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertEquals(0, process.exitValue(), output);
        assertTrue(output.contains("in sync: true"), output);
        assertTrue(output.contains("the agent's thread alive: false"), output);
        List<String> left = output.lines().filter(line -> line.startsWith("thread "))
                .filter(line -> line.contains("\"intent-sweeper\"") || line.contains("\"block-reserver\"")
                        || line.contains("\"jcalico-warm-up\"")).toList();
        assertEquals(List.of(), left, "the agent's threads still running after its stop: " + output);
    }
}
