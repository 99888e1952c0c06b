package org.jcalico.cli;

import com.sun.management.HotSpotDiagnosticMXBean;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import org.jcalico.agent.AgentOptions;
import org.jcalico.agent.AgentStop;
import org.jcalico.datastore.DatastoreUrl;
import org.jcalico.felix.AgentStatusFile;

/**
 * An agent on an empty embedded store in DIR, run in this JVM until in sync and then stopped through its handle, as
 * root's cache training runs one; then the names of the threads still alive, virtual ones included (the JDK's thread
 * dump): for AgentStopTest, in a network namespace of its own.
 */
public final class AgentStopMain {
    private AgentStopMain() {
    }

    public static void main(String[] args) throws Exception {
        Main.quietLibraryLogging();
        Path dir = Path.of(args[0]);
        AgentOptions options = new AgentOptions("jqs-stop", DatastoreUrl.parse("embedded:" + dir.resolve("store.db")),
                null, null, null, false, dir.resolve("run"), dir.resolve("log"), null);
        AgentStop stop = AgentStop.byCaller();
        Thread agent = Thread.ofPlatform().name("agent").start(() -> AgentMain.run(options, false, stop));
        AgentStatusFile status = new AgentStatusFile(options.paths().statusFile(), options.node());
        long until = System.currentTimeMillis() + 60_000;
        while (agent.isAlive() && !inSync(status) && System.currentTimeMillis() < until) {
            Thread.sleep(100);
        }
        System.out.println("in sync: " + inSync(status));
        stop.request();
        agent.join(5_000);
        System.out.println("the agent's thread alive: " + agent.isAlive());
        Path dump = dir.resolve("threads.txt");
        ManagementFactory.getPlatformMXBean(HotSpotDiagnosticMXBean.class).dumpThreads(dump.toString(),
                HotSpotDiagnosticMXBean.ThreadDumpFormat.TEXT_PLAIN);
        // a thread's heading in the dump: #ID "NAME" ...
        Files.readAllLines(dump).stream().filter(line -> line.matches("#\\d+ \".*")).forEach(line -> System.out.println("thread " + line));
    }

    private static boolean inSync(AgentStatusFile status) {
        AgentStatusFile.Status now = status.read();
        return now != null && now.state() == AgentStatusFile.State.in_sync;
    }
}
