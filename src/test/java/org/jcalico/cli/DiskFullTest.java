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
 * A full disk is reported as a full disk, in one error line, and the store stays readable. The store lies on a
 * 128 KiB tmpfs mounted in a private mount namespace (unshare -m), which disappears with the process: the machine's
 * own file systems are never filled.
 */
class DiskFullTest {
    @TempDir
    Path dir;

    @Test
    void aFullDiskIsOneErrorSayingSo() throws Exception {
        KernelTests.assumeKernel();
        Path mount = Files.createDirectory(dir.resolve("jcts-full"));
        Path store = mount.resolve("store.db");
        List<String> command = KernelTests.inOwnMounts("mount -t tmpfs -o size=128k jcts-full \"$1\"", mount.toString());
        command.addAll(JavaProcess.command(List.of("-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1"), DiskFullMain.class,
                store.toString()));
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        assertTrue(process.waitFor(120, TimeUnit.SECONDS), "the disk filled within 2 minutes");
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertEquals(0, process.exitValue(), output);
        List<String> lines = output.lines().filter(line -> !line.startsWith("WARNING")).toList();
        assertEquals("error: datastore embedded:" + store + ": cannot write: its file system is full", lines.get(0), output);
        // some profiles in first: the disk filled under a store in use, not at its making (128 KiB takes some 40; 512 KiB,
        // until session 50, some 570, each a command that opens the store: 10-20 s of the suite)
        assertTrue(lines.get(1).matches("after [1-9]\\d* profiles; profile list: exit status 0"), output);
        assertTrue(Files.list(mount).findAny().isEmpty(), "the tmpfs was the namespace's own");
    }
}
