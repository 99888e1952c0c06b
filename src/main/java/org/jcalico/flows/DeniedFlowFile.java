package org.jcalico.flows;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import org.jcalico.log.RotatingFile;

/**
 * LOG_ROOT/NODE/denied-flows.jsonl, appended one line per flow (readers follow it), rotated like the agent's other
 * logs (RotatingFile: denied-flows.jsonl.1 ... .5 at 10 MiB each).
 */
public final class DeniedFlowFile {
    public static final String NAME = "denied-flows.jsonl";
    private final Path file;
    private final RotatingFile rotating;

    DeniedFlowFile(Path logDir) {
        this.file = logDir.resolve(NAME);
        this.rotating = new RotatingFile(file, RotatingFile.DEFAULT_MAX_BYTES, RotatingFile.DEFAULT_KEEP);
    }

    Path path() {
        return file;
    }

    public static Path of(Path logRoot, String node) {
        return logRoot.resolve(node).resolve(NAME);
    }

    /** @throws java.io.UncheckedIOException when the line cannot be written */
    void append(DeniedFlow flow) {
        rotating.append((flow.toJson() + "\n").getBytes(StandardCharsets.UTF_8));
    }
}
