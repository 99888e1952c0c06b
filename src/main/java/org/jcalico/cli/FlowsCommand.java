package org.jcalico.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import org.jcalico.agent.AgentPaths;
import org.jcalico.felix.program.DropLog;
import org.jcalico.flows.DeniedFlow;
import org.jcalico.flows.DeniedFlowFile;
import org.jcalico.lab.Lab;
import org.jcalico.model.ValidationException;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** Reads a node's denied-flow log (docs/observability.md, "Denied flows"); nothing here talks to the agent. */
@Command(name = "flows", mixinStandardHelpOptions = true,
        description = {"The packets policy dropped on a node, from its agent's denied-flow log: when, direction, endpoint,"
                + " protocol, addresses, ports, and the policy and rule, tier end, profile or default drop that dropped them.",
                "The kernel logs at most " + DropLog.PER_SECOND + " packets a second per endpoint address and direction (after a"
                        + " burst of " + DropLog.BURST + ")."})
final class FlowsCommand implements Callable<Integer> {
    private static final long FOLLOW_POLL_MILLIS = 200;
    private static final String ROW = "%-24s  %-9s  %-16s  %-6s  %-15s  %-15s  %-14s  %s";

    @Spec CommandSpec spec;
    @Option(names = "--denied", description = "denied flows (the only flows logged; for Calico's habit)") boolean denied;
    @Option(names = "--endpoint", paramLabel = "E", description = "only this endpoint's (its endpoint id)") String endpoint;
    @Option(names = {"-f", "--follow"}, description = "keep printing flows as they are logged, until interrupted") boolean follow;
    @Option(names = "--log-dir", paramLabel = "DIR", defaultValue = AgentPaths.LOG_ROOT, description = "the agents' log root (default: $JCALICO_LOG_DIR, else /var/log/jcalico)") Path logRoot;
    @Option(names = "--lab", paramLabel = "L", description = "a node of this lab (its log root)") String lab;
    @Option(names = {"-o", "--output"}, paramLabel = "FORMAT", defaultValue = "table",
            description = "table, or json: the log's own lines, one JSON object per flow (default: ${DEFAULT-VALUE})") String output;

    @Override
    public Integer call() throws IOException, InterruptedException {
        if (!output.equals("table") && !output.equals("json")) {
            throw ValidationException.field("--output", output, "is not table or json");
        }
        // --node (jcalico's, inherited) names the node whose log to read
        String name = new Session(spec).nodeName();
        Path root = lab == null ? logRoot : Lab.existing(lab, line -> { }).layout().logDir();
        Path file = DeniedFlowFile.of(root, name);
        if (!Files.isRegularFile(file)) {
            throw new CommandFailure("no denied-flow log for node " + name + " (" + file + " does not exist): its agent"
                    + " has logged no denied packet yet, runs elsewhere (--log-dir, --lab), or has deniedFlowLogsEnabled off");
        }
        PrintWriter out = spec.commandLine().getOut();
        boolean table = output.equals("table");
        if (table) {
            out.println(ROW.formatted("TIME", "DIRECTION", "ENDPOINT", "PROTO", "SOURCE", "DESTINATION", "PORTS", "DROPPED BY"));
        }
        int printed = 0;
        try (RandomAccessFile reader = new RandomAccessFile(file.toFile(), "r")) {
            printed += print(readLines(reader), out, table);
            out.flush();
            while (follow) {
                Thread.sleep(FOLLOW_POLL_MILLIS);
                if (Files.size(file) < reader.getFilePointer()) {
                    // rotated: the file began anew
                    reader.seek(0);
                }
                printed += print(readLines(reader), out, table);
                out.flush();
            }
        }
        if (table && printed == 0) {
            out.println("(none)");
        }
        return 0;
    }

    /** The complete lines from the reader's position on; a line being written stays for the next read. */
    private static List<String> readLines(RandomAccessFile reader) throws IOException {
        long start = reader.getFilePointer();
        byte[] rest = new byte[(int) Math.max(0, reader.length() - start)];
        reader.readFully(rest);
        String text = new String(rest, StandardCharsets.UTF_8);
        int end = text.lastIndexOf('\n') + 1;
        reader.seek(start + text.substring(0, end).getBytes(StandardCharsets.UTF_8).length);
        List<String> lines = new ArrayList<>();
        for (String line : text.substring(0, end).split("\n")) {
            if (!line.isBlank()) {
                lines.add(line);
            }
        }
        return lines;
    }

    private int print(List<String> lines, PrintWriter out, boolean table) {
        int printed = 0;
        for (String line : lines) {
            DeniedFlow flow;
            try {
                flow = DeniedFlow.fromJson(line);
            } catch (IllegalArgumentException e) {
                continue;
            }
            if (endpoint != null && !endpoint.equals(flow.endpoint())) {
                continue;
            }
            out.println(table ? ROW.formatted(flow.timeText(), flow.direction(), flow.endpoint() == null ? "-" : flow.endpoint(),
                    flow.protocol(), flow.source(), flow.destination(), flow.ports(), flow.droppedBy().text()) : line);
            printed++;
        }
        return printed;
    }
}
