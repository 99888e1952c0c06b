package org.jcalico.agent;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;

/**
 * The node's run directory as a place that nobody else can enter or change: owned by this process's user (root),
 * mode 0700, and every directory above it owned by that user or root and writable by nobody else unless sticky
 * (as /tmp is), so that nobody else can move it aside and put one of their own in its place. The agent's socket and
 * pid files live there, so a file found there was put there by root.
 */
final class RunDirectory {
    private static final int GROUP_OR_OTHER_WRITE = 0022;
    private static final int STICKY = 01000;

    private RunDirectory() {
    }

    /** Creates the directory if needed and makes it root's alone; throws if someone else could change the path. */
    static void secure(Path dir) throws IOException {
        Path absolute = dir.toAbsolutePath().normalize();
        Files.createDirectories(absolute);
        int self = uid(Path.of("/proc/self"));
        if (uid(absolute) != self) {
            throw new IOException(absolute + " belongs to uid " + uid(absolute) + ", not to this agent's uid " + self);
        }
        Files.setAttribute(absolute, "unix:mode", 0700, LinkOption.NOFOLLOW_LINKS);
        for (Path above = absolute.getParent(); above != null; above = above.getParent()) {
            int owner = uid(above);
            int mode = (Integer) Files.getAttribute(above, "unix:mode");
            if (owner != self && owner != 0 || (mode & GROUP_OR_OTHER_WRITE) != 0 && (mode & STICKY) == 0) {
                throw new IOException(above + " (above the run directory " + absolute
                        + ") can be changed by users other than root: choose another --run-dir");
            }
        }
    }

    private static int uid(Path path) throws IOException {
        return (Integer) Files.getAttribute(path, "unix:uid");
    }
}
