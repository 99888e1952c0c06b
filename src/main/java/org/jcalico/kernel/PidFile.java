package org.jcalico.kernel;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

/** A daemon's pid file: the process it names, if that process is still alive. */
public final class PidFile {
    private PidFile() {
    }

    public static Optional<ProcessHandle> liveProcess(Path file) {
        try {
            if (!Files.exists(file)) {
                return Optional.empty();
            }
            return ProcessHandle.of(Long.parseLong(Files.readString(file).strip())).filter(ProcessHandle::isAlive);
        } catch (IOException | NumberFormatException e) {
            return Optional.empty();
        }
    }
}
