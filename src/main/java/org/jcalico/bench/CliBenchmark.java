package org.jcalico.bench;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.jcalico.agent.AgentPaths;
import org.jcalico.agent.JvmCommand;
import org.jcalico.lab.Lab;
import org.jcalico.util.Directories;

/**
 * How long `pool list` and `container list` take as a user runs them, through the launcher, on a host whose agent
 * runs (the launcher hands them to it) and on one where none does (the command starts its own JVM), against the floor
 * of a trivial JVM start with the launcher's own flags. The variants run round-robin, the floor among them, so that
 * each ratio is taken within one run on the same machine load.
 */
public final class CliBenchmark {
    /** The target (#14 item 4), for either variant. */
    private static final long TARGET_MILLIS = 120;
    private static final List<List<String>> COMMANDS = List.of(List.of("pool", "list"), List.of("container", "list"));
    private static final int ENDPOINTS = 3;
    private final PrintWriter out;

    public CliBenchmark(PrintWriter out) {
        this.out = out;
    }

    public void run(String labName, int runs) {
        Lab lab = new Lab(BenchNamespaces.layout(labName, 1), false, line -> { });
        String home = System.getProperty("jcalico.home");
        if (home == null) {
            throw new IllegalStateException("bench cli measures the launcher: run it as ./jcalico bench cli");
        }
        lab.down();
        Path noAgent = null;
        String loadBefore = MachineLoad.averages();
        try {
            noAgent = Files.createTempDirectory("jcalico-bench-cli");
            out.println("building a lab of 1 host (" + lab.layout().host(1) + ") with its agent, 1 pool and " + ENDPOINTS + " endpoints...");
            out.flush();
            lab.up();
            AttachBenchmark.jc(lab, "h1", "pool", "add", "10.70.0.0/16");
            for (int i = 1; i <= ENDPOINTS; i++) {
                AttachBenchmark.jc(lab, "h1", "container", "add", "netns:" + lab.workload("w" + i), "--profile", "bench");
            }
            Map<String, String> withAgent = Map.of("JCALICO_NODENAME", "h1",
                    "JCALICO_DATASTORE", lab.layout().datastoreUrl().toString(), "JCALICO_RUN_DIR", lab.layout().runDir().toString());
            Map<String, String> withoutAgent = new HashMap<>(withAgent);
            withoutAgent.put("JCALICO_RUN_DIR", noAgent.toString());
            Path agentLog = AgentPaths.of("h1", lab.layout().runDir(), lab.layout().logDir()).log();

            Map<String, Variant> variants = new LinkedHashMap<>();
            List<String> floor = new ArrayList<>(JvmCommand.commandJvm());
            floor.add("-version");
            variants.put("floor: java -version, the launcher's flags", new Variant(floor, Map.of()));
            for (List<String> command : COMMANDS) {
                List<String> launched = new ArrayList<>(List.of(home + "/jcalico"));
                launched.addAll(command);
                String name = String.join(" ", command);
                String local = checkedOutput(launched, withoutAgent);
                long servedBefore = served(agentLog);
                String delegated = checkedOutput(launched, withAgent);
                if (!local.equals(delegated) || served(agentLog) != servedBefore + 1) {
                    throw new IllegalStateException("'" + name + "' through the agent printed something else than alone,"
                            + " or the agent did not serve it:\n" + delegated + "\nalone:\n" + local);
                }
                variants.put(name + ", no agent", new Variant(launched, withoutAgent));
                variants.put(name + ", agent", new Variant(launched, withAgent));
            }

            long servedBeforeRuns = served(agentLog);
            Map<String, List<Long>> millis = new LinkedHashMap<>();
            variants.keySet().forEach(name -> millis.put(name, new ArrayList<>()));
            List<String> order = new ArrayList<>(variants.keySet());
            for (int round = 0; round < runs; round++) {
                // a different variant goes first each round, so that none always follows the same one
                for (int i = 0; i < order.size(); i++) {
                    String name = order.get((round + i) % order.size());
                    millis.get(name).add(variants.get(name).time());
                }
            }
            print(runs, millis);
            List<Long> inAgent = agentMillis(agentLog, servedBeforeRuns);
            out.printf("  inside h1's agent (by its log, %d commands): median %d ms, p99 %d ms; the rest of an agent row is%n",
                    inAgent.size(), Percentiles.of(inAgent, 50), Percentiles.of(inAgent, 99));
            out.println("  the launcher's bash and its HTTP client starting, and the round trip over the socket");
        } catch (IOException e) {
            throw new IllegalStateException("cannot make a scratch directory: " + e.getMessage(), e);
        } finally {
            lab.down();
            if (noAgent != null) {
                Directories.delete(noAgent);
            }
            out.println(MachineLoad.describe(loadBefore));
            out.flush();
        }
    }

