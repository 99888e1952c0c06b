package org.jcalico.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import org.jcalico.kernel.CommandRunner;
import org.jcalico.kernel.Namespaces;
import org.jcalico.testing.KernelTests;
import org.jcalico.testing.TestNamespaces;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A failed run's record: the host's state where the run's endpoint was, and the agent's lines of the run's time. */
@Tag("kernel")
class FailedRunRecordKernelTest {
    @Test
    void theRecordHoldsTheHostsCountersNeighboursConnectionsRoutesAndTheAgentsLinesOfTheRun(@TempDir Path dir) throws Exception {
        KernelTests.assumeKernel();
        String name = TestNamespaces.named("jcfr-host");
        Namespaces.deleteAll(name);
        CommandRunner host = Namespaces.create(name);
        try {
            host.run("ip", "link", "set", "lo", "up").check();
            host.run("iptables", "-N", "jc-probe").check();
            host.run("iptables", "-A", "jc-probe", "-j", "DROP").check();
            host.run("ip", "link", "add", "jcfr0", "type", "veth", "peer", "name", "jcfr1").check();
            host.run("ip", "neigh", "add", "10.0.0.9", "lladdr", "02:00:00:00:00:09", "dev", "jcfr0").check();
            Path log = dir.resolve("felix.log");
            Files.write(log, List.of(
                    "2026-12-06T08:48:02.209Z INFO  docker NetworkDriver.Join answered in 0 ms",
                    "2026-12-06T08:48:04.526Z INFO  docker NetworkDriver.Join answered in 0 ms",
                    "2026-12-06T08:48:04.600Z ERROR something failed",
                    "java.lang.IllegalStateException: its trace",
                    "2026-12-06T08:48:06.860Z INFO  docker NetworkDriver.Leave answered in 0 ms"));
            CommandRunner.Result failed = new CommandRunner.Result(List.of("docker"), 1, "1 packets transmitted, 0 packets received", "");
            List<String> unread = FailedRunRecord.save(dir.resolve("failed-run-37"), "docker run ... ping -c1 -W 2 10.71.0.0",
                    Instant.parse("2026-12-06T08:48:04.900Z"), Instant.parse("2026-12-06T08:48:07.000Z"), failed, host, log);

            Path record = dir.resolve("failed-run-37");
            assertEquals(List.of(), unread, "every part read");
            assertTrue(Files.readString(record.resolve("run.txt")).contains("0 packets received"), "the run's output");
            assertTrue(Files.readString(record.resolve("run.txt")).contains("started 2026-12-06T08:48:04.900Z"), "its start");
            assertTrue(Files.readString(record.resolve("iptables-counters.txt")).contains("-A jc-probe -j DROP"),
                    "the host's rules with counters: " + Files.readString(record.resolve("iptables-counters.txt")));
            assertTrue(Files.readString(record.resolve("iptables-counters.txt")).contains("[0:0] -A jc-probe"), "counted");
            assertTrue(Files.readString(record.resolve("neighbours.txt")).contains("10.0.0.9 dev jcfr0"), "the host's neighbours");
            assertTrue(Files.readString(record.resolve("links.txt")).contains("lo:"), "its links with their counters");
            assertTrue(Files.exists(record.resolve("conntrack.txt")) && Files.exists(record.resolve("routes.txt")));
            assertEquals(List.of(
                    "2026-12-06T08:48:04.526Z INFO  docker NetworkDriver.Join answered in 0 ms",
                    "2026-12-06T08:48:04.600Z ERROR something failed",
                    "java.lang.IllegalStateException: its trace",
                    "2026-12-06T08:48:06.860Z INFO  docker NetworkDriver.Leave answered in 0 ms"),
                    Files.readAllLines(record.resolve("agent-log.txt")), "the agent's lines from a second before the run's start");
        } finally {
            Namespaces.delete(name);
        }
    }
}
