package org.jcalico.log;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.Objects;
import java.util.Set;

/**
 * A log file that rotates itself by size, so that no logrotate is needed: once a line would take it past
 * {@code maxBytes}, FILE becomes FILE.1 (FILE.1 becomes FILE.2 ..., the oldest beyond {@code keep} is dropped) and a
 * new FILE is begun. Several processes may append to one file (the supervisor and its agent share felix.log): each
 * line is one append, rotation happens under a lock file beside the log, and a writer whose file was rotated by
 * another process notices (the path names another file) and reopens before its next line.
 */
public final class RotatingFile implements AutoCloseable {
    public static final long DEFAULT_MAX_BYTES = 10L << 20;
    public static final int DEFAULT_KEEP = 5;
    private static final Set<StandardOpenOption> APPENDING = Set.of(StandardOpenOption.CREATE, StandardOpenOption.WRITE,
            StandardOpenOption.APPEND);
    private final Path path;
    private final long maxBytes;
    private final int keep;
    private FileChannel channel;
    private Object openKey;

    public RotatingFile(Path path, long maxBytes, int keep) {
        if (maxBytes < 1 || keep < 1) {
            throw new IllegalArgumentException("a rotated log needs a positive size limit and at least one old file");
        }
        this.path = path;
        this.maxBytes = maxBytes;
        this.keep = keep;
    }

    /** Appends one line (its bytes, newline included). */
    public synchronized void append(byte[] line) {
        try {
            if (channel == null || !Objects.equals(openKey, currentKey())) {
                reopen();
            }
            if (channel.size() > 0 && channel.size() + line.length > maxBytes) {
                rotate(line.length);
            }
            ByteBuffer buffer = ByteBuffer.wrap(line);
            while (buffer.hasRemaining()) {
                channel.write(buffer);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write log file " + path + ": " + e.getMessage(), e);
        }
    }

    /** The file's identity (device and inode), or null when there is no file at the path. */
    private Object currentKey() throws IOException {
        try {
            return Files.readAttributes(path, BasicFileAttributes.class).fileKey();
        } catch (NoSuchFileException e) {
            return null;
        }
    }

    private void reopen() throws IOException {
        if (channel != null) {
            channel.close();
        }
        Files.createDirectories(path.getParent());
        channel = FileChannel.open(path, APPENDING, LogFiles.MODE);
        openKey = currentKey();
    }

    /** Under the lock, and only if no other writer rotated meanwhile (then the line goes to the file it began). */
    private void rotate(int lineLength) throws IOException {
        Path lockFile = path.resolveSibling(path.getFileName() + ".lock");
        try (FileChannel lock = FileChannel.open(lockFile, Set.of(StandardOpenOption.CREATE, StandardOpenOption.WRITE),
                LogFiles.MODE);
             FileLock held = lock.lock()) {
            if (Objects.equals(openKey, currentKey()) && channel.size() + lineLength > maxBytes) {
                Files.deleteIfExists(numbered(keep));
                for (int n = keep - 1; n >= 1; n--) {
                    if (Files.exists(numbered(n))) {
                        Files.move(numbered(n), numbered(n + 1), StandardCopyOption.REPLACE_EXISTING);
                    }
                }
                Files.move(path, numbered(1), StandardCopyOption.REPLACE_EXISTING);
            }
            reopen();
        }
    }

    private Path numbered(int n) {
        return path.resolveSibling(path.getFileName() + "." + n);
    }

    @Override
    public synchronized void close() {
        try {
            if (channel != null) {
                channel.close();
            }
        } catch (IOException e) {
            // nothing left to write
        }
    }
}