    private void print(int runs, Map<String, List<Long>> millis) {
        out.printf("%d runs of each, round-robin (milliseconds from fork to exit, output discarded):%n", runs);
        out.printf("  %-44s %7s %7s %13s%n", "", "median", "p99", "median/floor");
        long floor = 0;
        boolean met = true;
        for (Map.Entry<String, List<Long>> entry : millis.entrySet()) {
            List<Long> sorted = Latencies.sorted(entry.getValue());
            long median = Percentiles.of(sorted, 50);
            if (floor == 0) {
                floor = Math.max(1, median);
            } else {
                met &= median <= TARGET_MILLIS;
            }
            out.printf("  %-44s %7d %7d %13.1f%n", entry.getKey(), median, Percentiles.of(sorted, 99), (double) median / floor);
        }
        out.println("  target: each command's median <= " + TARGET_MILLIS + " ms with or without a running agent: "
                + (met ? "met" : "NOT met"));
        out.println("  floor: the JVM the launcher starts (same java, same flags, no jar, no cache) printing its version;");
        out.println("  commands: ./jcalico as a user runs it, on h1 (its agent serves them: the launcher's HTTP client on its socket)");
        out.println("  and with a run directory where no agent runs (the launcher starts the JVM); both print the same output.");
    }

    /** Runs it once, as the timed runs will, and returns its output; a failure stops the benchmark. */
    private static String checkedOutput(List<String> command, Map<String, String> environment) throws IOException {
        ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true);
        builder.environment().putAll(environment);
        Process process = builder.start();
        String output = new String(process.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
        try {
            if (process.waitFor() != 0) {
                throw new IllegalStateException(String.join(" ", command) + " failed: " + output.strip());
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted");
        }
        return output;
    }

    /** The commands the agent ran for the launcher, by its log. */
    private static long served(Path log) throws IOException {
        if (Files.notExists(log)) {
            return 0;
        }
        try (var lines = Files.lines(log)) {
            return lines.filter(line -> line.contains("for the launcher: exit status")).count();
        }
    }

    /** How long the agent took over each command it ran for the launcher after the first {@code skip}, sorted. */
    private static List<Long> agentMillis(Path log, long skip) throws IOException {
        java.util.regex.Pattern took = java.util.regex.Pattern.compile("for the launcher: exit status \\d+ in (\\d+) ms");
        try (var lines = Files.lines(log)) {
            return Latencies.sorted(lines.map(took::matcher).filter(java.util.regex.Matcher::find).skip(skip)
                    .map(matcher -> Long.parseLong(matcher.group(1))).toList());
        }
    }

    private record Variant(List<String> command, Map<String, String> environment) {
        long time() {
            ProcessBuilder builder = new ProcessBuilder(command).redirectOutput(ProcessBuilder.Redirect.DISCARD)
                    .redirectError(ProcessBuilder.Redirect.DISCARD);
            builder.environment().putAll(environment);
            long start = System.nanoTime();
            try {
                int status = builder.start().waitFor();
                long millis = (System.nanoTime() - start) / 1_000_000;
                if (status != 0) {
                    throw new IllegalStateException(String.join(" ", command) + ": exit status " + status);
                }
                return millis;
            } catch (IOException e) {
                throw new IllegalStateException(String.join(" ", command) + ": " + e.getMessage(), e);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted");
            }
        }
    }
}
