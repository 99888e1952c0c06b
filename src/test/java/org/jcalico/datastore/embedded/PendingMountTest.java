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
        List<String> mountinfo = Files.readAllLines(Path.of("/proc/self/mountinfo"));
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
}
