package org.jcalico.diags;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import org.jcalico.kernel.CommandRunner;
import org.jcalico.kernel.KernelException;
import org.jcalico.util.Directories;

/**
 * One tar.gz of collected files. Each collector runs on its own: one that fails (a tool missing, BIRD down, the
 * datastore unreachable) leaves its error as its file's content, and the others are still collected, so that an
 * archive taken on a broken host - the reason to take one - holds everything that could be read.
 */
public final class DiagsArchive {
    /** A file of the archive (a relative path) and how to read its content. */
    public record Collector(String file, Callable<String> content) {
    }

    /** A file as written: its size, and the collector's error (null when it succeeded). */
    public record Entry(String file, long bytes, String error) {
    }

    private DiagsArchive() {
    }

    /** Runs every collector and writes the archive to {@code output}, whose files sit under one directory {@code top}. */
    public static List<Entry> write(Path output, String top, List<Collector> collectors) throws IOException {
        Path scratch = Files.createTempDirectory("jcalico-diags");
        try {
            Path root = scratch.resolve(top);
            List<Entry> entries = new ArrayList<>();
            for (Collector collector : collectors) {
                String content;
                String error = null;
                try {
                    content = collector.content().call();
                } catch (Exception e) {
                    error = e.getMessage() == null ? e.toString() : e.getMessage();
                    content = "error: " + error + "\n";
                }
                Path file = root.resolve(collector.file());
                Files.createDirectories(file.getParent());
                byte[] bytes = content.getBytes(StandardCharsets.UTF_8);
                Files.write(file, bytes);
                entries.add(new Entry(collector.file(), bytes.length, error));
            }
            Path absolute = output.toAbsolutePath();
            Files.createDirectories(absolute.getParent());
            // made in the scratch directory, root's alone, then renamed over whatever has the name: tar would write
            // through a link that another user put there (the default name is easy to guess) into a file of root's
            Path archive = scratch.resolve("archive.tar.gz");
            CommandRunner.Result tar = CommandRunner.local().run("tar", "-czf", archive.toString(), "-C", scratch.toString(), top);
            if (!tar.ok()) {
                throw new KernelException("tar could not write " + absolute + ": " + tar.stderr().strip());
            }
            // the archive holds what only root may read (the logs, the run directory's status and bird.conf), and
            // tar made it with this process's mask (0644 under the usual 022)
            Files.setPosixFilePermissions(archive, PosixFilePermissions.fromString("rw-------"));
            Files.move(archive, absolute, StandardCopyOption.REPLACE_EXISTING);
            return entries;
        } finally {
            Directories.delete(scratch);
        }
    }
}
