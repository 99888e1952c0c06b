package org.jcalico.util;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;

/**
 * The end of a file that keeps growing (a log, the denied-flow log): read from at most so many bytes before its end,
 * so that a large file costs no more than its tail. A line cut by the start of that window is dropped.
 */
public final class FileTail {
    private FileTail() {
    }

    /** The last {@code bytes} bytes of the file, from the first whole line in them; empty if it does not exist. */
    public static String text(Path file, long bytes) throws IOException {
        if (!Files.isRegularFile(file)) {
            return "";
        }
        try (RandomAccessFile in = new RandomAccessFile(file.toFile(), "r")) {
            long length = in.length();
            long start = Math.max(0, length - bytes);
            byte[] buffer = new byte[(int) (length - start)];
            in.seek(start);
            in.readFully(buffer);
            String text = new String(buffer, StandardCharsets.UTF_8);
            if (start > 0) {
                int newline = text.indexOf('\n');
                text = newline < 0 ? "" : text.substring(newline + 1);
            }
            return text;
        }
    }

    /** At most the last {@code count} whole lines among the file's last {@code bytes} bytes, oldest first. */
    public static List<String> lines(Path file, int count, long bytes) throws IOException {
        String text = text(file, bytes);
        if (text.isEmpty()) {
            return List.of();
        }
        List<String> lines = Arrays.asList(text.split("\n"));
        return lines.subList(Math.max(0, lines.size() - count), lines.size());
    }
}
