package org.jcalico.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The launcher's training of its start-up cache (at the first command after every build) leaves nothing of its own
 * behind, also when it fails, as it does when its scratch store cannot be opened (for a user other than root, at every build): its scratch file was made in
 * /tmp and removed only once the store had been set up, so every failed training left one there.
 */
class TrainingScratchTest {
    @TempDir
    Path dir;

    @Test
    void aTrainingThatFailsLeavesNoScratchFile() throws IOException {
        Path notAStore = Files.writeString(dir.resolve("train.db"), "not a store");
        Set<Path> before = scratchFiles();
        int status = Main.run("--datastore", "embedded:" + notAStore, "internal", "train-startup-cache");
        Set<Path> left = scratchFiles();
        left.removeAll(before);
        assertNotEquals(0, status, "the training could not make its store");
        assertEquals(Set.of(), left, "no scratch file of the training left in " + tmp());
        try (Stream<Path> files = Files.walk(dir)) {
            assertEquals(Set.of(dir, notAStore), files.collect(Collectors.toSet()), "nothing left beside the store either");
        }
    }

    private static Set<Path> scratchFiles() throws IOException {
        try (Stream<Path> files = Files.list(tmp())) {
            return files.filter(file -> file.getFileName().toString().startsWith("jcalico-train"))
                    .collect(Collectors.toCollection(HashSet::new));
        }
    }

    private static Path tmp() {
        return Path.of(System.getProperty("java.io.tmpdir"));
    }
}
