package org.jcalico.bench;

import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The docker plugin's calls as the agent's log (felix.log) times them: how long the agent took to answer each call,
 * and how long dockerd took from one answer to its next call (its own work between them, on the same cores as the
 * agent's), the gaps the bridge driver's in-process calls have no log of. Pure: lines in, milliseconds out.
 */
final class PluginCallLog {
    /** The agent's log lines that time a plugin call, or an apply of local endpoints. */
    private static final Pattern TIMING = Pattern.compile(
            "^(\\S+) INFO  (?:docker (\\S+) answered in|update of \\d+ local endpoints in) ([0-9.]+) ms");
    /** The first call of a `docker run`: what comes before it belongs to another run. */
    private static final String FIRST_CALL = "IpamDriver.RequestAddress";

    /** By name, in the order first seen: each call's answer time and the apply of an endpoint or of its removal. */
    private final Map<String, List<Long>> calls = new LinkedHashMap<>();
    /** By "dockerd: A -> B", in the order first seen: from A's answer to B's arrival, within one run. */
    private final Map<String, List<Long>> gaps = new LinkedHashMap<>();

    /** Reads the lines stamped at or after {@code since}. */
    PluginCallLog(List<String> lines, Instant since) {
        String previous = null;
        Instant answered = null;
        for (String line : lines) {
            Matcher matcher = TIMING.matcher(line);
            if (!matcher.find() || Instant.parse(matcher.group(1)).isBefore(since)) {
                continue;
            }
            Instant stamp = Instant.parse(matcher.group(1));
            double millis = Double.parseDouble(matcher.group(3));
            String call = matcher.group(2);
            if (call == null) {
                add(calls, line.contains("routes_added") ? "agent's apply of the endpoint (Join waits)"
                        : "agent's apply of its removal (no wait)", Math.round(millis));
                continue;
            }
            add(calls, call, Math.round(millis));
            if (previous != null && !call.equals(FIRST_CALL)) {
                long arrived = stamp.toEpochMilli() - (long) millis;
                add(gaps, "dockerd: " + shortName(previous) + " -> " + shortName(call), Math.max(0, arrived - answered.toEpochMilli()));
            }
            previous = call;
            answered = stamp;
        }
    }

    Map<String, List<Long>> calls() {
        return calls;
    }

    Map<String, List<Long>> gaps() {
        return gaps;
    }

    private static void add(Map<String, List<Long>> into, String key, long millis) {
        into.computeIfAbsent(key, k -> new ArrayList<>()).add(millis);
    }

    private static String shortName(String call) {
        return call.substring(call.indexOf('.') + 1);
    }
}
