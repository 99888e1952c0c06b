package org.jcalico.datastore.embedded;

import java.io.IOException;
import java.nio.file.ClosedWatchServiceException;
import java.nio.file.FileSystems;
import java.nio.file.Path;
import java.nio.file.StandardWatchEventKinds;
import java.nio.file.WatchEvent;
import java.nio.file.WatchKey;
import java.nio.file.WatchService;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Tells a watch poller that another process wrote the store file: the kernel reports (inotify, through the JDK's
 * WatchService) every write of the file or of its WAL journal, which each commit appends to, and a file created,
 * moved or removed at either name (a backup moved over the store). So an idle poller looks only when something was
 * written, instead of every few milliseconds. The journal's index (-shm) is shared memory that readers write too, and
 * is not followed. Lost reports (the kernel's queue overflowed) count as a write. A directory moved away with the file
 * is still followed where it went; the poller's look once a second finds the path naming another file.
 *
 * <p>One inotify instance and one thread for the whole process, whatever the number of stores followed: the kernel
 * allows a user 128 instances, shared with every other program of that user (root's: dockerd, containerd, podman,
 * systemd), and one per store ran out in the test suite's JVM, whose later stores then polled.
 */
final class FileWrites implements AutoCloseable {
    private static final Object LOCK = new Object();
    /** The process's service, made at first use (again, if the kernel refused it then); guarded by LOCK. */
    private static WatchService service;
    /** Who follows files in each directory followed; guarded by LOCK. */
    private static final Map<WatchKey, Set<FileWrites>> FOLLOWED = new HashMap<>();
    private final WatchKey key;
    private final Set<Path> names;
    private final Runnable written;
    private volatile boolean following = true;

    private FileWrites(WatchKey key, Set<Path> names, Runnable written) {
        this.key = key;
        this.names = names;
        this.written = written;
    }

    /**
     * Follows the file at PATH, calling WRITTEN after each write by anyone; empty when its file system reports no
     * writes or the kernel refused the process an inotify instance, in which case the caller has to look for itself.
     */
    static Optional<FileWrites> of(Path path, Runnable written) {
        try {
            // SQLite follows a symbolic link and writes its journal beside the file it names: so are they followed
            Path file = path.toRealPath();
            Path name = file.getFileName();
            synchronized (LOCK) {
                if (service == null) {
                    WatchService made = FileSystems.getDefault().newWatchService();
                    Thread.ofPlatform().daemon().name("jcalico-file-writes").start(() -> follow(made));
                    service = made;
                }
                WatchKey key = file.getParent().register(service, StandardWatchEventKinds.ENTRY_CREATE,
                        StandardWatchEventKinds.ENTRY_MODIFY, StandardWatchEventKinds.ENTRY_DELETE);
                FileWrites writes = new FileWrites(key, Set.of(name, Path.of(name + "-wal")), written);
                FOLLOWED.computeIfAbsent(key, followed -> new HashSet<>()).add(writes);
                return Optional.of(writes);
            }
        } catch (IOException | UnsupportedOperationException e) {
            return Optional.empty();
        }
    }

    /** Whether writes are still reported: false once the directory went away. */
    boolean following() {
        return following;
    }

    private static void follow(WatchService service) {
        try {
            while (true) {
                WatchKey key = service.take();
                List<WatchEvent<?>> events = key.pollEvents();
                boolean valid = key.reset();
                List<FileWrites> told;
                synchronized (LOCK) {
                    told = List.copyOf(FOLLOWED.getOrDefault(key, Set.of()));
                    if (!valid) {
                        FOLLOWED.remove(key);
                    }
                }
                for (FileWrites writes : told) {
                    writes.tell(events, valid);
                }
            }
        } catch (InterruptedException | ClosedWatchServiceException e) {
            // the service lives as long as the process: nothing closes it
        }
    }

    private void tell(List<WatchEvent<?>> events, boolean valid) {
        if (!valid) {
            // the directory is gone: nothing more will be reported
            following = false;
            written.run();
            return;
        }
        for (WatchEvent<?> event : events) {
            if (event.kind() == StandardWatchEventKinds.OVERFLOW || names.contains((Path) event.context())) {
                written.run();
                return;
            }
        }
    }

    @Override
    public void close() {
        following = false;
        synchronized (LOCK) {
            Set<FileWrites> same = FOLLOWED.get(key);
            if (same != null && same.remove(this) && same.isEmpty()) {
                FOLLOWED.remove(key);
                key.cancel();
            }
        }
    }
}
