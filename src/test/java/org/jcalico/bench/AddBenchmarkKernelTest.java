package org.jcalico.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.util.Set;
import java.util.TreeSet;
import org.jcalico.cli.Main;
import org.jcalico.kernel.Namespaces;
import org.jcalico.testing.JavaProcess;
import org.jcalico.testing.KernelTests;
import org.jcalico.testing.TestNamespaces;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * `bench add` keeps to its namespaces' prefix as the other benches do (after JCALICO_BENCH_PREFIX): until session 47 it
 * made and removed "jcb7-add-*" whatever the prefix said, so two people benching on one machine removed each other's
 * namespaces mid-run.
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
}
