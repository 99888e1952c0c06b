package org.jcalico.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import org.jcalico.cli.Main;
import org.jcalico.kernel.CommandRunner;
import org.jcalico.kernel.Namespaces;
import org.jcalico.testing.JavaProcess;
import org.jcalico.testing.KernelTests;
import org.jcalico.testing.TestNamespaces;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * `bench add` keeps to its namespaces' prefix as the other benches do (after JCALICO_BENCH_PREFIX): until session 47 it
 * made and removed "jcb7-add-*" whatever the prefix said, so two people benching on one machine removed each other's
 * namespaces mid-run. And it compares the two stores within one run, round by round: a comparison of one store's
 * rounds with the other's taken minutes apart would read the machine's load as the store's cost.
 */
@Tag("kernel")
class AddBenchmarkKernelTest {
    @BeforeAll
    static void needsTheKernel() {
        KernelTests.assumeKernel();
    }

    @Test
    void itsNamespacesCarryTheBenchPrefix() throws Exception {
        String prefix = TestNamespaces.named("jctab-");
        ProcessBuilder builder = JavaProcess.builder(Main.class, "bench", "add", "--endpoints", "100", "--count", "2")
                .redirectErrorStream(true);
        builder.environment().put("JCALICO_BENCH_PREFIX", prefix);
        Process bench = builder.start();
        ByteArrayOutputStream output = new ByteArrayOutputStream();
        Thread reader = Thread.ofVirtual().start(() -> {
            try {
                bench.getInputStream().transferTo(output);
            } catch (java.io.IOException e) {
                // the process ended: what was read is the output
            }
        });
        Set<String> seen = new TreeSet<>();
        while (bench.isAlive()) {
            Namespaces.list().stream().filter(name -> name.contains("jcb7-add-")).forEach(seen::add);
            Thread.sleep(10);
        }
        reader.join();
        String out = output.toString();
        assertEquals(0, bench.waitFor(), out);
        assertTrue(out.contains("bench add: embedded"), out);
        assertFalse(seen.isEmpty(), "no namespace of the bench seen while it ran: " + out);
        for (String name : seen) {
            assertTrue(name.startsWith(prefix + "jcb7-add-"), "a namespace of the bench outside its prefix '" + prefix + "': " + name);
        }
        assertTrue(Namespaces.list().stream().noneMatch(name -> name.startsWith(prefix)), "left: " + Namespaces.list());
    }

    @Test
    void everyRoundRunsBothStoresOneAfterTheOther(@TempDir Path dir) throws Exception {
        Path rounds = dir.resolve("rounds.csv");
        int count = 20;
        ProcessBuilder builder = JavaProcess.builder(Main.class, "bench", "add", "--endpoints", "300", "--count",
                String.valueOf(count), "--rounds-file", rounds.toString()).redirectErrorStream(true);
        builder.environment().put("JCALICO_BENCH_PREFIX", TestNamespaces.named("jctab-"));
        Process bench = builder.start();
        String out = new String(bench.getInputStream().readAllBytes());
        assertEquals(0, bench.waitFor(), out);
        assertTrue(out.contains("filled the second store with `bench generate`'s cluster: 3 nodes, 300 endpoints"), out);
        for (String line : List.of("add +300 endpoints", "add +empty store", "remove +p99 .*95 % interval",
                "target <= 1.2x at p50 and p99 of the add and the remove: ")) {
            assertTrue(java.util.regex.Pattern.compile("(?m)^  " + line).matcher(out).find(), line + " in: " + out);
        }

        List<String> lines = Files.readAllLines(rounds);
        assertEquals("round,store,started_ms,add_ms,add_in_datastore_ms,remove_ms,remove_in_datastore_ms", lines.getFirst());
        List<String[]> cycles = lines.subList(1, lines.size()).stream().map(line -> line.split(",")).toList();
        assertEquals(2 * count, cycles.size(), String.join("\n", lines));
        double started = -1;
        for (int i = 0; i < cycles.size(); i++) {
            String[] cycle = cycles.get(i);
            // in the order they ran, the two stores' cycles of round r are the (2r)th and (2r+1)th: no store's
            // rounds run apart from the other's
            assertEquals(String.valueOf(i / 2), cycle[0], "cycle " + i + " ran in another round: " + String.join("\n", lines));
            double start = Double.parseDouble(cycle[2]);
            assertTrue(start > started, "cycles out of the order they ran: " + String.join("\n", lines));
            started = start;
            double add = Double.parseDouble(cycle[3]);
            double addInStore = Double.parseDouble(cycle[4]);
            assertTrue(addInStore > 0 && addInStore < add, "the add's datastore part outside the add: " + lines.get(i + 1));
        }
        for (int round = 0; round < count; round++) {
            Set<String> stores = Set.of(cycles.get(2 * round)[1], cycles.get(2 * round + 1)[1]);
            assertEquals(Set.of("empty", "full"), stores, "round " + round + ": " + String.join("\n", lines));
        }
        assertTrue(Namespaces.list().stream().noneMatch(name -> name.contains("jctab-jcb7-add")), "left: " + Namespaces.list());
    }

