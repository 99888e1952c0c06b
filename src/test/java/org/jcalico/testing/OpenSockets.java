package org.jcalico.testing;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** How many sockets a process holds open, by its /proc/PID/fd: what a flood of connections costs it. */
public final class OpenSockets {
    private OpenSockets() {
    }

    public static long of(long pid) throws IOException {
        try (var fds = Files.list(Path.of("/proc/" + pid + "/fd"))) {
            return fds.filter(fd -> {
                try {
                    return Files.readSymbolicLink(fd).toString().startsWith("socket:");
                } catch (IOException gone) {
                    return false;
                }
            }).count();
        }
    }
}
