package org.jcalico.lab;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.jcalico.kernel.CommandRunner;

/**
 * A root filesystem made of the static busybox and a link for each of its applets (sh, ip, ping, nc, sleep ...): a
 * test image that needs no registry (the lab's `busybox` image; Debian's busybox-static provides the binary).
 */
public final class BusyboxRootfs {
    /** Where Debian's busybox-static installs its binary. */
    public static final Path BUSYBOX = Path.of("/bin/busybox");
    private static final List<String> DIRECTORIES = List.of("bin", "etc", "proc", "sys", "dev", "tmp", "root");

    private BusyboxRootfs() {
    }

    /** Builds the tree in dir, which must not exist yet, and returns dir. */
    public static Path build(Path dir) throws IOException {
        Files.createDirectory(dir);
        for (String directory : DIRECTORIES) {
            Files.createDirectory(dir.resolve(directory));
        }
        Path bin = dir.resolve("bin");
        Files.copy(BUSYBOX, bin.resolve("busybox"));
        String applets = CommandRunner.local().run(BUSYBOX.toString(), "--list").check().stdout();
        for (String applet : applets.split("\n")) {
            if (!applet.isBlank() && !applet.equals("busybox")) {
                Files.createSymbolicLink(bin.resolve(applet.strip()), Path.of("busybox"));
            }
        }
        return dir;
    }

    /** Builds the tree in dir and packs it as a tar archive for "docker import" or "podman import"; returns the archive. */
    public static Path tar(Path dir, Path archive) throws IOException {
        build(dir);
        CommandRunner.local().run("tar", "-C", dir.toString(), "-cf", archive.toString(), ".").check();
        return archive;
    }
}
