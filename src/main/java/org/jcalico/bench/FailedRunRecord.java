package org.jcalico.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.jcalico.kernel.CommandRunner;

/**
 * What tells why a benchmark's run failed, kept at once in a directory of its own: the lab host's rules with their
 * counters (which drop counted the lost packet), its neighbours, connections, routes and links (with their drop
 * counters), and the agent's log lines of the run's time, beside the run's own start, end and output. A failure seen
 * once in hundreds of runs under load (docs/docker.md, sessions 53, 57 and 58) can be told from this alone; by the
 * time a person looks, the container, its endpoint and its veth are gone.
 */
final class FailedRunRecord {
    private static final Pattern STAMP = Pattern.compile("^(\\d{4}-\\d\\d-\\d\\dT[0-9:.]+Z) ");
    /** The agent's lines from this long before the run's start: its CreateEndpoint and Join come after it. */
    private static final long LOG_BEFORE_MILLIS = 1000;

    private FailedRunRecord() {
    }

    /**
     * Writes the record into {@code dir} (made); returns what could not be read, one line each, empty when all was.
     *
     * @param host      the lab host's namespace, where the run's endpoint was
     * @param agentLog  the host's agent's log
     */
    static List<String> save(Path dir, String run, Instant start, Instant end, CommandRunner.Result result, CommandRunner host,
                             Path agentLog) throws IOException {
        Files.createDirectories(dir);
        Files.writeString(dir.resolve("run.txt"), run + "\nstarted " + start + "\nended   " + end + "\nexit status "
                + result.exitCode() + "\n--- stdout\n" + result.stdout() + "\n--- stderr\n" + result.stderr() + "\n");
        Map<String, List<String>> commands = new LinkedHashMap<>();
        commands.put("iptables-counters.txt", List.of("iptables-save", "-c"));
        commands.put("ip6tables-counters.txt", List.of("ip6tables-save", "-c"));
        commands.put("nft-ruleset.txt", List.of("nft", "list", "ruleset"));
        commands.put("neighbours.txt", List.of("ip", "neigh", "show"));
        commands.put("neighbours6.txt", List.of("ip", "-6", "neigh", "show"));
        commands.put("conntrack.txt", List.of("conntrack", "-L"));
        commands.put("routes.txt", List.of("ip", "route", "show", "table", "all"));
        commands.put("links.txt", List.of("ip", "-s", "-s", "-d", "link", "show"));
        List<String> unread = new ArrayList<>();
        for (Map.Entry<String, List<String>> command : commands.entrySet()) {
            CommandRunner.Result read = host.run(command.getValue());
            Files.writeString(dir.resolve(command.getKey()), read.stdout() + read.stderr());
            if (!read.ok()) {
                unread.add(String.join(" ", command.getValue()) + ": " + read.stderr().strip());
            }
        }
        try {
            Files.write(dir.resolve("agent-log.txt"), linesSince(Files.readAllLines(agentLog), start.minusMillis(LOG_BEFORE_MILLIS)));
        } catch (IOException e) {
            unread.add("the agent's log " + agentLog + ": " + e.getMessage());
        }
        return unread;
    }

    /** The log's lines stamped at or after {@code since}, with the unstamped lines (stack traces) that follow them. */
    static List<String> linesSince(List<String> lines, Instant since) {
        List<String> kept = new ArrayList<>();
        boolean keeping = false;
        for (String line : lines) {
            Matcher stamp = STAMP.matcher(line);
            if (stamp.find()) {
                keeping = !Instant.parse(stamp.group(1)).isBefore(since);
            }
            if (keeping) {
                kept.add(line);
            }
        }
        return kept;
    }
}