    /**
     * On etcd the bench prints etcd's own stamps beside the client's times of the same calls (session 68: the add's
     * p99 on etcd could not be told, and where its tail lay was not known): they count the same requests, every read
     * and commit of the measured rounds one Range or Txn, so a stamp read from another series, or over another
     * stretch of time, shows as another count. And the two stores' calls are paired call by call, the n-th of a
     * round with the n-th: both make the same calls. The members keep their data where --data-dir says (/dev/shm takes
     * the shared disk's fsync stalls off both stores), and nothing of it stays.
     */
    @Test
    void onEtcdEtcdsOwnStampsCountTheSameCallsAsTheClient(@TempDir Path dir) throws Exception {
        ProcessBuilder builder = JavaProcess.builder(Main.class, "bench", "add", "--datastore", "etcd", "--endpoints", "100",
                "--count", "6", "--data-dir", dir.toString()).redirectErrorStream(true);
        builder.environment().put("JCALICO_BENCH_PREFIX", TestNamespaces.named("jctab-"));
        Process bench = builder.start();
        String out = new String(bench.getInputStream().readAllBytes());
        assertEquals(0, bench.waitFor(), out);
        String cell = ": \\S+ / \\S+ / \\S+";
        java.util.regex.Matcher row = java.util.regex.Pattern.compile("(?m)^  (empty store|100 endpoints)"
                + (" +([\\d,]+)" + cell).repeat(6) + " +([\\d.]+) / (\\d+)$").matcher(out);
        Set<String> stores = new TreeSet<>();
        while (row.find()) {
            stores.add(row.group(1));
            int reads = count(row.group(2));
            int commits = count(row.group(3));
            int txns = count(row.group(4));
            int ranges = count(row.group(5));
            assertTrue(commits >= 6 * 3, "an add, a remove and a probe commit at least once a round: " + row.group());
            assertEquals(reads + commits, txns + ranges, "the client's calls against etcd's: " + row.group());
            assertTrue(count(row.group(6)) >= commits, "a commit is a fsync of etcd's log at least: " + row.group());
            assertTrue(Double.parseDouble(row.group(8)) > 0, "the member worked for the calls: " + row.group());
        }
        assertEquals(Set.of("empty store", "100 endpoints"), stores, out);
        assertTrue(out.contains("both stores' files in " + dir + " (--data-dir)"), out);
        try (var left = Files.list(dir)) {
            assertEquals(List.of(), left.toList(), "the stores' files left behind");
        }
        for (String kind : List.of("reads", "commits")) {
            assertTrue(java.util.regex.Pattern.compile("(?m)^  " + kind + " +p99 [\\d.]+x, 95 % interval").matcher(out).find(),
                    "the " + kind + " paired call by call: " + out);
        }
    }

