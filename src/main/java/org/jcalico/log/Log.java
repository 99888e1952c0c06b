package org.jcalico.log;

import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.Locale;
import org.jcalico.util.Shown;

/**
 * One line per event: "2026-11-22T10:15:30.123Z INFO  message key=value ...", to a file that rotates itself by size
 * (see {@link RotatingFile}) and, for foreground runs, to stderr. The level can change while the process runs (the
 * agent follows FelixConfiguration's logLevel).
 */
public final class Log {
    public enum Level {
        DEBUG, INFO, WARN, ERROR;

        /** debug, info, warn or error, as FelixConfiguration spells them. */
        public static Level parse(String name) {
            return valueOf(name.toUpperCase(Locale.ROOT));
        }
    }

    private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss.SSS'Z'")
            .withZone(ZoneOffset.UTC);
    private final RotatingFile file;
    private final PrintStream console;
    private volatile Level threshold;

    private Log(RotatingFile file, PrintStream console, Level threshold) {
        this.file = file;
        this.console = console;
        this.threshold = threshold;
    }

    /** Appends to the file (creating its directory); also to stderr when {@code console} is set. */
    public static Log open(Path path, boolean console, String level) {
        return new Log(new RotatingFile(path, RotatingFile.DEFAULT_MAX_BYTES, RotatingFile.DEFAULT_KEEP),
                console ? System.err : null, Level.parse(level));
    }

    /** To stderr alone: for a command that serves pages in the foreground (`jcalico ui`), which keeps no log file. */
    public static Log console(String level) {
        return new Log(null, System.err, Level.parse(level));
    }

    public Level level() {
        return threshold;
    }

    /** Sets the level from now on; true if it changed. */
    public boolean setLevel(Level level) {
        Level before = threshold;
        threshold = level;
        return before != level;
    }

    public boolean enabled(Level level) {
        return level.ordinal() >= threshold.ordinal();
    }

    /** @param fields alternate keys and values, written after the message as key=value */
    public void debug(String message, Object... fields) {
        write(Level.DEBUG, message, fields);
    }

    public void info(String message, Object... fields) {
        write(Level.INFO, message, fields);
    }

    public void warn(String message, Object... fields) {
        write(Level.WARN, message, fields);
    }

    public void error(String message, Object... fields) {
        write(Level.ERROR, message, fields);
    }

    /** An internal failure: the line, then the stack trace (indented, so that one event still reads as one). */
    public void error(String message, Throwable cause) {
        java.io.StringWriter trace = new java.io.StringWriter();
        cause.printStackTrace(new java.io.PrintWriter(trace));
        synchronized (this) {
            write(Level.ERROR, message);
            // indented by spaces: a frame's own tab would be written out by emit
            trace.toString().lines().forEach(line -> emit("    " + line.stripLeading()));
        }
    }

    private synchronized void write(Level level, String message, Object... fields) {
        if (!enabled(level)) {
            return;
        }
        emit(line(Instant.now(), level, message, fields));
    }

    /** The text of one event: time, level, the message on one line, then each field as key=value (unescaped: see emit). */
    static String line(Instant time, Level level, String message, Object... fields) {
        if (fields.length % 2 != 0) {
            throw new IllegalArgumentException("log fields come in key, value pairs");
        }
        StringBuilder line = new StringBuilder(TIME.format(time)).append(' ').append(String.format("%-5s", level)).append(' ')
                .append(message.replace('\n', ' '));
        for (int i = 0; i < fields.length; i += 2) {
            line.append(' ').append(fields[i]).append('=').append(value(String.valueOf(fields[i + 1])));
        }
        return line.toString();
    }

    /** A value with a space, quote or equals sign is quoted, so that a reader can split the fields again. */
    private static String value(String text) {
        String flat = text.replace('\n', ' ');
        return flat.isEmpty() || flat.matches(".*[\\s\"=].*") ? '"' + flat.replace("\\", "\\\\").replace("\"", "\\\"") + '"' : flat;
    }

    /**
     * Writes the line with its control characters written out (\x1b, \r, \u202e ...): the one place every value of a
     * log line passes, whoever made it (a container id, a record's key, a kernel's or etcd's message), so that no value
     * moves a reader's terminal or forges a line of its own.
     */
    private void emit(String text) {
        String line = Shown.escaped(text);
        if (file != null) {
            file.append((line + "\n").getBytes(StandardCharsets.UTF_8));
        }
        if (console != null) {
            console.println(line);
        }
    }
}
