package org.jcalico.docker;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Files;
import java.nio.file.Path;
import org.jcalico.testing.Unprivileged;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The agent's docker plugin spec files in a plugin directory where anyone can add a name, as /tmp is
 * (`--docker-plugin-dir`): a local user (nobody, through setpriv) who put links under the names the agent wrote its
 * files under before renaming them must not have the agent, root, write the socket's address into a file of root's.
 */
class PluginSpecsTest {
    @TempDir Path dir;

    @Test
    void specsWrittenWhereAnotherUserPlantedLinksLeaveTheLinkedFilesAlone() throws Exception {
        Path plugins = Unprivileged.sharedDirectory(dir, "plugins");
        Path victim = Files.writeString(dir.resolve("shadow"), "root:secret:\n");
        PluginSpecs specs = new PluginSpecs(plugins, dir.resolve("run/docker.sock"));
        for (Path file : specs.files()) {
            Unprivileged.link(victim, file.resolveSibling("." + file.getFileName() + ".partial"));
        }

        specs.write();

        assertEquals("root:secret:\n", Files.readString(victim), "the file the links named was written");
        for (Path file : specs.files()) {
            assertEquals("unix://" + dir.resolve("run/docker.sock") + "\n", Files.readString(file), file.toString());
        }
    }
}
