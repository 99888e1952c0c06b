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
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * How the optimizing compiler (C2) of the agent's JVM compiles the hot loops of a big cluster's listing. Every caller of
 * one of the JDK's forEach methods shares that method's profile: while the listing's loops went through them, C2
 * compiled Iterable.forEach with the listing's reader and the cache's whole decoding inlined (a 5,800-byte graph,
 * 220-250 ms of a core in `bench scale`'s start) and TreeMap.forEach with an IPAM block's check, and threw the code away
 * at the next caller with another consumer, then compiled the method again (docs/agent.md, "Start-up of the agent",
 * session 45). Asserted from one JVM's compilation log, not from timing.
 */
class ListingCompilationTest {
    private static List<Compilation> optimized;

    /** A JVM with the agent's options lists a cluster with the agent's syncer, logging what its compilers do. */
    @BeforeAll
    static void listed(@TempDir Path dir) throws IOException, InterruptedException {
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
        optimized = optimized(Files.readAllLines(log));
    }

    @Test
    void theListingsReaderIsCompiledAsALoopOfItsOwn() {
        assertOwnLoop("org.jcalico.felix.Syncer lambda$list$", "java.lang.Iterable forEach ", "org.jcalico.felix.Syncer$$Lambda");
    }

    @Test
    void anIpamBlocksAllocationsAreCheckedInALoopOfItsOwn() {
        assertOwnLoop("org.jcalico.model.IpamBlock <init> ", "java.util.TreeMap forEach ", "org.jcalico.model.IpamBlock$$Lambda");
    }

    /**
     * The loop C2 compiled for the code of LAMBDAS (a class name's prefix) is in OWN (a method's prefix), never in the
     * JDK's FOR_EACH given one of them as its consumer; and C2 compiled it at all, else the test proves nothing.
     */
    private static void assertOwnLoop(String own, String forEach, String lambdas) {
        List<String> loops = optimized.stream().filter(c -> c.method().startsWith(own)
                || c.method().startsWith(forEach) && c.names(lambdas)).map(Compilation::method).toList();
        assertFalse(loops.isEmpty(), "C2 compiled the loop");
        assertEquals(List.of(), loops.stream().filter(method -> method.startsWith(forEach)).toList(),
                "the JDK's forEach compiled with the loop's body in it; C2's compilations of the loop: " + loops);
    }

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
                method = line.replaceFirst(".* method='([^']*)'.*", "$1").replace("&lt;", "<").replace("&gt;", ">");
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
        /** A block per node, 25 addresses in each: 4,000 blocks decoded in all, as a 1,000-node cluster's listing decodes 2,000. */
        static final int NODES = 1_000;
        static final int ENDPOINTS = 25_000;

        public static void main(String[] args) throws Exception {
            try (Datastore datastore = Datastores.open("embedded:" + Path.of(args[0]).resolve("store.db"))) {
                new ClusterGenerator(new ResourceStore(datastore), line -> { }).write(NODES, ENDPOINTS, 50);
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
