package org.jcalico.cli;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.json.JsonMapper;
import java.io.PrintWriter;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import org.jcalico.datastore.Datastore;
import org.jcalico.datastore.OpenMode;
import org.jcalico.explain.ExplainReport;
import org.jcalico.explain.HostKernels;
import org.jcalico.explain.KernelPath;
import org.jcalico.explain.KernelStep;
import org.jcalico.explain.PolicyExplainer;
import org.jcalico.felix.ClusterReading;
import org.jcalico.lab.Lab;
import org.jcalico.policy.Hit;
import org.jcalico.policy.Verdict;
import org.jcalico.workload.ContainerResolver;
import org.jcalico.workload.DockerClient;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

@Command(name = "policy", mixinStandardHelpOptions = true, description = "Ask the policy model and the kernel why.",
        subcommands = {PolicyCommand.Explain.class})
final class PolicyCommand {
    /** The exit status when the model and the kernel disagree. */
    static final int MISMATCH = 3;

    @Command(name = "explain", mixinStandardHelpOptions = true,
            description = {"The verdict on a packet from FROM to TO in both directions (the sender's egress, the receiver's ingress) as the policy model decides it, then as the kernel does: one probe from FROM's network namespace, and the jcalico rules that counted it on the endpoints' hosts.",
                    "FROM and TO: a container (as 'container add' takes it), an endpoint id, or an address (outside every endpoint: no policy on its side). Exits 3 when the model and the kernel disagree (a line starting 'MISMATCH:')."})
    static final class Explain implements Callable<Integer> {
        @Spec CommandSpec spec;
        @Parameters(index = "0", paramLabel = "FROM") String from;
        @Parameters(index = "1", paramLabel = "TO") String to;
        @Option(names = "--protocol", paramLabel = "P", description = "tcp, udp or icmp (default: tcp with --port, else icmp)") String protocol;
        @Option(names = "--port", paramLabel = "N", description = "destination port for tcp and udp") Integer port;
        @Option(names = "--family", paramLabel = "4|6", description = "IP family (default: that of an address given, else IPv4 if both ends have it)") Integer family;
        @Option(names = "--from-netns", paramLabel = "NAME", description = "for FROM outside every endpoint: the network namespace that has its address, to send the probe from") String fromNetns;
        @Option(names = "--lab", paramLabel = "L", description = "the endpoints' hosts are the namespaces of this lab (its datastore unless --datastore is given)") String lab;
        @Option(names = {"-o", "--output"}, paramLabel = "FORMAT", defaultValue = "table", description = "table or json (default: ${DEFAULT-VALUE})") String output;

        @Override
        public Integer call() {
            if (!output.equals("table") && !output.equals("json")) {
                throw org.jcalico.model.ValidationException.field("--output", output, "is not table or json");
            }
            Session session = new Session(spec);
            Lab running = lab == null ? null : Lab.existing(lab, line -> { });
            var url = running != null && session.explicitDatastore() == null ? running.layout().datastoreUrl() : session.datastoreUrl();
            ExplainReport report;
            try (Datastore datastore = url.open(OpenMode.READ)) {
                String node = running != null ? null : session.nodeName();
                report = new PolicyExplainer(ClusterReading.of(datastore), new HostKernels(node, running),
                        new ContainerResolver(DockerClient.fromEnvironment()))
                        .explain(new PolicyExplainer.Request(from, to, protocol, port, family, fromNetns));
            }
            PrintWriter out = session.out();
            if (output.equals("json")) {
                out.println(json(report));
            } else {
                print(out, report);
            }
            out.flush();
            return report.mismatches().isEmpty() ? 0 : MISMATCH;
        }
    }

    static void print(PrintWriter out, ExplainReport report) {
        out.println("packet: " + report.model().packet());
        out.println("  from " + report.from());
        out.println("  to   " + report.to());
        out.println("model:");
        printVerdict(out, report.model().egress());
        printVerdict(out, report.model().ingress());
        out.println("  => " + (report.model().allows() ? "allowed" : "dropped"));
        out.println("kernel: " + report.probe());
        printKernel(out, "egress ", report.kernelEgress(), report.egressNote());
        printKernel(out, "ingress", report.kernelIngress(), report.ingressNote());
        for (String mismatch : report.mismatches()) {
            out.println("MISMATCH: " + mismatch);
        }
        if (report.mismatches().isEmpty()) {
            out.println(report.kernelEgress() == null && report.kernelIngress() == null
                    ? "the kernel was not read: nothing to compare" : "the kernel agrees with the model");
        }
    }

    private static void printVerdict(PrintWriter out, Verdict verdict) {
        String name = String.format("%-7s", Verdict.name(verdict.direction()));
        for (Hit step : verdict.path()) {
            out.println("  " + name + " passes " + step.text());
        }
        out.println("  " + name + " " + verdict.decision().text());
    }

    private static void printKernel(PrintWriter out, String name, KernelPath path, String note) {
        if (path == null) {
            out.println("  " + name + " " + note);
            return;
        }
        for (KernelStep step : path.path()) {
            out.println("  " + name + " passes " + step.text());
        }
        out.println("  " + name + " " + (path.decision() == null ? "no rule of the endpoint's chains counted the probe"
                : path.decision().text()));
    }

    static String json(ExplainReport report) {
        Map<String, Object> map = new LinkedHashMap<>();
        map.put("packet", report.model().packet().toString());
        map.put("from", report.from());
        map.put("to", report.to());
        Map<String, Object> model = new LinkedHashMap<>();
        model.put("egress", report.model().egress().json());
        model.put("ingress", report.model().ingress().json());
        model.put("allowed", report.model().allows());
        map.put("model", model);
        Map<String, Object> kernel = new LinkedHashMap<>();
        kernel.put("probe", report.probe());
        kernel.put("egress", kernelJson(report.kernelEgress(), report.egressNote()));
        kernel.put("ingress", kernelJson(report.kernelIngress(), report.ingressNote()));
        map.put("kernel", kernel);
        map.put("mismatches", report.mismatches());
        try {
            return JsonMapper.builder().build().writerWithDefaultPrettyPrinter().writeValueAsString(map);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    private static Map<String, Object> kernelJson(KernelPath path, String note) {
        Map<String, Object> map = new LinkedHashMap<>();
        if (path == null) {
            map.put("read", false);
            map.put("note", note);
            return map;
        }
        map.put("read", true);
        map.put("path", path.path().stream().map(KernelStep::json).toList());
        map.put("decision", path.decision() == null ? null : path.decision().json());
        return map;
    }

    private PolicyCommand() {
    }
}
