package org.jcalico.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.jcalico.testing.JavaProcess;
import org.jcalico.testing.KernelTests;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * After a reboot whose mount of the store's disk comes late, a command that writes does not make an empty store in the
 * mount point's directory (to be hidden by the mount with what it recorded): one error line, nothing made; once the
 * disk is mounted, the store is made on it. The fstab is the test's, bound over /etc/fstab in a private mount namespace
 * (unshare -m) that disappears with the process, as is the tmpfs that plays the disk: the machine's are never touched.
 */
class StoreNotMountedTest {
    @Test
    void aStoreWhoseDiskIsNotMountedYetIsNotMadeUnderTheMountPoint(@TempDir Path dir) throws Exception {
        KernelTests.assumeKernel();
        Path disk = Files.createDirectory(dir.resolve("jw-disk"));
        Path store = disk.resolve("datastore.db");
        Path fstab = Files.writeString(dir.resolve("fstab"), "# as an admin writes it\n/dev/vdb1 " + disk + " ext4 defaults,nofail 0 2\n");

        Outcome unmounted = poolAdd(fstab, store, "");
        assertEquals(1, unmounted.status(), unmounted.output());
        assertEquals("error: there is no datastore at " + store + ", and none is made: " + disk + ", which /etc/fstab names"
                + " for it, is not mounted (a store made now would be hidden once it is); mount it, or give another --datastore",
                unmounted.output().lines().filter(line -> !line.startsWith("WARNING")).findFirst().orElse(""));
        assertTrue(Files.list(disk).findAny().isEmpty(), "nothing made under the mount point");

        Outcome mounted = poolAdd(fstab, store, " && mount -t tmpfs -o size=4m jw-disk \"$2\"");
        assertEquals(0, mounted.status(), "the disk mounted, the store is made on it: " + mounted.output());
        assertTrue(Files.list(disk).findAny().isEmpty(), "on the namespace's own disk, gone with it");
    }

    private record Outcome(int status, String output) {
    }

    /** `pool add` in a mount namespace of its own where /etc/fstab is {@code fstab}, after {@code before} (sh). */
    private static Outcome poolAdd(Path fstab, Path store, String before) throws Exception {
        List<String> command = KernelTests.inOwnMounts("mount --bind \"$1\" /etc/fstab" + before, fstab.toString(),
                store.getParent().toString());
        command.addAll(JavaProcess.command(List.of("-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1"), Main.class,
                "--datastore", "embedded:" + store, "pool", "add", "10.65.0.0/16"));
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        assertTrue(process.waitFor(120, TimeUnit.SECONDS), "pool add ended within 2 minutes");
        return new Outcome(process.exitValue(), new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8));
    }
}
