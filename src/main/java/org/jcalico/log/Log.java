package org.jcalico.log;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.Locale;

/** One line per event: "2026-11-22T10:15:30.123Z INFO  message", to a file and, for foreground runs, stderr. */
public final class Log {
    public enum Level { DEBUG, INFO, WARN, ERROR }

    private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss.SSS'Z'")
            .withZone(ZoneOffset.UTC);
    private final PrintStream file;
    private final PrintStream console;
    private final Level threshold;

    private Log(PrintStream file, PrintStream console, Level threshold) {
        this.file = file;
        this.console = console;
        this.threshold = threshold;
    }

    /** Appends to the file (creating its directory); also to stderr when {@code console} is set. */
    public static Log open(Path path, boolean console, String level) {
        try {
            Files.createDirectories(path.getParent());
            PrintStream out = new PrintStream(Files.newOutputStream(path, StandardOpenOption.CREATE, StandardOpenOption.APPEND),
                    true, StandardCharsets.UTF_8);
            return new Log(out, console ? System.err : null, Level.valueOf(level.toUpperCase(Locale.ROOT)));
        } catch (IOException e) {
            throw new IllegalStateException("cannot open log file " + path + ": " + e.getMessage(), e);
        }
    }

    public void debug(String message) {
        write(Level.DEBUG, message);
    }

    public void info(String message) {
        write(Level.INFO, message);
    }

    public void warn(String message) {
        write(Level.WARN, message);
    }

    public void error(String message) {
        write(Level.ERROR, message);
    }

    /** An internal failure: the line, then the stack trace (indented, so that one event still reads as one). */
    public void error(String message, Throwable cause) {
        java.io.StringWriter trace = new java.io.StringWriter();
        cause.printStackTrace(new java.io.PrintWriter(trace));
        synchronized (this) {
            write(Level.ERROR, message);
            trace.toString().lines().forEach(line -> {
                file.println("    " + line);
                if (console != null) {
                    console.println("    " + line);
                }
            });
        }
    }

    private synchronized void write(Level level, String message) {
        if (level.ordinal() < threshold.ordinal()) {
            return;
        }
        String line = TIME.format(Instant.now()) + " " + String.format("%-5s", level) + " " + message.replace('\n', ' ');
        file.println(line);
        if (console != null) {
            console.println(line);
        }
    }
}
