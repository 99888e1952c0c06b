package org.jcalico.lab;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import org.jcalico.kernel.CommandRunner;
import org.jcalico.kernel.Namespaces;
import org.jcalico.testing.KernelTests;
import org.jcalico.testing.TestNamespaces;
import org.jcalico.testing.Unprivileged;
import org.jcalico.util.Directories;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The demo's and the functional tests' workloads serve TCP as root, from a network namespace that shares the machine's files: a local
 * user (nobody, through setpriv) who plants a link where the demo's web root would be, or anywhere above it, must get
 * none of root's files served to the workloads.
 */
class WorkloadWebServerTest {
    /** Where the demo served from until session 43 (the tests from names like it): a name in /tmp that anyone can take first. */
    private static final Path OLD_ROOT = Path.of("/tmp/jcalico-demo-www");
    private static final int GROUP_OR_OTHER_WRITE = 0022;

    @TempDir Path dir;

    @Test
    void aLinkPlantedByAnotherUserServesNoneOfRootsFiles() throws Exception {
        KernelTests.assumeKernel();
        Path roots = Files.createDirectory(dir.resolve("roots"));
        Files.setAttribute(roots, "unix:mode", 0700);
        Files.writeString(roots.resolve("secret"), "root's secret\n");
        LabLayout layout = new LabLayout(TestNamespaces.lab("www"), 1);
        String namespace = TestNamespaces.named("www");
        Unprivileged.link(roots, OLD_ROOT);
        try {
            CommandRunner workload = Namespaces.create(namespace);
            Files.createDirectories(layout.stateDir());
            WorkloadWebServer.start(layout, namespace, 80);

            assertTrue(workload.run("bash", "-c", "exec 3<>/dev/tcp/127.0.0.1/80").ok(), "the workload serves TCP port 80");
            String served = workload.run("busybox", "wget", "-q", "-O", "-", "http://127.0.0.1/secret").stdout();
            assertFalse(served.contains("root's secret"), "root's file served through nobody's link: " + served.strip());
            assertRootsAlone(WorkloadWebServer.root(layout));
        } finally {
            Namespaces.delete(namespace);
            Directories.delete(layout.stateDir());
            Files.deleteIfExists(OLD_ROOT);
        }
    }

    /** The web root and every directory above it: root's, and writable by nobody else, so nobody else can swap them. */
    private static void assertRootsAlone(Path root) throws Exception {
        for (Path name = root; name != null; name = name.getParent()) {
            int owner = (Integer) Files.getAttribute(name, "unix:uid", LinkOption.NOFOLLOW_LINKS);
            int mode = (Integer) Files.getAttribute(name, "unix:mode", LinkOption.NOFOLLOW_LINKS);
            assertEquals(0, owner, name + " (the web root or above it) belongs to uid " + owner);
            assertEquals(0, mode & GROUP_OR_OTHER_WRITE, name + " (the web root or above it) has mode "
                    + Integer.toOctalString(mode & 07777));
        }
    }
}
