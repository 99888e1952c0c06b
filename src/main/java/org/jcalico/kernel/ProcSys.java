package org.jcalico.kernel;

import java.io.FileInputStream;
import java.io.FileOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.function.BiConsumer;
import org.jcalico.util.Shown;

/**
 * Reads and writes /proc/sys files of a runner's network namespace in-process: on a thread of this object's own that
 * entered the namespace ({@link NamespaceThread}), since /proc/sys/net shows the settings of the namespace of the
 * thread that opens a file there, not the process's. Each file is read first and written only if its value differs,
 * in the given order (so a write that changes other files, ip_forward turning every interface's forwarding on, is seen
 * by the reads after it). No process and no shell: a cold start's thousands of settings are a few system calls each
 * on one thread, instead of a shell's built-ins in exchanges whose answers must fit a pipe.
 */
public final class ProcSys {
    static final String TOOL = "procsys";
    private final NamespaceThread<AutoCloseable> thread;
    private final BiConsumer<String, Boolean> observer;

    ProcSys(String namespace, BiConsumer<String, Boolean> observer, long timeoutSeconds) {
        // the thread holds no resource: the namespace it entered is what makes its opens land there
        this.thread = new NamespaceThread<>(namespace, TOOL, () -> () -> { }, timeoutSeconds);
        this.observer = observer;
    }

    /** What a batch did: the files written (their value differed or could not be read), the refused ones' errors. */
    public record Outcome(Set<String> written, Map<String, String> refused) {
    }

    /**
     * Writes each value (a line of text: "1") to its file under /proc/sys where the file holds another, in order; one
     * that cannot be read is written, and the write's error says why it is refused. Counted for the observer as a run
     * of "procsys" that went well when nothing was refused.
     *
     * @throws Rtnetlink.Interrupted when the batch did not finish in time: which values were written is unknown
     */
    public Outcome write(Map<String, String> valuesByPath) {
        return write(valuesByPath, Set.of());
    }

    /**
     * The same, but a file the caller already knows to hold another value (DIFFERING, by path: a links dump carries
     * most of an interface's settings, {@link Link}) is written without being read first.
     */
    public Outcome write(Map<String, String> valuesByPath, Set<String> differing) {
        return thread.observed(ignored -> writeHere(valuesByPath, differing), outcome -> !outcome.refused().isEmpty(),
                TOOL, observer);
    }

    /**
     * The work of {@link #write(Map, Set)} on the calling thread, which must be in the namespace whose settings are
     * meant: this object's thread, or another {@link NamespaceThread} of the same namespace ({@link
     * Rtnetlink#settingsThenLinksUp}).
     */
    static Outcome writeHere(Map<String, String> valuesByPath, Set<String> differing) {
        Set<String> written = new HashSet<>();
        Map<String, String> refused = new LinkedHashMap<>();
        byte[] buffer = new byte[64];
        valuesByPath.forEach((path, value) -> {
            if (!underProcSys(path)) {
                throw new KernelException("refused to write " + Shown.escaped(path) + ": not under /proc/sys");
            }
            if (!differing.contains(path) && value.equals(read(path, buffer))) {
                return;
            }
            try (FileOutputStream out = new FileOutputStream(path)) {
                out.write((value + "\n").getBytes(StandardCharsets.US_ASCII));
                written.add(path);
            } catch (IOException e) {
                String reason = e.getMessage() == null ? e.toString() : e.getMessage();
                refused.put(path, reason.startsWith(path) ? reason : path + ": " + reason);
            }
        });
        return new Outcome(written, refused);
    }

    /**
     * Whether the path names a file under /proc/sys/ as it stands: "/proc/sys/../../etc/x" starts with /proc/sys/ too,
     * so a "." or ".." part is refused. A scan of the text rather than Path.normalize: a cold start checks thousands of
     * paths before its links can go up, and Path's parsing, twice per path, cost a quarter of the writes' time.
     */
    static boolean underProcSys(String path) {
        String root = "/proc/sys/";
        if (!path.startsWith(root)) {
            return false;
        }
        int part = root.length();
        while (part <= path.length()) {
            int end = path.indexOf('/', part);
            end = end < 0 ? path.length() : end;
            int length = end - part;
            if (length == 1 && path.charAt(part) == '.' || length == 2 && path.startsWith("..", part)) {
                return false;
            }
            part = end + 1;
        }
        return true;
    }

    /** The file's first line, or null when it cannot be read (the write that follows says why). */
    private static String read(String path, byte[] buffer) {
        try (FileInputStream in = new FileInputStream(path)) {
            // only the first line is wanted, and a /proc/sys file gives its value and newline in one read: reading on
            // to the end of the file was a second system call per file for nothing
            int length = 0;
            int end = -1;
            while (end < 0 && length < buffer.length) {
                int n = in.read(buffer, length, buffer.length - length);
                if (n <= 0) {
                    break;
                }
                for (int i = length; i < length + n && end < 0; i++) {
                    end = buffer[i] == '\n' ? i : -1;
                }
                length += n;
            }
            return new String(buffer, 0, end < 0 ? length : end, StandardCharsets.US_ASCII);
        } catch (IOException e) {
            return null;
        }
    }
}
