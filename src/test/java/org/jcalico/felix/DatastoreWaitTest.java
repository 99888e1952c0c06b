package org.jcalico.felix;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.jcalico.log.Log;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DatastoreWaitTest {
    /**
     * A wait retried every second is said once, again on a new reason and every five minutes, and its end once; every
     * try still writes `disconnected`. Old code: a WARN at every try.
     */
    @Test
    void aWaitIsSaidOnceThenOnAChangeAndAsAReminder(@TempDir Path dir) throws Exception {
        Path logFile = dir.resolve("felix.log");
        AgentStatusFile statusFile = new AgentStatusFile(dir.resolve("status.json"), "h1");
        AtomicLong now = new AtomicLong(1_800_000_000_000L);
        DatastoreWait wait = new DatastoreWait(Log.open(logFile, false, "info"), statusFile, now::get);
        wait.ended();
        assertEquals(List.of(), lines(logFile), "no wait, nothing to say");

        for (int second = 0; second < 120; second++) {
            wait.failed("there is no datastore at /var/lib/jcalico/datastore.db");
            now.addAndGet(1_000);
        }
        List<String> said = lines(logFile);
        assertEquals(1, said.size(), String.join("\n", said));
        assertTrue(said.get(0).contains("WARN  datastore not reachable (there is no datastore at /var/lib/jcalico/datastore.db);"
                + " retrying every second"), said.get(0));
        assertEquals(AgentStatusFile.State.disconnected, statusFile.read().state(), "every try is in the status");

        wait.failed("etcd not reachable at [https://10.0.0.1:2379]: Connection refused");
        wait.failed("etcd not reachable at [https://10.0.0.1:2379]: Connection refused");
        said = lines(logFile);
        assertEquals(2, said.size(), String.join("\n", said));
        assertTrue(said.get(1).contains("now for another reason (etcd not reachable at") && said.get(1).contains("waited 120 s"),
                said.get(1));

        now.addAndGet(DatastoreWait.REMINDER_MILLIS - 1);
        wait.failed("etcd not reachable at [https://10.0.0.1:2379]: Connection refused");
        assertEquals(2, lines(logFile).size(), "not yet a reminder");
        now.addAndGet(1);
        wait.failed("etcd not reachable at [https://10.0.0.1:2379]: Connection refused");
        said = lines(logFile);
        assertEquals(3, said.size(), String.join("\n", said));
        assertTrue(said.get(2).contains("WARN  datastore still not reachable (etcd") && said.get(2).contains("waited 420 s"),
                said.get(2));

        wait.ended();
        wait.ended();
        said = lines(logFile);
        assertEquals(4, said.size(), String.join("\n", said));
        assertTrue(said.get(3).contains("INFO  datastore reachable again after 420 s") && said.get(3).contains("124 tries"),
                said.get(3));
        wait.failed("there is no datastore at /var/lib/jcalico/datastore.db");
        assertEquals(5, lines(logFile).size(), "a new wait is said again");
    }

    private static List<String> lines(Path file) throws java.io.IOException {
        return Files.exists(file) ? Files.readAllLines(file) : List.of();
    }
}
