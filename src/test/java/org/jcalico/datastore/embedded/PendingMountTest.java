package org.jcalico.datastore.embedded;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A store under a filesystem fstab names that is not mounted is awaited, not made: read against this host's real
 * mounts (/proc/self/mountinfo), with an fstab as an admin writes one.
 */
class PendingMountTest {
    @Test
    void aStoreUnderAnUnmountedFstabEntryWaitsForItAndOneUnderAMountedEntryDoesNot(@TempDir Path dir) throws Exception {
        List<String> mountinfo = Files.readAllLines(Path.of("/proc/self/mountinfo"), java.nio.charset.StandardCharsets.ISO_8859_1);
        Path disk = dir.resolve("jcalico disk");
        String escaped = disk.toString().replace(" ", "\\040");
        List<String> fstab = List.of(
                "# /etc/fstab: static file system information.",
                "UUID=0a1b / ext4 errors=remount-ro 0 1",
                "proc /proc proc defaults 0 0",
                "/dev/vdb1\t" + escaped + "  ext4 defaults,nofail 0 2",
                "/swapfile none swap sw 0 0");
        assertEquals(Optional.of(disk.toString()), PendingMount.of(disk.resolve("datastore.db"), fstab, mountinfo),
                "its disk not mounted: the store is awaited");
        assertEquals(Optional.of(disk.toString()), PendingMount.of(disk.resolve("a/../datastore.db"), fstab, mountinfo));
        assertEquals(Optional.empty(), PendingMount.of(dir.resolve("datastore.db"), fstab, mountinfo),
                "beside the mount point, on the root filesystem");
        assertEquals(Optional.empty(), PendingMount.of(Path.of("/proc/jcalico.db"), fstab, mountinfo), "/proc is mounted");
        assertEquals(Optional.empty(), PendingMount.of(disk.resolve("datastore.db"), List.of(), mountinfo), "no fstab entry");
        assertEquals(Optional.empty(), PendingMount.of(disk.resolve("datastore.db"),
                List.of("# UNCONFIGURED FSTAB FOR BASE SYSTEM"), mountinfo));
        assertEquals(Optional.empty(), PendingMount.of(dir.resolve("datastore.db")), "this host's own fstab and mounts");
    }

    /**
     * fstab as mount(8) reads it (util-linux's libmount): an entry without a mount point or type, or whose fifth or
     * sixth field is not a number (a comment written after the options), is no entry; what follows the sixth field is
     * ignored; an escape is a byte, so a name in UTF-8 is decoded whole; and no line, however malformed, makes the
     * check fail (docs/datastore.md, "Session 50 (t-rest)").
     */
    @Test
    void fstabIsReadAsMountReadsItAndNoLineFailsTheCheck(@TempDir Path dir) throws Exception {
        List<String> mountinfo = Files.readAllLines(Path.of("/proc/self/mountinfo"), java.nio.charset.StandardCharsets.ISO_8859_1);
        Path disk = dir.resolve("caf\u00e9 disk");
        String escaped = dir + "/caf\\303\\251\\040disk";
        Path store = disk.resolve("datastore.db");
        assertEquals(Optional.of(disk.toString()), PendingMount.of(store, List.of("/dev/vdb1 " + escaped + " ext4 defaults 0 2"),
                mountinfo), "an escaped UTF-8 name is its bytes");
        assertEquals(Optional.of(disk.toString()), PendingMount.of(store, List.of(
                "/dev/vdc1 " + dir + "/a\\000b ext4 defaults 0 2",
                "/dev/vdc2 relative/path ext4 defaults 0 2",
                "/dev/vdc3 " + dir + "/" + "x".repeat(5000) + " ext4",
                "/dev/vdb1 " + escaped + "/ ext4 defaults 0 2\r"), mountinfo),
                "a mount point no path can be is no entry, and the others are read");
        assertEquals(Optional.of(disk.toString()), PendingMount.of(store, List.of(
                "/dev/vdb1\t" + escaped + "\text4\tdefaults\t0\t2  # the data disk"), mountinfo),
                "what follows the sixth field is ignored");
        for (String malformed : List.of("/dev/vdb1 " + escaped, "/dev/vdb1 " + escaped + " ext4 defaults # the data disk",
                "/dev/vdb1 " + escaped + " ext4 defaults 0 x", "  # /dev/vdb1 " + escaped + " ext4", escaped,
                "\\", "/dev/vdb1 " + escaped + "\\ ext4", "/dev/vdb1 " + escaped + " swap sw 0 0")) {
            assertEquals(Optional.empty(), PendingMount.of(store, List.of(malformed), mountinfo), "no entry: " + malformed);
        }
    }

    /** A huge fstab (a sparse file of 8 GiB, no newline in it) is read to a bound, neither whole nor for long. */
    @Test
    void aHugeFstabIsReadToABound(@TempDir Path dir) throws Exception {
        Path fstab = dir.resolve("fstab");
        Files.writeString(fstab, "/dev/vdb1 " + dir.resolve("disk") + " ext4 defaults 0 2\n");
        try (java.io.RandomAccessFile file = new java.io.RandomAccessFile(fstab.toFile(), "rw")) {
            file.setLength(8L << 30);
        }
        long start = System.nanoTime();
        assertEquals(Optional.of(dir.resolve("disk").toString()),
                PendingMount.of(dir.resolve("disk/datastore.db"), fstab, Path.of("/proc/self/mountinfo")));
        org.junit.jupiter.api.Assertions.assertTrue(System.nanoTime() - start < 5_000_000_000L, "read to its bound");
    }
}
