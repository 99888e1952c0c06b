package org.jcalico.agent;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.stream.Stream;

/**
 * The node's run directory as a place that nobody else can enter or change: owned by this process's user (root),
 * mode 0700, and every directory above it owned by that user or root and writable by nobody else unless sticky
 * (as /tmp is), so that nobody else can move it aside and put one of their own in its place. The agent's socket and
 * pid files live there, so a file found there was put there by root. Every name on the way is judged as itself, not
 * as what it points to: a symbolic link is taken only from that user or root (another user's link in a sticky
 * directory, /tmp/jcalico pointing at /etc say, would have the agent make /etc 0700 and, the link swapped after the
 * check, write its pid files wherever that user likes), and the directories it leads to are judged too. The log
 * directory, and the node image's cache, are judged by the same rules ({@link #unchangeable}), without being made 0700.
 */
public final class RunDirectory {
    private static final int GROUP_OR_OTHER_WRITE = 0022;
    private static final int STICKY = 01000;
    private static final int OTHER_ANY = 0007;

    private RunDirectory() {
    }

    /** Creates the directory if needed and makes it root's alone; throws if someone else could change the path. */
    static void secure(Path dir) throws IOException {
        Path absolute = ownDirectory(dir, "--run-dir");
        Files.setAttribute(absolute, "unix:mode", 0700, LinkOption.NOFOLLOW_LINKS);
    }

    /**
     * A directory others may read but nobody else may change, named by OPTION: the node image's cache (--cache-dir), and
     * the node's log directory (--log-dir, see {@link #logs}). As the run directory, and writable by root alone, sticky or
     * not (where another user can add a name, they can make felix.log a link to any file of root's, and the agent, root,
     * would append its log to it; or put their own Java runtime in the cache for the image to run).
     */
    public static void unchangeable(Path dir, String option) throws IOException {
        unchangeableDirectory(dir, option);
    }

    private static Path unchangeableDirectory(Path dir, String option) throws IOException {
        Path absolute = ownDirectory(dir, option);
        int mode = (Integer) Files.getAttribute(absolute, "unix:mode", LinkOption.NOFOLLOW_LINKS);
        if ((mode & GROUP_OR_OTHER_WRITE) != 0) {
            throw new IOException(absolute + " can be written by users other than root (mode "
                    + Integer.toOctalString(mode & 07777) + "): choose another " + option + ", or chmod go-w it");
        }
        return absolute;
    }

    /**
     * A node's log directory, named by OPTION: {@link #unchangeable}, and closed to users outside root's group (mode
     * o-rwx, so 0750 as made), since what the agent logs there (denied flows, endpoints, BIRD's sessions) is the
     * cluster's, which only root may read from the store. An existing directory is tightened too: it is this user's
     * (checked), and taking others' access away opens nothing; a group an administrator gave it is kept. So is every
     * file in it (a jcalico before session 67 made agent.out, bird.log and ulogd.log 0644, and felix.log before
     * session 66): a file open inside the closed directory is open again once the directory is, or once it is linked
     * or moved elsewhere. Links are left as they are (only root can have made one here; closing one would close
     * what it names).
     */
    public static void logs(Path dir, String option) throws IOException {
        Path absolute = unchangeableDirectory(dir, option);
        closeToOthers(absolute);
        try (Stream<Path> entries = Files.list(absolute)) {
            for (Path entry : entries.toList()) {
                if (!Files.isSymbolicLink(entry)) {
                    closeToOthers(entry);
                }
            }
        }
    }

    private static void closeToOthers(Path path) throws IOException {
        try {
            int mode = (Integer) Files.getAttribute(path, "unix:mode", LinkOption.NOFOLLOW_LINKS);
            if ((mode & OTHER_ANY) != 0) {
                Files.setAttribute(path, "unix:mode", mode & 07777 & ~OTHER_ANY, LinkOption.NOFOLLOW_LINKS);
            }
        } catch (NoSuchFileException e) {
            // rotated or removed since it was listed: a running writer's next file is made closed
        }
    }

    /** Creates the directory if needed; throws unless it is a directory of this user's that only root could move. */
    private static Path ownDirectory(Path dir, String option) throws IOException {
        Path absolute = dir.toAbsolutePath().normalize();
        int self = uid(Path.of("/proc/self"));
        // before anything is made through a link of someone else's, then again with every name there
        unchangeableAbove(absolute, absolute, self, option);
        Files.createDirectories(absolute);
        if (Files.isSymbolicLink(absolute)) {
            throw new IOException(absolute + " is a symbolic link (of uid " + uid(absolute) + "), not a directory");
        }
        if (uid(absolute) != self) {
            throw new IOException(absolute + " belongs to uid " + uid(absolute) + ", not to this process's uid " + self
                    + ": choose another " + option);
        }
        unchangeableAbove(absolute, absolute, self, option);
        unchangeableAbove(absolute.toRealPath(), absolute, self, option);
        return absolute;
    }

    /**
     * Throws unless every name above {@code path} that exists (each as itself, a link not followed) is this user's or
     * root's and only theirs to change.
     */
    private static void unchangeableAbove(Path path, Path dir, int self, String option) throws IOException {
        for (Path above = path.getParent(); above != null; above = above.getParent()) {
            if (!Files.exists(above, LinkOption.NOFOLLOW_LINKS)) {
                continue;
            }
            int owner = uid(above);
            boolean link = Files.isSymbolicLink(above);
            int mode = (Integer) Files.getAttribute(above, "unix:mode", LinkOption.NOFOLLOW_LINKS);
            if (owner != self && owner != 0 || !link && (mode & GROUP_OR_OTHER_WRITE) != 0 && (mode & STICKY) == 0) {
                throw new IOException(above + " (above " + dir + ") can be changed by users other than root: choose another "
                        + option);
            }
        }
    }

    /** The owner of the name itself: a symbolic link's, not its target's. */
    private static int uid(Path path) throws IOException {
        return (Integer) Files.getAttribute(path, "unix:uid", LinkOption.NOFOLLOW_LINKS);
    }
}
