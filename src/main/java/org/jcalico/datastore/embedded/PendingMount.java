package org.jcalico.datastore.embedded;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Deque;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.function.Consumer;

/**
 * Whether a store's path lies under a filesystem that /etc/fstab names and that is not mounted now: after a reboot
 * whose mount of the store's disk comes late (or failed), the store is not there yet rather than gone, and one made at
 * the path would go to the directory under the mount point, to be hidden by the mount with every commit made to it
 * meanwhile (IP addresses handed out twice). Only fstab is read: mounts made otherwise (a systemd mount unit of its
 * own, autofs) are not seen; docs/datastore.md, "Session 49 (w-wait)". fstab is read as mount(8) reads it
 * (util-linux's libmount), and no line of it, however malformed, fails the check ("Session 50 (t-rest)").
 */
final class PendingMount {
    private static final Path FSTAB = Path.of("/etc/fstab");
    private static final Path MOUNTINFO = Path.of("/proc/self/mountinfo");
    /** Far beyond any fstab written by hand or by a tool; what lies past it is not read. */
    private static final long FSTAB_LIMIT = 16L << 20;

    private PendingMount() {
    }

    /** Lines handed one at a time: a file's, read to a bound, or a test's list. */
    interface Lines {
        void forEach(Consumer<String> line) throws IOException;
    }

    /** The mount point the store's path waits for, if any, from this host's fstab and this process's mounts. */
    static Optional<String> of(Path store) {
        return of(store, FSTAB, MOUNTINFO);
    }

    /** As {@link #of(Path)}, from the files given. */
    static Optional<String> of(Path store, Path fstab, Path mountinfo) {
        if (!Files.exists(fstab)) {
            return Optional.empty();
        }
        return of(store, line -> TableLines.forEach(fstab, FSTAB_LIMIT, line),
                line -> TableLines.forEach(mountinfo, Long.MAX_VALUE, line));
    }

    /** As {@link #of(Path)}, from the lines given, each byte of them one character (ISO-8859-1), as a file's. */
    static Optional<String> of(Path store, List<String> fstab, List<String> mountinfo) {
        return of(store, fstab::forEach, mountinfo::forEach);
    }

    /** The deepest mount point of {@code fstab} that holds {@code store} and is not among {@code mountinfo}'s. */
    private static Optional<String> of(Path store, Lines fstab, Lines mountinfo) {
        Optional<String> path = normalized(store.toAbsolutePath().toString());
        try {
            List<String> holding = new ArrayList<>();
            fstab.forEach(line -> fstabMountPoint(line)
                    .filter(point -> path.isPresent() && holds(point, path.get())).ifPresent(holding::add));
            if (holding.isEmpty()) {
                return Optional.empty();
            }
            Set<String> mounted = new HashSet<>();
            mountinfo.forEach(line -> mountinfoMountPoint(line).filter(holding::contains).ifPresent(mounted::add));
            return holding.stream().filter(point -> !mounted.contains(point))
                    .max(Comparator.comparingInt(point -> point.split("/").length));
        } catch (IOException e) {
            return Optional.empty(); // no fstab to read, or no /proc: nothing says a mount is due
        }
    }

    /**
     * The mount point of an fstab entry, as libmount's parser takes it: blank and '#' lines are none; source, mount
     * point and type are required, options optional; the fifth and sixth fields, if there, must be numbers (else the
     * line is broken, and mount ignores it: a comment after the options makes it so); anything after the sixth is
     * ignored. Swap and a mount point that is no absolute path are none.
     */
    private static Optional<String> fstabMountPoint(String line) {
        String text = line.endsWith("\r") ? line.substring(0, line.length() - 1) : line;
        String[] fields = text.replaceFirst("^[ \t]+", "").split("[ \t]+");
        if (fields.length < 3 || fields[0].startsWith("#") || fields[2].equals("swap")
                || (fields.length > 4 && !fields[4].matches("[+-]?[0-9]+"))
                || (fields.length > 5 && !fields[5].matches("[+-]?[0-9]+"))) {
            return Optional.empty();
        }
        return normalized(unescape(fields[1]));
    }

    /** The mount point of a line of /proc/self/mountinfo: its fifth field. */
    private static Optional<String> mountinfoMountPoint(String line) {
        String[] fields = line.split(" ");
        return fields.length > 4 ? normalized(unescape(fields[4])) : Optional.empty();
    }

    private static boolean holds(String point, String path) {
        return point.equals("/") || path.equals(point) || path.startsWith(point + "/");
    }

    /**
     * An absolute path with its "." and ".." resolved and no slash doubled or at the end, as the kernel names a mount
     * point; none for what no path can be (relative, or holding a NUL byte).
     */
    private static Optional<String> normalized(String path) {
        if (!path.startsWith("/") || path.indexOf('\0') >= 0) {
            return Optional.empty();
        }
        Deque<String> names = new ArrayDeque<>();
        for (String name : path.split("/")) {
            if (name.equals("..")) {
                names.pollLast();
            } else if (!name.isEmpty() && !name.equals(".")) {
                names.addLast(name);
            }
        }
        return Optional.of("/" + String.join("/", names));
    }

    /**
     * fstab and mountinfo write a byte of a path (a space, tab, newline, backslash, or any other) as a backslash and
     * three octal digits, as libmount's unmangle reads them; the bytes are then read as UTF-8, as Java names files.
     */
    private static String unescape(String field) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        for (int i = 0; i < field.length(); i++) {
            if (field.charAt(i) == '\\' && i + 3 < field.length() && isOctal(field.charAt(i + 1))
                    && isOctal(field.charAt(i + 2)) && isOctal(field.charAt(i + 3))) {
                bytes.write(Integer.parseInt(field.substring(i + 1, i + 4), 8) & 0xff);
                i += 3;
            } else {
                bytes.write(field.charAt(i) & 0xff);
            }
        }
        return bytes.toString(StandardCharsets.UTF_8);
    }

    private static boolean isOctal(char c) {
        return c >= '0' && c <= '7';
    }
}
