package org.jcalico.agent;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Optional;
import org.jcalico.model.ValidationException;

/**
 * An fcntl lock on a file in the node's run directory (root's alone, see RunDirectory), which no child process
 * inherits and the kernel releases with its process: one holder at a time, and a killed holder holds nothing.
 */
final class HeldFile {
    private HeldFile() {
    }

    /** The open file, locked for this process until closed; empty while another process (or this one) holds it. */
    static Optional<FileChannel> take(Path file) {
        FileChannel channel;
        try {
            channel = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
        } catch (IOException e) {
            throw new ValidationException("cannot open " + file + ": " + e.getMessage());
        }
        FileLock lock;
        try {
            lock = channel.tryLock();
        } catch (IOException | OverlappingFileLockException e) {
            lock = null;
        }
        if (lock == null) {
            close(channel);
            return Optional.empty();
        }
        return Optional.of(channel);
    }

    static void close(FileChannel channel) {
        try {
            channel.close();
        } catch (IOException e) {
            // the lock goes with the process anyway
        }
    }
}
