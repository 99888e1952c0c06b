package org.jcalico.kernel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Map;
import org.jcalico.testing.KernelTests;
import org.jcalico.testing.TestNamespaces;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A command started as a shell in a namespace starts it ({@link CommandRunner#asShellThere}, how the lab runs its
 * commands and `bench attach` times them) runs in that namespace with the variables given, is itself the process
 * the runner starts (no nsenter or env before it), finds a bare name on the PATH given, and leaves the caller's own
 * thread where it was; a namespace that is not there runs nothing. In "jcpn-sh" namespaces; the root is only read.
 */
@Tag("kernel")
class ShellThereKernelTest {
    private static final String PREFIX = TestNamespaces.named("jcpn-sh");

    @BeforeAll
    static void onAKernel() {
        KernelTests.assumeKernel();
    }

    /** Each test makes its namespace afresh and leaves none behind, whatever an earlier run left. */
    @BeforeEach
    @AfterEach
    void noNamespaces() {
        Namespaces.deleteAll(PREFIX);
    }

    @Test
    void theCommandRunsInTheNamespaceWithTheVariablesAndIsTheProcessStarted() throws Exception {
        CommandRunner viaNsenter = Namespaces.create(PREFIX + "a");
        viaNsenter.run("ip", "link", "add", "jcsh0", "type", "veth", "peer", "name", "jcsh0p").check();
        String before = ThreadNamespace.current();
        CommandRunner.Result result = CommandRunner.inNamespace(PREFIX + "a")
                .asShellThere(Map.of("JCSH_PROBE", "two words"))
                .run("sh", "-c", "readlink /proc/self/ns/net; echo \"$JCSH_PROBE\"; ip -o link show jcsh0 >/dev/null"
                        + " && echo found; cat /proc/$PPID/comm")
                .check();
        List<String> lines = result.stdout().lines().toList();
        long inode = ((Number) Files.getAttribute(Path.of("/run/netns/" + PREFIX + "a"), "unix:ino")).longValue();
        assertEquals("net:[" + inode + "]", lines.get(0), "born in the namespace");
        assertEquals("two words", lines.get(1), "the variable reached the command whole");
        assertEquals("found", lines.get(2), "the namespace's own link is there");
        assertEquals("java", lines.get(3), "the shell's parent is the JVM: nothing was started between them");
        assertEquals(List.of("sh", "-c"), result.command().subList(0, 2), "the command, not an nsenter, is what ran");
        assertEquals(before, ThreadNamespace.current(), "the caller's thread stayed in its own namespace");
    }

    @Test
    void aBareNameIsFoundOnThePathGivenAsAShellWouldFindIt(@TempDir Path home) throws Exception {
        Namespaces.create(PREFIX + "b");
        Path tool = home.resolve("jcsh-tool");
        Files.writeString(tool, "#!/bin/sh\necho tool ran with \"$1\"\n");
        Files.setPosixFilePermissions(tool, PosixFilePermissions.fromString("rwxr-xr-x"));
        String path = home + ":" + System.getenv().getOrDefault("PATH", "/usr/bin:/bin");
        CommandRunner.Result result = CommandRunner.inNamespace(PREFIX + "b").asShellThere(Map.of("PATH", path))
                .run("jcsh-tool", "an argument");
        assertEquals("tool ran with an argument", result.check().stdout().strip());
    }

    @Test
    void aNamespaceThatIsNotThereRunsNothing(@TempDir Path scratch) {
        Path mark = scratch.resolve("ran");
        CommandRunner.Result result = CommandRunner.inNamespace(PREFIX + "missing").asShellThere(Map.of())
                .run("touch", mark.toString());
        assertEquals(127, result.exitCode());
        assertTrue(result.stderr().startsWith("cannot run touch: cannot open network namespace /run/netns/" + PREFIX
                + "missing"), result.stderr());
        assertFalse(Files.exists(mark), "nothing ran in the caller's namespace instead");
    }
}
