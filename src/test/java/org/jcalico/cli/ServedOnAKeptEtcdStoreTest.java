package org.jcalico.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.Future;
import org.jcalico.agent.ServedResources;
import org.jcalico.datastore.DatastoreUrl;
import org.jcalico.kernel.CommandRunner;
import org.jcalico.log.Log;
import org.jcalico.testing.EtcdFixture;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Commands served on the etcd store the agent keeps for them (agent/ServedResources). */
class ServedOnAKeptEtcdStoreTest {
    @TempDir
    Path dir;

    /**
     * Commands served by an agent whose kept store is not open yet (it started during an etcd outage) while etcd's only
     * member hangs (SIGSTOP): each fails as soon as its own run would, with the same one `error:` line, and commands at once
     * do not wait for each other; once etcd answers again the served path takes up its kept store by itself. Before
     * session 36 a served command opened the kept store inside a monitor and, when that failed, opened its own: one
     * took 11.0 s against 5.0 s for its own run, three at once 10.0 / 15.1 / 20.1 s (v-audit, session 35).
     */
    @Test
    void servedCommandsFailAsFastAsTheirOwnRunsAndDoNotQueueThenRecover() throws Exception {
        assumeTrue(EtcdFixture.installed(), "etcd-server is not installed");
        try (EtcdFixture etcd = EtcdFixture.start()) {
            DatastoreUrl url = DatastoreUrl.parse(etcd.url());
            try (ServedResources served = new ServedResources(url, CommandRunner.local())) {
                AgentDelegation delegation = new AgentDelegation(url, "h1", Map.of(),
                        Log.open(dir.resolve("felix.log"), false, "info"), served);
                etcd.pause();
                try {
                    long start = System.nanoTime();
                    StringWriter ownErr = new StringWriter();
                    int ownStatus = Main.run(new PrintWriter(new StringWriter(), true), new PrintWriter(ownErr, true),
                            "--datastore=" + url, "--node=h1", "pool", "list");
                    double own = seconds(start);
                    assertEquals(1, ownStatus);
                    String ownReply = "|" + ownErr + "|1|";
                    assertTrue(ownErr.toString().startsWith("error: etcd not reachable") && ownErr.toString().lines().count() == 1,
                            ownErr.toString());

                    start = System.nanoTime();
                    assertEquals(ownReply, ask(delegation, url, "pool", "list"), "the same one error line as its own run");
                    double one = seconds(start);
                    assertTrue(one < own + 2, "one served list failed in " + one + " s, its own run in " + own + " s");

                    List<Future<Double>> timed = new ArrayList<>();
                    try (var threads = java.util.concurrent.Executors.newVirtualThreadPerTaskExecutor()) {
                        for (int i = 0; i < 3; i++) {
                            timed.add(threads.submit((Callable<Double>) () -> {
                                long began = System.nanoTime();
                                assertEquals(ownReply, ask(delegation, url, "pool", "list"));
                                return seconds(began);
                            }));
                        }
                    }
                    for (Future<Double> each : timed) {
                        assertTrue(each.get() < own + 2.5, "three served lists at once failed in " + timed.stream()
                                .map(ServedOnAKeptEtcdStoreTest::done).toList() + " s, one's own run in " + own + " s");
                    }
                } finally {
                    etcd.resume();
                }
                String listed = ask(delegation, url, "pool", "list");
                assertTrue(listed.endsWith("|0|"), "served again once etcd answers: " + listed);
                try (ServedResources.Use use = served.use()) {
                    assertNotNull(use.store(), "on the kept store again");
                }
            }
        }
    }

    /**
     * A password rotated in etcd and in the password file while the agent keeps its store: the next served command
     * works, as its own run (which reads the file at its open) would. Until session 36 every served command failed
     * with "authentication failed" until the agent restarted.
     */
    @Test
    void aServedCommandFollowsAPasswordRotatedInEtcdAndInItsFile() throws Exception {
        assumeTrue(EtcdFixture.installed(), "etcd-server is not installed");
        try (EtcdFixture etcd = EtcdFixture.start()) {
            etcd.enableAuth("first");
            Path file = java.nio.file.Files.writeString(dir.resolve("password"), "first\n");
            DatastoreUrl url = DatastoreUrl.parse(etcd.url() + "?user=root&password-file=" + file);
            try (ServedResources served = new ServedResources(url, CommandRunner.local())) {
                AgentDelegation delegation = new AgentDelegation(url, "h1", Map.of(),
                        Log.open(dir.resolve("felix.log"), false, "info"), served);
                String before = ask(delegation, url, "pool", "list");
                assertTrue(before.endsWith("|0|"), before);
                etcd.postAs("root", "first", "v3/auth/user/changepw", "{\"name\":\"root\",\"password\":\"second\"}");
                java.nio.file.Files.writeString(file, "second\n");
                assertEquals(before, ask(delegation, url, "pool", "list"), "served on the kept store after the rotation");
            }
        }
    }

    private static double seconds(long start) {
        return (System.nanoTime() - start) / 1e9;
    }

    private static Double done(Future<Double> future) {
        try {
            return future.get();
        } catch (Exception e) {
            return Double.NaN;
        }
    }

    /** A served command for the launcher of a client on host "h1" whose environment names the agent's datastore. */
    private static String ask(AgentDelegation delegation, DatastoreUrl url, String... args) {
        StringBuilder request = new StringBuilder("h1\0JCALICO_DATASTORE=").append(url).append("\0\0");
        for (String arg : args) {
            request.append(arg).append('\0');
        }
        return new String(delegation.handle(request.toString().getBytes(StandardCharsets.UTF_8)), StandardCharsets.UTF_8)
                .replace('\0', '|');
    }
}
