package org.jcalico.lab;

import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.jcalico.agent.JvmCommand;
import org.jcalico.kernel.CommandRunner;
import org.jcalico.model.IpAddress;
import org.jcalico.model.ResourceCodec;
import org.jcalico.model.WorkloadEndpoint;

/**
 * The prototype's README re-enacted on a lab of two hosts: a pool with NAT, four workloads in two security groups
 * spread over both hosts, then what a user would check: the connectivity matrix (expected versus observed), the
 * BGP sessions, the routes each host learned, and the outside world reached through NAT.
 */
public final class Demo {
    private static final String LAB = "demo";
    private static final Map<String, String[]> WORKLOADS = new LinkedHashMap<>();

    static {
        WORKLOADS.put("web-1", new String[] {"h1", "web"});
        WORKLOADS.put("web-2", new String[] {"h2", "web"});
        WORKLOADS.put("db-1", new String[] {"h1", "db"});
        WORKLOADS.put("db-2", new String[] {"h2", "db"});
    }

    private final PrintWriter out;
    private final long start = System.nanoTime();
    private final boolean docker = DockerAct.available();
    private final Lab lab = new Lab(new LabLayout(LAB, 2), true, docker, this::step);

    /** One cell's end of the matrix: where it sends from, its security group, its addresses. */
    record Member(String namespace, String group, IpAddress v4, IpAddress v6) {
    }

    public Demo(PrintWriter out) {
        this.out = out;
    }

    /** @return true if everything observed matched what policy says */
    public boolean run(boolean keep) {
        try {
            lab.down();
            step("building a lab of 2 hosts in network namespaces, each running the jcalico agent and BIRD"
                    + (docker ? " and a docker daemon of its own" : ""));
            lab.up();
            jc("h1", "pool", "add", "10.65.0.0/16", "--nat-outgoing");
            jc("h1", "pool", "add", "fd65::/64", "--nat-outgoing");
            // before the adds, so that each add's "ready" means the other host can reach it: an add served by the agent
            // is over in well under a second, before BIRD's sessions are up (its connect delay, 5 s), and the adds
            // printed "BGP has not advertised ... (not established, so not waited for)" (docs/agent.md, session 63)
            step("waiting for BGP sessions");
            waitForBgp();
            Map<String, Member> members = new LinkedHashMap<>();
            for (var workload : WORKLOADS.entrySet()) {
                String host = workload.getValue()[0];
                String namespace = lab.workload(workload.getKey());
                String added = jc(host, "container", "add", "netns:" + namespace, "--profile", workload.getValue()[1]);
                step(workload.getKey() + " on " + host + ": " + added.lines().reduce((a, b) -> b).orElse("").strip());
                WorkloadWebServer.start(lab.layout(), namespace, 80);
            }
            for (var resource : ResourceCodec.decodeAll(jc("h1", "container", "list", "-o", "json"))) {
                WorkloadEndpoint endpoint = (WorkloadEndpoint) resource;
                String name = endpoint.containerId().substring(("netns:" + LAB + "-").length());
                members.put(name, new Member(lab.layout().workload(name), WORKLOADS.get(name)[1],
                        endpoint.ipv4Nets().get(0).network(), endpoint.ipv6Nets().get(0).network()));
            }
            boolean matrixOk = matrix("connectivity matrix (ping and TCP port 80, IPv4 and IPv6): same group allowed, other group refused",
                    members);
            sessionsAndRoutes();
            boolean natOk = outside();
            boolean dockerOk = true;
            if (docker) {
                dockerOk = matrix("the docker matrix (ping and TCP port 80, IPv4 and IPv6): same network allowed, other network refused",
                        new DockerAct(lab, this::step).run());
            } else {
                step("no docker act: /usr/sbin/dockerd is not installed (Debian's docker.io)");
            }
            boolean podmanOk = true;
            if (PodmanHost.available()) {
                podmanOk = new PodmanAct(lab, out, this::step).run(members.get("web-1").v4());
            } else {
                step("no podman act: podman is not installed (Debian's podman and containernetworking-plugins)");
            }
            boolean ok = matrixOk && natOk && dockerOk && podmanOk;
            step(ok ? "RESULT: everything matched the policy" : "RESULT: FAILED - see the lines marked UNEXPECTED");
            if (keep) {
                out.println("kept the lab: try 'jcalico lab exec --name " + LAB + " h1 -- jcalico container list'; "
                        + "remove it with 'jcalico lab down --name " + LAB + "'");
            }
            return ok;
        } finally {
            if (!keep) {
                step("removing the lab");
                lab.down();
            }
            out.flush();
        }
    }

