package org.jcalico.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;

/**
 * Where an agent's start to in sync went, read from its log: the JVM's start to the agent's loop, the listing (read,
 * decoded, put in the cache), the first calculation and programming, and the rest (the status report).
 */
final class AgentPhases {
    private static final List<String> MARKS = List.of("agent for node ", "read ", "resync of ");

    private AgentPhases() {
    }

    /** One line; STARTED is when the agent's process was started, IN_SYNC seconds later it said in sync. */
    static String describe(Path log, Instant started, double inSync) throws IOException {
        double[] at = new double[MARKS.size()];
        java.util.Arrays.fill(at, Double.NaN);
        for (String line : Files.readAllLines(log)) {
            int message = line.indexOf(' ', line.indexOf(' ') + 1);
            for (int i = 0; i < MARKS.size(); i++) {
                if (Double.isNaN(at[i]) && message > 0 && line.substring(message).stripLeading().startsWith(MARKS.get(i))) {
                    at[i] = (Instant.parse(line.substring(0, line.indexOf(' '))).toEpochMilli() - started.toEpochMilli()) / 1000.0;
                }
            }
        }
        return String.format("phases: JVM start to the agent's loop %.2f s, the listing (read, decoded, cached) %.2f s,"
                + " first calculation and programming %.2f s, status %.2f s", at[0], at[1] - at[0], at[2] - at[1], inSync - at[2]);
    }
}
