package org.jcalico.agent;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.jcalico.testing.Eventually;
import org.jcalico.testing.LabFixture;
import org.junit.jupiter.api.Test;

/**
 * A running agent's JIT compiler threads yield to its other threads once it programs its host: through the first
 * served adds after a start they took twice the add's own CPU on two cores (docs/agent.md, "A served `container
 * add`", session 38). Its own threads (the loop, the handlers, netlink) keep the normal priority, and it still adds.
 */
class CompilerPriorityIT {
    @Test
    void theAgentsCompilerThreadsRunAtTheLowestPriorityOnceItIsInSync() throws Exception {
        try (LabFixture fixture = LabFixture.up("jqtc", 1, false)) {
            Path runDir = fixture.layout().runDir().resolve(fixture.layout().nodeName(1));
            long agent = Long.parseLong(Files.readString(runDir.resolve("agent.pid")).strip().split("\\s+")[0]);
            // the agent logs it just after setting it; until then the C2 thread may be at 19 for the first pass alone
            // (StartSequence.firstPass), with C1 at 0, so the threads are read once the log says it is done
            Path log = fixture.layout().logDir().resolve(fixture.layout().nodeName(1)).resolve("felix.log");
            assertTrue(Eventually.within(30, () -> thisAgentLogged(log, "JIT compiler threads now at nice 19")),
                    "the agent's log says so: " + niceByName(agent));
            Map<String, Integer> nice = niceByName(agent);
            assertTrue(nice.keySet().stream().anyMatch(name -> name.startsWith("C2 CompilerThre")), nice.toString());
            nice.forEach((name, value) -> {
                boolean compiler = name.startsWith("C1 CompilerThre") || name.startsWith("C2 CompilerThre");
                assertEquals(compiler ? 19 : 0, value, name + " in " + nice);
            });
            String w1 = fixture.lab().workload("w1");
            assertTrue(fixture.jc("h1", "container", "add", "netns:" + w1).contains("ready"), "and it programs new endpoints");
        }
    }

    /**
     * Whether the log says so since this lab's agent started: the lab's log directory outlives the lab, and a log of
     * an earlier run on this machine holds the line already (the test then read the threads before the agent set them).
     */
    private static boolean thisAgentLogged(Path file, String text) {
        try {
            String log = Files.readString(file);
            return log.substring(Math.max(0, log.lastIndexOf("agent for node h1 starting"))).contains(text);
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    /** Each thread's nice value (field 19 of /proc/PID/task/TID/stat), by name and thread id. */
    private static Map<String, Integer> niceByName(long pid) {
        Map<String, Integer> nice = new TreeMap<>();
        try (Stream<Path> tasks = Files.list(Path.of("/proc/" + pid + "/task"))) {
            for (Path task : tasks.toList()) {
                try {
                    String stat = Files.readString(task.resolve("stat"));
                    String name = stat.substring(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
                    String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
                    nice.put(name + " " + task.getFileName(), Integer.parseInt(fields[16]));
                } catch (IOException e) {
                    // the thread ended since it was listed
                }
            }
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
        return nice;
    }
}
