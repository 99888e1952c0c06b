package org.jcalico.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Where an agent's start to in sync went, read from its log: the JVM's start to the agent's loop, the listing (read,
 * decoded, put in the cache), the first calculation and programming, and the rest (the status report); then the
 * path the start waits on, which those phases hide: the listing starts ahead of the loop, beside the process's
 * set-up and the node's registration, so the loop's start is not when the listing began. Said apart: the JVM's start
 * to the listing's, the listing's own time (read and decoded into tables, from the agent's log line), and how long
 * the loop kept a finished listing waiting (its set-up, the registration) before taking it.
 */
final class AgentPhases {
    private static final List<String> MARKS = List.of("agent for node ", "read ", "resync of ", "heap sized for the start");
    /** The listing's own time, on its log line; the start's room, made right after the listing began, on its own. */
    private static final Pattern LISTED = Pattern.compile("put in tables in (\\d+) ms");
    private static final Pattern ROOM = Pattern.compile("committed \\((\\d+) ms\\)");

    private AgentPhases() {
    }

    /** Two lines; STARTED is when the agent's process was started, IN_SYNC seconds later it said in sync. */
    static String describe(Path log, Instant started, double inSync) throws IOException {
        double[] at = new double[MARKS.size()];
        java.util.Arrays.fill(at, Double.NaN);
        double listed = Double.NaN;
        double room = Double.NaN;
        for (String line : Files.readAllLines(log)) {
            int message = line.indexOf(' ', line.indexOf(' ') + 1);
            for (int i = 0; i < MARKS.size(); i++) {
                if (Double.isNaN(at[i]) && message > 0 && line.substring(message).stripLeading().startsWith(MARKS.get(i))) {
                    at[i] = (Instant.parse(line.substring(0, line.indexOf(' '))).toEpochMilli() - started.toEpochMilli()) / 1000.0;
                    Matcher time = (i == 1 ? LISTED : ROOM).matcher(line);
                    if (i == 1 && time.find()) {
                        listed = Long.parseLong(time.group(1)) / 1000.0;
                    } else if (i == 3 && time.find()) {
                        room = Long.parseLong(time.group(1)) / 1000.0;
                    }
                }
            }
        }
        return String.format("phases: JVM start to the agent's loop %.2f s, the listing (read, decoded, cached) %.2f s,"
                + " first calculation and programming %.2f s, status %.2f s%n"
                + "  the path waited on: JVM start to the listing ahead %.2f s, the listing read and decoded %.2f s,"
                + " waiting for the loop %.2f s, cached and first pass %.2f s",
                at[0], at[1] - at[0], at[2] - at[1], inSync - at[2],
                at[3] - room, listed, at[1] - (at[3] - room) - listed, at[2] - at[1]);
    }
}
