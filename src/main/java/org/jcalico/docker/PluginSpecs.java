package org.jcalico.docker;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.jcalico.util.ReplacedFile;

/**
 * The spec files by which dockerd finds the plugin: DIR/jcalico.spec and DIR/jcalico-ipam.spec, each naming the
 * agent's docker socket. Written whole under a temporary name and renamed, so that a dockerd reading one never sees
 * half of it; removed on a clean stop, so that dockerd does not wait for a plugin that is gone.
 */
public record PluginSpecs(Path directory, Path socket) {
    public static final String NETWORK_DRIVER = "jcalico";
    public static final String IPAM_DRIVER = "jcalico-ipam";

    public List<Path> files() {
        return List.of(directory.resolve(NETWORK_DRIVER + ".spec"), directory.resolve(IPAM_DRIVER + ".spec"));
    }

    public void write() {
        try {
            for (Path file : files()) {
                ReplacedFile.write(file, "unix://" + socket + "\n", "rw-r--r--");
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the docker plugin's spec files in " + directory + ": " + e.getMessage(), e);
        }
    }

    /** Removes the files if they still name this socket (another agent may have taken the directory over since). */
    public void remove() {
        for (Path file : files()) {
            try {
                if (Files.exists(file) && Files.readString(file).strip().equals("unix://" + socket)) {
                    Files.delete(file);
                }
            } catch (IOException e) {
                // the next agent on this node overwrites it
            }
        }
    }
}
