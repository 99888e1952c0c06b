package org.jcalico.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.jcalico.agent.JvmCommand;
import org.jcalico.kernel.CommandRunner;
import org.jcalico.testing.EtcdFixture;
import org.jcalico.testing.KernelTests;
import org.jcalico.testing.TestNamespaces;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * `bench scale` on a small cluster, so that the benchmark behind the README's figures keeps working; with more profiles
 * than the agent's 30 endpoints use, so that its changes must pick profiles whose sets the agent's kernel holds.
 */
@Tag("kernel")
class ScaleBenchmarkIT {
    @Test
    void aSmallClusterGetsItsFiguresAndNothingIsLeftBehind() throws Exception {
        KernelTests.assumeKernel();
        assumeTrue(EtcdFixture.installed(), "etcd-server is not installed");
        List<String> command = new ArrayList<>(JvmCommand.jcalico());
        command.addAll(List.of("bench", "scale", "--nodes", "20", "--endpoints", "600", "--profiles", "50", "--hold", "10"));
        // its namespace after the test's names (a fork's own when classes run at once), as the other tests' are
        String namespaces = TestNamespaces.named("");
        ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true);
        builder.environment().put("JCALICO_BENCH_PREFIX", namespaces);
        Process process = builder.start();
        if (!process.waitFor(180, TimeUnit.SECONDS)) {
            // its etcd and agent are its children, and its namespace would outlive it
            process.descendants().forEach(ProcessHandle::destroyForcibly);
            process.destroyForcibly();
            CommandRunner.local().run("ip", "netns", "delete", namespaces + "jcs-host");
            throw new AssertionError("the benchmark did not finish within 180 s");
        }
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertEquals(0, process.exitValue(), output);
        assertTrue(output.contains("simulated cluster: 20 nodes, 600 endpoints, 50 profiles:"), output);
        assertTrue(output.matches("(?s).*agent of node-0001 \\(30 local endpoints\\): start to in sync \\d+\\.\\d s.*"), output);
        assertTrue(output.matches("(?s).*etcd handing out the same \\d+ keys in the agent's pages.*"), output);
        // the path the start waited on, read from the agent's log, and its CPU: numbers, not NaN (a log line not found)
        assertTrue(output.matches("(?s).*the path waited on: JVM start to the listing ahead \\d+\\.\\d\\d s, the listing read"
                + " and decoded \\d+\\.\\d\\d s, waiting for the loop -?\\d+\\.\\d\\d s, cached and first pass \\d+\\.\\d\\d s;"
                + " the agent's CPU to in sync \\d+\\.\\d\\d s, of it its JIT compilers \\d+\\.\\d\\d s.*; its threads that ran 100 ms"
                + " or more, ms on a core \\(ms waiting for one\\): .*"), output);
        assertTrue(output.matches("(?s).*after a full GC: live heap \\d+ MiB, RSS \\d+ MiB \\(\\d+ MB\\) .*; target <= 150 MiB: (NOT )?met;"
                + " <= 150 MB \\(143\\.1 MiB\\): (NOT )?met;.*"), output);
        assertTrue(output.matches("(?s).*the agent's CPU meanwhile \\d+\\.\\d\\d s, its JIT compilers' \\d+\\.\\d\\d s, its"
                + " collector's \\d+\\.\\d\\d s; its threads that ran 50 ms or more, ms on a core \\(ms waiting for one\\): .*"), output);
        assertTrue(output.matches("(?s).*held idle 10 s more, RSS every 10 s, MiB: \\d+; at the end \\d+ MiB \\(\\d+ MB\\) .*; the agent's CPU"
                + " meanwhile \\d+\\.\\d\\d s \\(\\d+\\.\\d{3} s per 10 s\\).*"), output);
        assertTrue(output.contains("machine load average before / after:"), output);
        assertTrue(output.matches("(?s).*from its commit to the agent's kernel: p50 \\d+ ms, p99 \\d+ ms, max \\d+ ms.*"), output);
        // the readings after the agent's start has settled, and the slowest change with what the agent logged meanwhile
        // (session 65)
        assertTrue(output.matches("(?s).*settled \\d+\\.\\d s after in sync .*"), output);
        assertTrue(output.matches("(?s).*the slowest change \\(\\d+ of \\d+, \\d+ ms, etcd's acknowledgement of its commit \\d+ ms\\) met, in the agent's log: .*"), output);
        assertFalse(CommandRunner.local().run("ip", "netns", "list").stdout().contains(namespaces + "jcs-"), "its namespace is gone");
    }
}
