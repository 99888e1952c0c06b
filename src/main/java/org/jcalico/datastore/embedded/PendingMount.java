package org.jcalico.datastore.embedded;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * Whether a store's path lies under a filesystem that /etc/fstab names and that is not mounted now: after a reboot
 * whose mount of the store's disk comes late (or failed), the store is not there yet rather than gone, and one made at
 * the path would go to the directory under the mount point, to be hidden by the mount with every commit made to it
 * meanwhile (IP addresses handed out twice). Only fstab is read: mounts made otherwise (a systemd mount unit of its
 * own, autofs) are not seen; docs/datastore.md, "Session 49 (w-wait)".
 */
final class PendingMount {
    private static final Path FSTAB = Path.of("/etc/fstab");
    private static final Path MOUNTINFO = Path.of("/proc/self/mountinfo");

    private PendingMount() {
    }

    /** The mount point the store's path waits for, if any, from this host's fstab and this process's mounts. */
    static Optional<String> of(Path store) {
        try {
            return of(store, Files.exists(FSTAB) ? Files.readAllLines(FSTAB) : List.of(), Files.readAllLines(MOUNTINFO));
        } catch (IOException e) {
            return Optional.empty(); // no fstab to read, or no /proc: nothing says a mount is due
        }
    }

    /** The deepest mount point of {@code fstab} that holds {@code store} and is not among {@code mountinfo}'s. */
    static Optional<String> of(Path store, List<String> fstab, List<String> mountinfo) {
        Path path = store.toAbsolutePath().normalize();
        Set<String> mounted = mountinfo.stream().map(line -> line.split(" ")).filter(fields -> fields.length > 4)
                .map(fields -> unescape(fields[4])).collect(Collectors.toSet());
        return fstab.stream().map(String::strip).filter(line -> !line.isEmpty() && !line.startsWith("#"))
                .map(line -> line.split("\\s+")).filter(fields -> fields.length > 2 && !fields[2].equals("swap"))
                .map(fields -> unescape(fields[1])).filter(point -> point.startsWith("/"))
                .filter(point -> path.startsWith(Path.of(point)) && !mounted.contains(Path.of(point).normalize().toString()))
                .max((a, b) -> Integer.compare(Path.of(a).getNameCount(), Path.of(b).getNameCount()));
    }

    /** fstab and mountinfo write a space, tab, newline or backslash in a path as a 3-digit octal escape. */
    private static String unescape(String field) {
        StringBuilder text = new StringBuilder();
        for (int i = 0; i < field.length(); i++) {
            if (field.charAt(i) == '\\' && i + 3 < field.length() && field.substring(i + 1, i + 4).matches("[0-7]{3}")) {
                text.append((char) Integer.parseInt(field.substring(i + 1, i + 4), 8));
                i += 3;
            } else {
                text.append(field.charAt(i));
            }
        }
        return text.toString();
    }
}
