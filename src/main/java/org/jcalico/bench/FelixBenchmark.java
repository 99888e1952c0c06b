package org.jcalico.bench;

import java.io.PrintWriter;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.jcalico.felix.calc.HostStateCalculator;
import org.jcalico.felix.calc.Snapshot;
import org.jcalico.felix.dataplane.Dataplane;
import org.jcalico.felix.dataplane.DataplaneReport;
import org.jcalico.felix.hoststate.HostState;
import org.jcalico.kernel.CommandRunner;
import org.jcalico.kernel.Namespaces;
import org.jcalico.model.Cidr;
import org.jcalico.model.EntityMatch;
import org.jcalico.model.FelixConfiguration;
import org.jcalico.model.Ports;
import org.jcalico.model.Profile;
import org.jcalico.model.Protocol;
import org.jcalico.model.Rule;
import org.jcalico.model.WorkloadEndpoint;

/**
 * How long the agent takes to program N endpoints into an empty kernel and to add one more, against the bare
 * kernel path: `ipset restore` + `iptables-restore` of the very same final rules in a fresh namespace. Everything
 * runs in namespaces of its own (prefix jcb-), removed at the end.
 */
public final class FelixBenchmark {
    private static final String PREFIX = "jcb-";
    private static final int REMOTE = 10_000;
    private static final int ADDS = 10;
    private final PrintWriter out;

    public FelixBenchmark(PrintWriter out) {
        this.out = out;
    }

    public void run(List<Integer> sizes) {
        Namespaces.deleteAll(PREFIX);
        out.printf("%-6s %12s %18s %10s %14s %8s %14s%n", "N", "program N", "add 1: median/max", "(calc)",
                "bare restore", "ratio", "rules/members");
        try {
            for (int size : sizes) {
                measure(size);
            }
        } finally {
            Namespaces.deleteAll(PREFIX);
        }
        out.println("program N: calc + apply from an empty kernel (interfaces, ipsets, iptables, ip6tables, routes);");
        out.println("add 1: calc + apply of one new endpoint with N programmed, " + ADDS + " in a row (calc: its median share);");
        out.println("bare restore: ipset restore +");
        out.println("iptables-restore + ip6tables-restore of the same final content into a fresh namespace; ratio = program N / bare.");
        out.flush();
    }

    private void measure(int size) {
        CommandRunner host = Namespaces.create(PREFIX + "host");
        createInterfaces(host, size + ADDS);
        List<WorkloadEndpoint> endpoints = new ArrayList<>();
        for (int i = 0; i < size; i++) {
            endpoints.add(endpoint("local", i));
        }
        for (int i = 0; i < REMOTE; i++) {
            endpoints.add(endpoint("remote", size + 1 + i));
        }
        Map<String, Profile> profiles = profiles();
        Dataplane dataplane = new Dataplane(host);
        HostStateCalculator calculator = new HostStateCalculator();
        dataplane.start();
        long start = System.nanoTime();
        HostState state = calculator.calculate(snapshot(endpoints, profiles));
        DataplaneReport first = dataplane.apply(state);
        long programMicros = (System.nanoTime() - start) / 1000;
        List<Long> addMicros = new ArrayList<>();
        List<Long> calcMicros = new ArrayList<>();
        for (int i = 0; i < ADDS; i++) {
            endpoints.add(endpoint("local", size + i));
            start = System.nanoTime();
            HostState desired = calculator.calculate(snapshot(endpoints, profiles));
            calcMicros.add((System.nanoTime() - start) / 1000);
            DataplaneReport added = dataplane.apply(desired);
            addMicros.add((System.nanoTime() - start) / 1000);
            if (!added.failures().isEmpty()) {
                throw new IllegalStateException("benchmark programming failed: " + added.failures());
            }
        }
        java.util.Collections.sort(addMicros);
        java.util.Collections.sort(calcMicros);
        if (!first.failures().isEmpty()) {
            throw new IllegalStateException("benchmark programming failed: " + first.failures());
        }
        String ipsets = host.run("ipset", "save").check().stdout();
        String v4 = host.run("iptables-save").check().stdout();
        String v6 = host.run("ip6tables-save").check().stdout();
        Namespaces.delete(PREFIX + "host");
        CommandRunner bare = Namespaces.create(PREFIX + "bare");
        start = System.nanoTime();
        bare.run(List.of("ipset", "restore"), ipsets).check();
        bare.run(List.of("iptables-restore"), v4).check();
        bare.run(List.of("ip6tables-restore"), v6).check();
        long bareMicros = (System.nanoTime() - start) / 1000;
        Namespaces.delete(PREFIX + "bare");
        long rules = (v4 + v6).lines().filter(line -> line.startsWith("-A")).count();
        long members = ipsets.lines().filter(line -> line.startsWith("add")).count();
        out.printf("%-6d %9.1f ms %6.1f / %5.1f ms %7.1f ms %11.1f ms %7.2fx %7d/%d%n", size, programMicros / 1000.0,
                addMicros.get(ADDS / 2) / 1000.0, addMicros.get(ADDS - 1) / 1000.0, calcMicros.get(ADDS / 2) / 1000.0,
                bareMicros / 1000.0,
                (double) programMicros / bareMicros, rules, members);
        out.flush();
    }

    private static void createInterfaces(CommandRunner host, int count) {
        StringBuilder batch = new StringBuilder();
        for (int i = 0; i < count; i++) {
            batch.append("link add name ").append(interfaceName(i)).append(" type veth peer name p").append(i).append('\n');
        }
        host.run(List.of("ip", "-batch", "-"), batch.toString()).check();
    }

    /** Spread like the real names (prefix + hash of the endpoint id), so that dispatch leaves fill evenly. */
    private static String interfaceName(int index) {
        return "jc" + java.util.HexFormat.of().toHexDigits(index * 0x9E3779B97F4A7C15L).substring(3);
    }

    private static WorkloadEndpoint endpoint(String node, int index) {
        Cidr v4 = Cidr.host(Cidr.parse("10.96.0.0/12").addressAt(BigInteger.valueOf(index)));
        Cidr v6 = Cidr.host(Cidr.parse("fd96::/64").addressAt(BigInteger.valueOf(index)));
        return new WorkloadEndpoint(node, null, "bench-" + index, "e" + index, interfaceName(index), null,
                List.of(v4), List.of(v6), List.of(index % 2 == 0 ? "web" : "db"), null);
    }

    private static Map<String, Profile> profiles() {
        Rule webToDb = new Rule(org.jcalico.model.Action.ALLOW, Protocol.parse("tcp"), null,
                new EntityMatch("web", null, null), new EntityMatch(null, null, Ports.parse("5432")), null, null, null);
        Profile web = Profile.securityGroup("web");
        Profile db = Profile.securityGroup("db");
        return Map.of("web", web, "db", db.withRules(org.jcalico.model.Direction.INBOUND,
                List.of(db.inbound().get(0), webToDb)));
    }

    private static Snapshot snapshot(List<WorkloadEndpoint> endpoints, Map<String, Profile> profiles) {
        return Snapshot.of("local", FelixConfiguration.DEFAULTS, endpoints, profiles);
    }
}
