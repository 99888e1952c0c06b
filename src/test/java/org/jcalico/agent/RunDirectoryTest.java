package org.jcalico.agent;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import org.jcalico.testing.Unprivileged;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The run directory under a sticky, world-writable root (as /tmp is, which the run directory's rules allow), where a
 * local user (nobody, through setpriv) has put a symbolic link of their own at the node's name.
 */
class RunDirectoryTest {
    @TempDir Path dir;
    private Path sticky;

    @BeforeEach
    void stickyRoot() throws IOException {
        sticky = Unprivileged.sharedDirectory(dir, "run");
    }

    /** Root's directory elsewhere, /etc say: the agent must neither make it 0700 nor write its files in it. */
    @Test
    void aRunDirectoryThatIsSomeoneElsesSymbolicLinkIsRefusedAndWhatItPointsAtIsLeftAlone() throws Exception {
        Path etc = Files.createDirectory(dir.resolve("etc"));
        Files.setPosixFilePermissions(etc, PosixFilePermissions.fromString("rwxr-xr-x"));
        Path node = sticky.resolve("h1");
        Unprivileged.link(etc, node);
        IOException refused = assertThrows(IOException.class, () -> RunDirectory.secure(node));
        assertTrue(refused.getMessage().contains("symbolic link"), refused.getMessage());
        assertEquals("rwxr-xr-x", PosixFilePermissions.toString(Files.getPosixFilePermissions(etc)), "the target's mode untouched");

        Path viaLink = sticky.resolve("nobodys").resolve("h1");
        Path own = Files.createDirectory(dir.resolve("own"));
        Unprivileged.link(own, viaLink.getParent());
        assertThrows(IOException.class, () -> RunDirectory.secure(viaLink), "nor a run directory under such a link");
        assertFalse(Files.exists(own.resolve("h1"), LinkOption.NOFOLLOW_LINKS), "and nothing is made there");
    }

    @Test
    void rootsOwnDirectoryUnderTheStickyRootAndRootsOwnLinkAboveItAreServed() throws Exception {
        Path node = sticky.resolve("h1");
        RunDirectory.secure(node);
        assertEquals("rwx------", PosixFilePermissions.toString(Files.getPosixFilePermissions(node)));
        Path link = Files.createSymbolicLink(dir.resolve("var-run"), sticky);
        RunDirectory.secure(link.resolve("h2"));
        assertEquals("rwx------", PosixFilePermissions.toString(Files.getPosixFilePermissions(sticky.resolve("h2"))));
    }
}
