package org.jcalico.image;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import org.jcalico.kernel.CommandRunner;
import org.jcalico.kernel.KernelException;
import org.jcalico.testing.Unprivileged;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * `node image --cache-dir` naming a directory another user made (in /tmp, say): what root builds there (the root file
 * system and the Java runtime that the node image, root's agent, then runs) and the lock it takes there are theirs to
 * swap or to point elsewhere, so the build refuses the directory before it makes anything in it or through it.
 */
class NodeImageCacheTest {
    @TempDir Path dir;

    @Test
    void aCacheDirectoryOfAnotherUsersIsRefusedBeforeAnythingIsMadeThroughIt() throws Exception {
        Path cache = Unprivileged.sharedDirectory(dir, "shared").resolve("node-image");
        Unprivileged.run("mkdir", cache.toString()).check();
        Path planted = dir.resolve("nologin");
        Unprivileged.link(planted, cache.resolve("lock"));
        NodeImage image = new NodeImage(new DockerCli(CommandRunner.local(), "unix://" + dir.resolve("no-daemon.sock")),
                cache, line -> { });

        KernelException refused = assertThrows(KernelException.class, image::ensure);

        assertFalse(Files.exists(planted), "root made the file nobody's link named: " + refused.getMessage());
        assertTrue(refused.getMessage().contains("--cache-dir"), refused.getMessage());
    }
}
