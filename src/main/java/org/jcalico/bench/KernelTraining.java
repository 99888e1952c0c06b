package org.jcalico.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.jcalico.felix.StartSequence;
import org.jcalico.felix.calc.HostStateCalculator;
import org.jcalico.felix.calc.Snapshot;
import org.jcalico.felix.dataplane.Dataplane;
import org.jcalico.felix.dataplane.DataplaneReport;
import org.jcalico.kernel.CommandRunner;
import org.jcalico.kernel.KernelException;
import org.jcalico.model.DataplaneDriver;
import org.jcalico.model.FelixConfiguration;
import org.jcalico.model.WorkloadEndpoint;

/**
 * The part of the agent cache's training that needs a kernel: a small node programmed with each driver as the agent
 * programs one (its first pass, the rehearsal and the peak given back after it, adds, a lent add, a removal, a full
 * resync), so that the cache holds the drivers' classes, the lambda classes their code spins and their methods'
 * profiles: without them the first programming of every agent and bench worker loaded some 300 classes from the jar and
 * spun 210 lambda classes, in the interpreter (docs/dataplane.md, "Session 67 (p-cold)"). It runs only in a network
 * namespace of the training's own, which the recording JVM was started in (`unshare --net`, {@link
 * org.jcalico.agent.AgentCache}) and which holds nothing but its loopback: never in a namespace that someone's links and
 * rules could be in. The namespace goes with the process.
 */
final class KernelTraining {
    /**
     * Local endpoints, adds and remote endpoints: each path run a few times, the programming a second or two; enough
     * local ones for a cold pass's rules to go to a restore of their own, as a big node's do (IptablesRestore); enough
     * remote ones for a tag set (each profile's holds half the endpoints) of more than 1,000 members, which the ipset
     * driver writes from its members' codes in the kernel's order (IpSetInput.TEXT_ORDER_UP_TO; with 1,000 remote
     * endpoints a cold programming spun that path's lambda itself).
     */
    private static final int LOCAL = 250;
    private static final int ADDS = 6;
    private static final int REMOTE = 2_000;
    private static final Path LINKS = Path.of("/proc/self/net/dev");

    private KernelTraining() {
    }

    /**
     * Programs the node with each driver, then has the compilers yield as the agent does once in sync; returns what it
     * did, for the training's printout.
     */
    static String run() {
        List<String> names = links();
        if (!names.equals(List.of("lo"))) {
            return "kernel part skipped: this network namespace holds " + names + ", not only a loopback of its own";
        }
        CommandRunner local = CommandRunner.local();
        FelixBenchNode node = new FelixBenchNode(LOCAL, ADDS, 1, REMOTE);
        try {
            BenchInterfaces.create(local, node.interfaces());
            for (DataplaneDriver driver : DataplaneDriver.values()) {
                program(node, driver, local);
            }
            // as the agent once in sync
            StartSequence.compilersYield();
        } catch (KernelException | IllegalStateException e) {
            return "kernel part stopped: " + e.getMessage();
        }
        return "kernel part: " + LOCAL + " local and " + REMOTE + " remote endpoints programmed with "
                + List.of(DataplaneDriver.values()) + ", " + ADDS + " adds, a lent one, a removal and a resync each";
    }

    /** The names of this namespace's links (none when unreadable, so that nothing is programmed). */
    static List<String> links() {
        try {
            return Files.readAllLines(LINKS).stream().filter(line -> line.contains(":") && !line.contains("|"))
                    .map(line -> line.substring(0, line.indexOf(':')).strip()).toList();
        } catch (IOException e) {
            return List.of("(" + LINKS + " unreadable: " + e.getMessage() + ")");
        }
    }

    private static void program(FelixBenchNode node, DataplaneDriver driver, CommandRunner local) {
        FelixConfiguration config = FelixConfiguration.DEFAULTS.withDataplaneDriver(driver);
        List<WorkloadEndpoint> endpoints = new ArrayList<>(node.programmed());
        HostStateCalculator calculator = new HostStateCalculator();
        Dataplane dataplane = new Dataplane(local);
        check(dataplane.start());
        Snapshot cold = node.snapshot(config, endpoints);
        check(StartSequence.firstPass(dataplane, cold, () -> calculator.calculate(cold)));
        StartSequence.Settled settled = StartSequence.afterFirstPass(cold, calculator::calculate, dataplane, () -> false);
        if (settled.failure() != null) {
            throw settled.failure();
        }
        for (int i = 0; i < ADDS; i++) {
            endpoints.add(node.local(LOCAL + i));
            check(dataplane.apply(calculator.calculate(node.snapshot(config, endpoints))));
        }
        endpoints.add(node.lentAdd(0));
        check(dataplane.apply(calculator.calculate(node.snapshot(config, endpoints))));
        endpoints.remove(LOCAL);
        check(dataplane.apply(calculator.calculate(node.snapshot(config, endpoints))));
        check(dataplane.resync(calculator.calculate(node.snapshot(config, endpoints))));
    }

    private static void check(DataplaneReport report) {
        if (!report.failures().isEmpty()) {
            throw new IllegalStateException(report.failures().toString());
        }
    }
}
