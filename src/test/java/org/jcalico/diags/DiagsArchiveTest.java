package org.jcalico.diags;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import org.jcalico.kernel.CommandRunner;
import org.jcalico.testing.Unprivileged;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * `node diags` run by root in a directory where anyone can add a name, as /tmp is (its default archive is
 * jcalico-diags-NODE-TIME.tar.gz in the current directory, a name anyone can guess): a local user (nobody, through
 * setpriv) who put a link there under the archive's name must not have root write the archive into the file it names.
 */
class DiagsArchiveTest {
    @TempDir Path dir;

    @Test
    void anArchiveWrittenWhereAnotherUserPlantedALinkLeavesTheLinkedFileAlone() throws Exception {
        Path shared = Unprivileged.sharedDirectory(dir, "shared");
        Path victim = Files.writeString(dir.resolve("shadow"), "root:secret:\n");
        Path output = shared.resolve("jcalico-diags-h1-20261204T120000Z.tar.gz");
        Unprivileged.link(victim, output);

        DiagsArchive.write(output, "jcalico-diags-h1", List.of(new DiagsArchive.Collector("versions.txt", () -> "jcalico\n")));

        // as bytes: overwritten, it holds a gzip stream, which is no UTF-8
        assertEquals("root:secret:\n", new String(Files.readAllBytes(victim), StandardCharsets.ISO_8859_1),
                "the file the link named was overwritten");
        assertFalse(Files.isSymbolicLink(output), "the archive is still nobody's link");
        assertEquals(0, Files.getAttribute(output, "unix:uid", LinkOption.NOFOLLOW_LINKS), "the archive is root's");
        CommandRunner.Result listed = CommandRunner.local().run("tar", "-tzf", output.toString());
        assertTrue(listed.stdout().contains("jcalico-diags-h1/versions.txt"), listed.stdout() + listed.stderr());
    }

    /**
     * The archive holds what only root may read (the node's logs and denied flows, its status and bird.conf from the run
     * directory, the cluster's endpoints): it is made its owner's alone, whatever the mask of the `node diags` that
     * wrote it (session 67, t-logs: it was 0644 under the usual 022, in the current directory).
     */
    @Test
    void theArchiveIsItsOwnersAloneToRead() throws Exception {
        Path output = dir.resolve("jcalico-diags-h1-20261207T120000Z.tar.gz");
        DiagsArchive.write(output, "jcalico-diags-h1", List.of(new DiagsArchive.Collector("versions.txt", () -> "jcalico\n")));
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(output)));
    }
}
