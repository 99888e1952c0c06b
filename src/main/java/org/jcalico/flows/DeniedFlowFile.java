package org.jcalico.flows;

import java.io.IOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;

/**
 * LOG_ROOT/NODE/denied-flows.jsonl, appended one flushed line per flow (readers follow it); at {@link #ROTATE_BYTES}
 * it becomes denied-flows.jsonl.1 (replacing the one before) and a new file starts.
 */
public final class DeniedFlowFile {
    public static final String NAME = "denied-flows.jsonl";
    static final long ROTATE_BYTES = 16L << 20;
    private final Path file;
    private Writer writer;
    private long size;

    DeniedFlowFile(Path logDir) {
        this.file = logDir.resolve(NAME);
    }

    Path path() {
        return file;
    }

    public static Path of(Path logRoot, String node) {
        return logRoot.resolve(node).resolve(NAME);
    }

    void append(DeniedFlow flow) throws IOException {
        if (writer == null) {
            Files.createDirectories(file.getParent());
            writer = Files.newBufferedWriter(file, StandardCharsets.UTF_8, StandardOpenOption.CREATE, StandardOpenOption.APPEND);
            size = Files.size(file);
        }
        String line = flow.toJson() + "\n";
        writer.write(line);
        writer.flush();
        size += line.length();
        if (size >= ROTATE_BYTES) {
            writer.close();
            writer = null;
            Files.move(file, file.resolveSibling(NAME + ".1"), StandardCopyOption.REPLACE_EXISTING);
        }
    }
}
