package org.jcalico.bench;

import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.List;

/**
 * What `bench scale` reads in its agent's log besides the start's phases ({@link AgentPhases}): whether the agent has
 * settled after in sync, and what it logged while a change was on its way. Both from lines of the form the agent
 * writes (an instant, the level, the message).
 */
final class AgentLogLines {
    /** The start's peak given back after the rehearsal (Agent.settle), and the served paths warmed up (AgentMain). */
    private static final List<String> SETTLED = List.of("heap after the listing's full collection",
            "JIT compiler threads ");

    private AgentLogLines() {
    }

    /**
     * Whether the agent is done with what follows its first pass: the rehearsal and the full collection that gives the
     * start's peak back, and the warm-up of its served paths, after which its compilers yield. Until then a reading
     * of its heap can land in the warm-up's reads (session 64's "high start": 63 MB live instead of 46) and a change
     * can meet the collection or the warm-up's CPU, which are the start's, not a change's.
     */
    static boolean settled(List<String> lines) {
        return SETTLED.stream().allMatch(mark -> lines.stream().anyMatch(line -> message(line).startsWith(mark)));
    }

    /** The lines stamped from FROM to TO, both included, in their order: what the agent logged in that window. */
    static List<String> between(List<String> lines, Instant from, Instant to) {
        return lines.stream().filter(line -> {
            Instant at = stamp(line);
            return at != null && !at.isBefore(from) && !at.isAfter(to);
        }).toList();
    }

    private static Instant stamp(String line) {
        int space = line.indexOf(' ');
        try {
            return space > 0 ? Instant.parse(line.substring(0, space)) : null;
        } catch (DateTimeParseException e) {
            return null; // a stack trace's line, or a continuation
        }
    }

    private static String message(String line) {
        int level = line.indexOf(' ');
        int message = level < 0 ? -1 : line.indexOf(' ', level + 1);
        return message < 0 ? "" : line.substring(message).stripLeading();
    }
}