    private boolean matrix(String title, Map<String, Member> members) {
        step(title);
        List<String[]> rows = new ArrayList<>();
        List<Probe> probes = new ArrayList<>();
        for (String from : members.keySet()) {
            for (String to : members.keySet()) {
                if (from.equals(to)) {
                    continue;
                }
                IpAddress v4 = members.get(to).v4();
                IpAddress v6 = members.get(to).v6();
                String namespace = members.get(from).namespace();
                probes.addAll(List.of(Probe.ping(namespace, v4), Probe.ping(namespace, v6), Probe.tcp(namespace, v4, 80),
                        Probe.tcp(namespace, v6, 80)));
                rows.add(new String[] {from, to});
            }
        }
        List<Boolean> observed = Probe.runAll(probes);
        out.printf("    %-7s %-7s %-8s %-6s %-6s %-6s %-6s%n", "from", "to", "expected", "ping4", "ping6", "tcp4", "tcp6");
        boolean ok = true;
        for (int i = 0; i < rows.size(); i++) {
            String from = rows.get(i)[0];
            String to = rows.get(i)[1];
            boolean expected = members.get(from).group().equals(members.get(to).group());
            StringBuilder cells = new StringBuilder();
            boolean rowOk = true;
            for (int j = 0; j < 4; j++) {
                boolean cell = observed.get(i * 4 + j);
                cells.append(String.format("%-7s", cell ? "ok" : "no"));
                rowOk &= cell == expected;
            }
            ok &= rowOk;
            out.printf("    %-7s %-7s %-8s %s%s%n", from, to, expected ? "allowed" : "refused", cells,
                    rowOk ? "" : "<-- UNEXPECTED");
        }
        return ok;
    }

    private void sessionsAndRoutes() {
        for (int index : lab.layout().hostIndexes()) {
            String host = "h" + index;
            step("BGP sessions of " + host);
            indent(jc(host, "node", "status", "--run-dir", lab.layout().runDir().toString()));
            step("routes " + host + " learned over BGP");
            CommandRunner runner = CommandRunner.inNamespace(lab.layout().host(index));
            indent(runner.run("ip", "-4", "route", "show", "proto", "bird").stdout()
                    + runner.run("ip", "-6", "route", "show", "proto", "bird").stdout());
        }
    }

    private boolean outside() {
        step("the outside world (" + LabLayout.OUTSIDE_V4 + ", " + LabLayout.OUTSIDE_V6
                + ") knows no pool address: it is reached through NAT only");
        List<Probe> probes = new ArrayList<>();
        for (String workload : WORKLOADS.keySet()) {
            probes.add(Probe.ping(lab.layout().workload(workload), LabLayout.OUTSIDE_V4));
            probes.add(Probe.ping(lab.layout().workload(workload), LabLayout.OUTSIDE_V6));
        }
        List<Boolean> observed = Probe.runAll(probes);
        boolean ok = true;
        int i = 0;
        for (String workload : WORKLOADS.keySet()) {
            boolean v4 = observed.get(i++);
            boolean v6 = observed.get(i++);
            ok &= v4 && v6;
            out.printf("    %-7s -> outside  ping4 %-3s ping6 %-3s%s%n", workload, v4 ? "ok" : "no", v6 ? "ok" : "no",
                    v4 && v6 ? "" : "<-- UNEXPECTED");
        }
        CommandRunner outside = CommandRunner.inNamespace(lab.layout().outside());
        String seen = outside.run("conntrack", "-L", "-f", "ipv4").stdout() + outside.run("conntrack", "-L", "-f", "ipv6").stdout();
        List<String> sources = seen.lines().filter(line -> line.contains("src="))
                .map(line -> line.replaceAll(".*?src=(\\S+).*", "$1")).distinct().sorted().toList();
        boolean masqueraded = !sources.isEmpty() && sources.stream().noneMatch(source -> source.startsWith("10.65.") || source.startsWith("fd65:"));
        ok &= masqueraded;
        out.println("    the outside saw the sources " + String.join(", ", sources) + (masqueraded
                ? " (the hosts' own addresses: masqueraded)" : " <-- UNEXPECTED: endpoint addresses must not leave unmasqueraded"));
        return ok;
    }

    private void waitForBgp() {
        long deadline = System.currentTimeMillis() + 30_000;
        while (System.currentTimeMillis() < deadline) {
            boolean all = true;
            for (int index : lab.layout().hostIndexes()) {
                // "sessions established", not the status's exit alone: before the agent has written the other host's
                // peer into BIRD's configuration the status says "no sessions configured" and is ok, and the first add
                // warned that BGP had not advertised its block (session 64's demo)
                CommandRunner.Result status = run("h" + index, "node", "status", "--run-dir", lab.layout().runDir().toString());
                all &= status.ok() && status.stdout().contains(" sessions established");
            }
            if (all) {
                return;
            }
            sleep(250);
        }
    }

    private String jc(String host, String... args) {
        CommandRunner.Result result = run(host, args);
        if (!result.ok()) {
            throw new IllegalStateException("jcalico " + String.join(" ", args) + " on " + host + " failed: "
                    + result.stderr().strip());
        }
        return result.stdout();
    }

    private CommandRunner.Result run(String host, String... args) {
        List<String> command = new ArrayList<>(JvmCommand.asUserRuns());
        command.addAll(List.of(args));
        return lab.exec(host, command);
    }

    private void step(String line) {
        out.printf("[%5.1fs] %s%n", (System.nanoTime() - start) / 1e9, line);
        out.flush();
    }

    private void indent(String text) {
        text.lines().forEach(line -> out.println("    " + line));
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
