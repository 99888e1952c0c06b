package org.jcalico.kernel;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * This process's hold on the pages of the read-only files it maps, let go: {@code madvise(MADV_DONTNEED)} over every
 * mapping of a library, the AOT cache or the JDK's modules image that is not writable and holds no page of its own (no
 * copy-on-write copy: {@code Anonymous: 0 kB} in {@code /proc/self/smaps}). Those stay mapped for the process's life,
 * so the range read from smaps is still theirs when the call comes; a file mapped for a while (a buffer) could be
 * unmapped and its range taken by anonymous memory in between, which the call would clear. For such a mapping the call only removes the process's page-table entries: the pages
 * stay in the kernel's page cache (shared with any other process that maps the file), and the next read of one is a
 * minor fault that maps it again (with up to 15 neighbours, the kernel's fault-around), or a read from the disk if the
 * kernel has reclaimed it meanwhile. Nothing is lost: the file is the content. A mapping that is writable, or one
 * whose pages were written (relocated read-only data of a library, an archive patched at its start), is left alone,
 * since there MADV_DONTNEED would throw the process's own copies away.
 * <p>
 * The agent does this once, after its start (docs/agent.md, "Memory", session 37): the start reads much of the JVM's
 * library and of the AOT cache's read-only metadata once (class loading, linking, the start's compilations), and a
 * steady agent touches a fraction of it again; the rest would stay counted as the agent's memory for good, while it
 * is only cache the kernel could drop.
 */
public final class FilePages {
    private static final int MADV_DONTNEED = 4;
    private static final MethodHandle MADVISE = Native.libc("madvise", FunctionDescriptor.of(ValueLayout.JAVA_INT,
            ValueLayout.JAVA_LONG, ValueLayout.JAVA_LONG, ValueLayout.JAVA_INT));

    private FilePages() {
    }

    /** One mapping of /proc/self/smaps: its range, permissions, file (empty if none), resident and anonymous kB. */
    record Mapping(long start, long end, String permissions, String file, long residentKb, long anonymousKb) {
        /**
         * True if letting its pages go loses nothing: a file's pages, none written by this process, none writable, of
         * a file mapped for the process's life (a library, the AOT cache, the JDK's modules image), so that no other
         * mapping can take its place between the read of smaps and the call.
         */
        boolean releasable() {
            return file.startsWith("/") && permissions.charAt(1) != 'w' && anonymousKb == 0 && residentKb > 0
                    && (file.endsWith(".so") || file.contains(".so.") || file.endsWith(".aot") || file.endsWith("/lib/modules"));
        }
    }

    /**
     * Lets go of the resident pages of every releasable mapping; returns the kB that were resident in them (what RSS
     * falls by at once), or -1 if /proc/self/smaps could not be read (then nothing was done).
     */
    public static long release() {
        List<Mapping> mappings;
        try {
            mappings = parse(Files.readAllLines(Path.of("/proc/self/smaps")));
        } catch (IOException e) {
            return -1;
        }
        long released = 0;
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = arena.allocate(Linker.Option.captureStateLayout());
            for (Mapping mapping : mappings) {
                if (mapping.releasable()
                        && (int) Native.call(() -> MADVISE.invoke(state, mapping.start(), mapping.end() - mapping.start(), MADV_DONTNEED)) == 0) {
                    released += mapping.residentKb();
                }
            }
        }
        return released;
    }

    /**
     * The mappings that the lines of a smaps file describe (read without regular expressions: some 25,000 lines, once,
     * on a path whose code is still cold).
     */
    static List<Mapping> parse(List<String> lines) {
        List<Mapping> mappings = new ArrayList<>();
        long start = 0;
        long end = 0;
        String permissions = null;
        String file = "";
        long resident = 0;
        for (String line : lines) {
            int dash = line.indexOf('-');
            int space = line.indexOf(' ');
            if (dash > 0 && space > dash && line.indexOf(':') > space) {
                if (permissions != null) {
                    mappings.add(new Mapping(start, end, permissions, file, resident, -1));
                }
                start = Long.parseUnsignedLong(line, 0, dash, 16);
                end = Long.parseUnsignedLong(line, dash + 1, space, 16);
                permissions = line.substring(space + 1, space + 5);
                // the fields after the range: permissions, offset, device, inode, then the file's name if any
                int at = space;
                for (int field = 0; field < 4 && at >= 0; field++) {
                    at = line.indexOf(' ', skipSpaces(line, at));
                }
                file = at < 0 ? "" : line.substring(skipSpaces(line, at));
                resident = 0;
            } else if (line.startsWith("Rss:")) {
                resident = kilobytes(line);
            } else if (line.startsWith("Anonymous:") && permissions != null) {
                mappings.add(new Mapping(start, end, permissions, file, resident, kilobytes(line)));
                permissions = null;
            }
        }
        if (permissions != null) {
            mappings.add(new Mapping(start, end, permissions, file, resident, -1));
        }
        return mappings;
    }

    private static int skipSpaces(String line, int at) {
        while (at < line.length() && line.charAt(at) == ' ') {
            at++;
        }
        return at;
    }

    private static long kilobytes(String line) {
        int from = skipSpaces(line, line.indexOf(':') + 1);
        return Long.parseLong(line, from, line.indexOf(' ', from), 10);
    }
}