    /**
     * `bench add` killed (kill -9, the OOM killer, a CI job's timeout) left its two etcd members running for good, and
     * its scratch directory with both stores (in memory, with --data-dir /dev/shm) until someone found them. Its
     * members now die with it, and its next run removes what a killed run of the same prefix left, as it removes that
     * run's namespaces.
     */
    @Test
    void aKilledBenchLeavesNoEtcdRunningAndItsNextRunRemovesItsFiles(@TempDir Path dir) throws Exception {
        String prefix = TestNamespaces.named("jctab-");
        ProcessBuilder builder = JavaProcess.builder(Main.class, "bench", "add", "--datastore", "etcd", "--endpoints", "100",
                "--count", "1000", "--data-dir", dir.toString()).redirectErrorStream(true);
        builder.environment().put("JCALICO_BENCH_PREFIX", prefix);
        Process bench = builder.start();
        List<ProcessHandle> members;
        StringBuilder out = new StringBuilder();
        try (java.io.BufferedReader lines = bench.inputReader()) {
            String line;
            while ((line = lines.readLine()) != null && !line.startsWith("filled the second store")) {
                out.append(line).append('\n');
            }
            members = ProcessHandle.allProcesses().filter(process -> process.info().command().orElse("").endsWith("/etcd")
                    && process.info().commandLine().orElse("").contains(dir.toString())).toList();
            bench.destroyForcibly();
            bench.waitFor();
        }
        try {
            assertEquals(2, members.size(), "the bench's etcd members while it ran: " + out);
            long deadline = System.currentTimeMillis() + 10_000;
            while (members.stream().anyMatch(ProcessHandle::isAlive) && System.currentTimeMillis() < deadline) {
                Thread.sleep(50);
            }
            assertEquals(List.of(), members.stream().filter(ProcessHandle::isAlive).map(member -> member.info().commandLine()
                    .orElse("?")).toList(), "etcd members that outlived the killed bench");
        } finally {
            members.forEach(ProcessHandle::destroyForcibly);
        }
        ProcessBuilder next = JavaProcess.builder(Main.class, "bench", "add", "--endpoints", "2", "--count", "2",
                "--data-dir", dir.toString()).redirectErrorStream(true);
        next.environment().put("JCALICO_BENCH_PREFIX", prefix);
        Process again = next.start();
        String nextOut = new String(again.getInputStream().readAllBytes());
        assertEquals(0, again.waitFor(), nextOut);
        try (var left = Files.list(dir)) {
            assertEquals(List.of(), left.toList(), "what the killed run left, after the next run");
        }
    }

    /**
     * The bench chooses its members' ports free, and etcd binds them a moment later: another process may take one
     * between. The member then fails to bind, and the bench took whatever answered /health at the port for its etcd
     * (another lane's or user's etcd, which it would have filled with its endpoints), or failed with "etcd did not
     * start". Here the first client port offered is held by a server answering /health: the member must be started
     * again on other ports, and the store given must be the member's own.
     */
    @Test
    void aMemberWhosePortWasTakenMeanwhileIsStartedOnOthersAndNoStrangerIsTakenForIt(@TempDir Path dir) throws Exception {
        com.sun.net.httpserver.HttpServer stranger = com.sun.net.httpserver.HttpServer.create(
                new java.net.InetSocketAddress(java.net.InetAddress.getLoopbackAddress(), 0), 0);
        stranger.createContext("/health", exchange -> {
            byte[] body = "{\"health\":\"true\"}".getBytes(java.nio.charset.StandardCharsets.UTF_8);
            exchange.sendResponseHeaders(200, body.length);
            exchange.getResponseBody().write(body);
            exchange.close();
        });
        stranger.start();
        int taken = stranger.getAddress().getPort();
        java.util.Iterator<Integer> offered = java.util.stream.IntStream.concat(java.util.stream.IntStream.of(taken),
                java.util.stream.IntStream.generate(AddBenchmarkKernelTest::freePort)).iterator();
        List<Process> members = new java.util.ArrayList<>();
        try {
            String url = AddBenchmark.startEtcd(dir, "thn-taken", members, offered::next);
            assertTrue(!url.endsWith(":" + taken), "the stranger at " + url + " taken for the member");
            Process member = members.getLast();
            assertTrue(member.isAlive() && CommandRunner.local().run("ss", "-Hltnp", "sport = :" + url.substring(url.lastIndexOf(':') + 1))
                    .stdout().contains("pid=" + member.pid() + ","), url + " is the live member's own");
        } finally {
            stranger.stop(0);
            members.forEach(Process::destroyForcibly);
        }
    }

    private static int freePort() {
        try (java.net.ServerSocket socket = new java.net.ServerSocket(0)) {
            return socket.getLocalPort();
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    @Test
    void aDataDirThatIsNoDirectoryIsRefusedBeforeAnythingIsMade(@TempDir Path dir) throws Exception {
        Path file = Files.writeString(dir.resolve("file"), "");
        ProcessBuilder builder = JavaProcess.builder(Main.class, "bench", "add", "--endpoints", "100", "--count", "2",
                "--data-dir", file.toString()).redirectErrorStream(true);
        builder.environment().put("JCALICO_BENCH_PREFIX", TestNamespaces.named("jctab-"));
        Process bench = builder.start();
        String out = new String(bench.getInputStream().readAllBytes());
        assertEquals(1, bench.waitFor(), out);
        assertEquals("error: --data-dir: " + file + " is not a directory", out.strip());
        try (var left = Files.list(dir)) {
            assertEquals(List.of(file), left.toList());
        }
    }

    private static int count(String figure) {
        return Integer.parseInt(figure.replace(",", ""));
    }
}
