package org.jcalico.datastore.embedded;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.function.Consumer;

/**
 * The lines of a system table (/etc/fstab, /proc/self/mountinfo) one at a time, each byte one character (ISO-8859-1,
 * so that an escape's bytes and a raw name's can be decoded together afterwards), without holding the file: a line
 * longer than any entry can be is skipped, and no more than {@code limit} bytes are read, so a file of any size (a
 * sparse one, a device) is neither held whole nor read for long.
 */
final class TableLines {
    /** A line of four escaped PATH_MAXs and the rest: longer, it is no entry of a table. */
    static final int MAX_LINE = 64 * 1024;

    private TableLines() {
    }

    /** Each line of the file's first {@code limit} bytes, in order; a line cut by the limit is not one. */
    static void forEach(Path file, long limit, Consumer<String> line) throws IOException {
        try (InputStream in = new BufferedInputStream(Files.newInputStream(file))) {
            ByteArrayOutputStream current = new ByteArrayOutputStream();
            boolean tooLong = false;
            for (long read = 0; read < limit; read++) {
                int b = in.read();
                if (b < 0) {
                    if (current.size() > 0 && !tooLong) {
                        line.accept(current.toString(StandardCharsets.ISO_8859_1));
                    }
                    return;
                }
                if (b == '\n') {
                    if (!tooLong) {
                        line.accept(current.toString(StandardCharsets.ISO_8859_1));
                    }
                    current.reset();
                    tooLong = false;
                } else if (current.size() < MAX_LINE) {
                    current.write(b);
                } else {
                    tooLong = true;
                }
            }
        }
    }
}
