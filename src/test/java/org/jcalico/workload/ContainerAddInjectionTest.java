package org.jcalico.workload;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.jcalico.cli.Main;
import org.jcalico.datastore.embedded.EmbeddedDatastore;
import org.jcalico.kernel.CommandRunner;
import org.jcalico.kernel.Namespaces;
import org.jcalico.testing.JavaProcess;
import org.jcalico.testing.KernelTests;
import org.jcalico.testing.TestNamespaces;
import org.jcalico.util.Shown;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A local user offers root a "namespace" whose path holds a newline and a second ip command, with a real namespace
 * behind both names so that the first line of the veth batch would succeed and ip would go on to the second. The
 * command runs inside a host namespace of the test's own, so that even the old code's injected link lands there.
 */
class ContainerAddInjectionTest {
    private static final String HOST = TestNamespaces.named("jcts-inj-host");
    private static final String CONTAINER = TestNamespaces.named("jcts-inj-c");
    @TempDir
    Path dir;

    @Test
    void aNewlineInANetnsPathIsOneErrorAndNothingIsCreated() throws Exception {
        KernelTests.assumeKernel();
        Namespaces.deleteAll(TestNamespaces.named("jcts-inj-"));
        try {
            CommandRunner host = Namespaces.create(HOST);
            CommandRunner container = Namespaces.create(CONTAINER);
            Path namespace = Path.of("/run/netns", CONTAINER);
            Files.createSymbolicLink(dir.resolve("x"), namespace);
            Path evil = Files.createSymbolicLink(dir.resolve("x\nlink add jctsevil type veth peer name jctsevil2"), namespace);
            Path store = dir.resolve("store.db");
            assertEquals(0, Main.run("--datastore", "embedded:" + store, "pool", "add", "10.66.0.0/16"));
            // a registered node, so that the old code went on to the veth batch (and created jctsevil in the host)
            Path node = Files.writeString(dir.resolve("node.yaml"), "kind: Node\nname: jcts-n1\nipv4: 10.99.0.1\n");
            assertEquals(0, Main.run("--datastore", "embedded:" + store, "apply", "-f", node.toString()));

            List<String> command = new ArrayList<>(List.of("nsenter", "--net=/run/netns/" + HOST, "--"));
            command.addAll(JavaProcess.command(List.of("-XX:TieredStopAtLevel=1"), Main.class,
                    "--datastore", "embedded:" + store, "--node", "jcts-n1", "container", "add", "netns:" + evil));
            Process add = new ProcessBuilder(command).start();
            assertTrue(add.waitFor(60, TimeUnit.SECONDS));
            String err = new String(add.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
            List<String> errors = err.lines().filter(line -> !line.startsWith("WARNING")).toList();
            assertEquals(1, add.exitValue(), err);
            // the spec written out (and cut, however long the temporary directory's path: Shown)
            assertEquals(List.of("error: malformed container '" + Shown.value("netns:" + evil) + "': it contains a control character"), errors);
            assertTrue(errors.getFirst().contains("/x\\nlink add jcts"), errors.getFirst());

            assertEquals(List.of("lo"), links(host), "no link in the host: neither the injected one nor a veth");
            assertEquals(List.of("lo"), links(container));
            try (EmbeddedDatastore datastore = EmbeddedDatastore.open(store)) {
                assertEquals(List.of("/jcalico/v1/ippools/10.66.0.0-16", "/jcalico/v1/nodes/jcts-n1"),
                        datastore.list("/jcalico/").items().stream().map(kv -> kv.key()).toList(), "no endpoint, block or profile");
            }
        } finally {
            Namespaces.deleteAll(TestNamespaces.named("jcts-inj-"));
        }
    }

    private static List<String> links(CommandRunner runner) {
        return runner.run("ip", "-o", "link", "show").check().stdout().lines()
                .map(line -> line.split(":\\s+")[1].split("@")[0]).toList();
    }
}
