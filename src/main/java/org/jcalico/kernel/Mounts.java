package org.jcalico.kernel;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;

/**
 * The mount points a container runtime (dockerd, podman) left under its own root, found in this process's mount
 * namespace, so that removing the root never descends into a mount or leaves one behind.
 */
public final class Mounts {
    private Mounts() {
    }

    /** Mount points at or below root, deepest first. */
    public static List<String> under(Path root) {
        try {
            return Files.readAllLines(Path.of("/proc/self/mountinfo")).stream()
                    .map(line -> unescape(line.split(" ")[4]))
                    .filter(mount -> Path.of(mount).startsWith(root))
                    .sorted(Comparator.comparingInt(String::length).reversed())
                    .toList();
        } catch (IOException e) {
            throw new IllegalStateException("cannot read /proc/self/mountinfo", e);
        }
    }

    /** Unmounts (lazily: a process may still hold one) every mount at or below root, deepest first. */
    public static void unmountUnder(Path root) {
        under(root).forEach(mount -> CommandRunner.local().run("umount", "-l", mount).check());
    }

    /** mountinfo writes space, tab, newline and backslash as octal escapes. */
    private static String unescape(String field) {
        StringBuilder out = new StringBuilder();
        for (int i = 0; i < field.length(); i++) {
            char c = field.charAt(i);
            if (c == '\\' && i + 3 < field.length()) {
                out.append((char) Integer.parseInt(field.substring(i + 1, i + 4), 8));
                i += 3;
            } else {
                out.append(c);
            }
        }
        return out.toString();
    }
}
