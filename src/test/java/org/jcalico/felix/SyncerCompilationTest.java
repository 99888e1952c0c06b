package org.jcalico.felix;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.LinkedBlockingQueue;
import org.jcalico.agent.JvmCommand;
import org.jcalico.bench.ClusterGenerator;
import org.jcalico.datastore.Datastore;
import org.jcalico.datastore.Datastores;
import org.jcalico.datastore.ResourceStore;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * How the optimizing compiler (C2) of the agent's JVM compiles the listing's reader. Every caller of the JDK's
 * Iterable.forEach shares that one method's profile: while the reader went through it, C2 compiled Iterable.forEach
 * with the reader and the cache's whole decoding inlined (a 5,800-byte graph, 220-250 ms of a core in `bench scale`'s
 * start), and threw the code away at the next caller with another consumer, then compiled it again (docs/agent.md,
 * "Start-up of the agent", session 45). Asserted from the JVM's compilation log, not from timing.
 */
class SyncerCompilationTest {
    @Test
    void theListingsReaderIsCompiledAsItsOwnLoopNotInsideTheJdksForEach(@TempDir Path dir) throws IOException,
            InterruptedException {
        Path log = dir.resolve("compilation.xml");
        List<String> jvm = new ArrayList<>(JvmCommand.jcalico().subList(0, 1));
        jvm.addAll(JvmCommand.AGENT_FLAGS);
        // -Xbatch: a compilation is done before the code that asked for it goes on, so the log has it whatever the load
        jvm.addAll(List.of("-Xbatch", "-XX:+UnlockDiagnosticVMOptions", "-XX:+LogCompilation", "-XX:LogFile=" + log,
                "-cp", System.getProperty("java.class.path"), Listings.class.getName(), dir.toString()));
        Process process = new ProcessBuilder(jvm).redirectErrorStream(true).start();
        String out = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertEquals(0, process.waitFor(), out);
        assertTrue(out.contains("listed 4 times, " + Listings.ENDPOINTS + " endpoints each"), out);

        // the listing's loop as C2 compiled it: the reader's own, or the JDK's forEach given the reader as its consumer
        List<String> listingLoops = optimized(Files.readAllLines(log)).stream()
                .filter(c -> c.method().startsWith("org.jcalico.felix.Syncer lambda$list$")
                        || c.method().startsWith(FOR_EACH) && c.names("org.jcalico.felix.Syncer$$Lambda"))
                .map(Compilation::method).toList();
        assertFalse(listingLoops.isEmpty(), "C2 compiled the listing's loop: else the test proves nothing");
        assertEquals(List.of(), listingLoops.stream().filter(method -> method.startsWith(FOR_EACH)).toList(),
                "the JDK's Iterable.forEach compiled for the listing's reader; the listing's loops: " + listingLoops);
    }

    private static final String FOR_EACH = "java.lang.Iterable forEach ";

    /** One C2 compilation in the log: its method and the lines of its task (the classes it met, what it inlined). */
    private record Compilation(String method, List<String> lines) {
        boolean names(String className) {
            return lines.stream().anyMatch(line -> line.startsWith("<klass ") && line.contains(" name='" + className));
        }
    }

    /** The C2 compilations of a -XX:+LogCompilation file: each thread's tasks, those without a level being C2's. */
    private static List<Compilation> optimized(List<String> log) {
        List<Compilation> compilations = new ArrayList<>();
        List<String> task = null;
        String method = null;
        for (String line : log) {
            if (line.startsWith("<task ") && !line.contains(" level='")) {
                task = new ArrayList<>();
                method = line.replaceFirst(".* method='([^']*)'.*", "$1");
            } else if (line.startsWith("</task>") && task != null) {
                compilations.add(new Compilation(method, task));
                task = null;
            } else if (task != null) {
                task.add(line);
            }
        }
        return compilations;
    }

    /**
     * Writes a cluster into an embedded store in DIR, then lists it with the agent's syncer four times over (a listing
     * of 100,000 values in all, as a big cluster's start reads), each into a fresh cache.
     */
    static final class Listings {
        static final int ENDPOINTS = 25_000;

        public static void main(String[] args) throws Exception {
            try (Datastore datastore = Datastores.open("embedded:" + Path.of(args[0]).resolve("store.db"))) {
                new ClusterGenerator(new ResourceStore(datastore), line -> { }).write(50, ENDPOINTS, 50);
                for (int i = 0; i < 4; i++) {
                    LinkedBlockingQueue<Object> queue = new LinkedBlockingQueue<>();
                    Syncer syncer = new Syncer(datastore, queue, ClusterCache.ofAgent(ClusterGenerator.nodeName(1)));
                    syncer.start();
                    try {
                        Syncer.Input.Listed listed = (Syncer.Input.Listed) queue.take();
                        ClusterCache cache = ClusterCache.ofAgent(ClusterGenerator.nodeName(1));
                        cache.replaceWith(listed.parts(), new ArrayList<>());
                        if (cache.snapshot().endpoints().size() != ENDPOINTS) {
                            throw new IllegalStateException("listed " + cache.snapshot().endpoints().size() + " endpoints");
                        }
                    } finally {
                        syncer.stop();
                    }
                }
                System.out.println("listed 4 times, " + ENDPOINTS + " endpoints each");
            }
        }
    }
}
