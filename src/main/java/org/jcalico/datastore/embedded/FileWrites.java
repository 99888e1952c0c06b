package org.jcalico.datastore.embedded;

import java.io.IOException;
import java.nio.file.ClosedWatchServiceException;
import java.nio.file.FileSystems;
import java.nio.file.Path;
import java.nio.file.StandardWatchEventKinds;
import java.nio.file.WatchEvent;
import java.nio.file.WatchKey;
import java.nio.file.WatchService;
import java.util.Optional;
import java.util.Set;

/**
 * Tells a watch poller that another process wrote the store file: the kernel reports (inotify, through the JDK's
 * WatchService) every write of the file or of its WAL journal, which each commit appends to, and a file created,
 * moved or removed at either name (a backup moved over the store). So an idle poller looks only when something was
 * written, instead of every few milliseconds. The journal's index (-shm) is shared memory that readers write too, and
 * is not followed. Lost reports (the kernel's queue overflowed) count as a write. A directory moved away with the file
 * is still followed where it went; the poller's look once a second finds the path naming another file.
 */
final class FileWrites implements AutoCloseable {
    private final WatchService service;
    private final Thread thread;
    private volatile boolean following = true;

    private FileWrites(WatchService service, Set<Path> names, Runnable written) {
        this.service = service;
        this.thread = Thread.ofPlatform().daemon().name("jcalico-file-writes " + names).start(() -> follow(names, written));
    }

    /**
     * Follows the file at PATH, calling WRITTEN after each write by anyone; empty when its file system reports no
     * writes or the process may follow no more files (the kernel's limit of inotify instances), in which case the
     * caller has to look for itself.
     */
    static Optional<FileWrites> of(Path path, Runnable written) {
        WatchService service = null;
        try {
            // SQLite follows a symbolic link and writes its journal beside the file it names: so are they followed
            Path file = path.toRealPath();
            service = FileSystems.getDefault().newWatchService();
            file.getParent().register(service, StandardWatchEventKinds.ENTRY_CREATE, StandardWatchEventKinds.ENTRY_MODIFY,
                    StandardWatchEventKinds.ENTRY_DELETE);
            Path name = file.getFileName();
            return Optional.of(new FileWrites(service, Set.of(name, Path.of(name + "-wal")), written));
        } catch (IOException | UnsupportedOperationException e) {
            if (service != null) {
                try {
                    service.close();
                } catch (IOException ignored) {
                    // nothing was followed
                }
            }
            return Optional.empty();
        }
    }

    /** Whether writes are still reported: false once the directory went away or the service failed. */
    boolean following() {
        return following;
    }

    private void follow(Set<Path> names, Runnable written) {
        try {
            while (true) {
                WatchKey key = service.take();
                boolean ours = false;
                for (WatchEvent<?> event : key.pollEvents()) {
                    ours |= event.kind() == StandardWatchEventKinds.OVERFLOW || names.contains((Path) event.context());
                }
                if (ours) {
                    written.run();
                }
                if (!key.reset()) {
                    // the directory is gone: nothing more will be reported
                    following = false;
                    written.run();
                    return;
                }
            }
        } catch (InterruptedException | ClosedWatchServiceException e) {
            following = false;
        }
    }

    @Override
    public void close() {
        following = false;
        try {
            service.close();
        } catch (IOException ignored) {
            // the thread ends either way: take() fails on a closed service
        }
        try {
            thread.join(1000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
