package org.jcalico.bench;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.jcalico.felix.StartSequence;
import org.jcalico.felix.calc.HostStateCalculator;
import org.jcalico.felix.dataplane.ipsets.IpSetPlanner;
import org.jcalico.felix.dataplane.ipsets.IpSetInput;
import org.jcalico.felix.dataplane.ipsets.IpSetSnapshot;
import org.jcalico.felix.dataplane.ipsets.IpSetUpdate;
import org.jcalico.felix.dataplane.iptables.IptablesPlanner;
import org.jcalico.felix.dataplane.iptables.IptablesSnapshot;
import org.jcalico.felix.dataplane.iptables.IptablesUpdate;
import org.jcalico.felix.dataplane.iptables.RuleHash;
import org.jcalico.felix.hoststate.HostState;
import org.jcalico.kernel.IdleEnds;
import org.jcalico.model.ResourceCodec;
import org.jcalico.model.StoredForm;
import org.jcalico.model.WorkloadEndpoint;

/**
 * What the JVM that records the agent's AOT cache runs (see {@link org.jcalico.agent.AgentCache}): the agent's own
 * code on `bench policy`'s cluster, in memory and never near a kernel, so that it works for any user and on CI. It
 * decodes endpoints as the agent's listing does, calculates the host state from nothing, then a few changes of each
 * kind the agent meets (a policy, a remote endpoint's labels, a local endpoint), and plans each result as the
 * drivers would write it into a kernel that holds what the previous plan left (the restore input of both families'
 * rules, the sets' netlink batch encoded but never sent). The cache then holds the classes all this loads, linked,
 * and the methods' profiles, so the agent's first calculation and first changes do not start from cold code. Last, it
 * does what an idle agent first does 30 s after its start ({@link IdleEnds}), which changes no kernel state either.
 */
public final class AgentCacheTraining {
    /** Changes of each kind: enough for their code's profiles, few enough to keep the training a few seconds. */
    private static final int CHANGES = 12;
    /** Every how many endpoints one goes through the codec as the agent's listing decodes it. */
    private static final int DECODED_EVERY = 10;
    /** The classes of an etcd agent's start that the training's work does not load (the etcd cache's only). */
    private static final String ETCD_START = "agent-start-classes.txt";

    private final PolicyBenchmark.Cluster cluster = new PolicyBenchmark.Cluster();
    private final HostStateCalculator calculator = new HostStateCalculator();
    private IptablesSnapshot ipv4 = IptablesSnapshot.EMPTY;
    private IptablesSnapshot ipv6 = IptablesSnapshot.EMPTY;
    private IpSetSnapshot sets = IpSetSnapshot.EMPTY;

    private AgentCacheTraining() {
    }

    /** The idle agent's first idle ends ({@link IdleEnds}), which would otherwise link their code 30 s after its start. */
    private static void idleEnds() {
        try {
            IdleEnds.rehearse();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /**
     * Prints how long the first calculation and plan and the first change of each kind took (wall and this thread's
     * CPU time), which tell a JVM that had the cache from one that had not; and how much restore input was planned.
     * With ETCD_START, the cache for agents on etcd: their start's classes too ({@link #loadEtcdStartClasses}).
     */
    public static void run(PrintWriter out, boolean etcdStart) {
        // as the agent sizes its heap for its start (the management classes it loads for that are then cached)
        out.println("heap sized for the start: " + StartSequence.beforeListing());
        AgentCacheTraining training = new AgentCacheTraining();
        long planned = training.decode();
        planned += training.timed("first", out);
        for (int step = 0; step < CHANGES; step++) {
            training.cluster.changePolicy(step);
            planned += step == 0 ? training.timed("policy", out) : training.calculateAndPlan();
            training.cluster.relabelRemote(step);
            planned += step == 0 ? training.timed("label", out) : training.calculateAndPlan();
            training.cluster.addLocal(step);
            planned += step == 0 ? training.timed("add", out) : training.calculateAndPlan();
        }
        out.println("planned " + planned + " characters of restore input");
        idleEnds();
        if (etcdStart) {
            out.println("loaded " + loadEtcdStartClasses() + " more classes of an etcd agent's start");
        }
    }

    /**
     * The classes of an etcd agent's start that this training's work does not load (the JSON and gRPC clients, TLS,
     * the kernel's drivers, the listeners: what needs a server or a kernel), listed in {@value #ETCD_START}, loaded
     * without being initialized: the cache holds a class loaded here as one the training used, so that the agent
     * neither reads nor parses nor verifies it at its start. Only the etcd cache holds them: a cache's classes are all
     * mapped and loaded at a JVM's start, and an idle agent on the embedded store paid 10 MB for them (docs/agent.md,
     * "Start-up of the agent", sessions 36 and 37). Returns how many.
     */
    static int loadEtcdStartClasses() {
        ClassLoader loader = AgentCacheTraining.class.getClassLoader();
        int loaded = 0;
        for (String name : etcdStartClasses()) {
            try {
                Class.forName(name, false, loader);
                loaded++;
            } catch (ClassNotFoundException | LinkageError e) {
                // renamed or gone since the list was made: not cached, loaded at the start as before (AgentCacheTrainingTest)
            }
        }
        return loaded;
    }

    /** The names in {@value #ETCD_START}. */
    static List<String> etcdStartClasses() {
        try (var in = AgentCacheTraining.class.getResourceAsStream(ETCD_START)) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8).lines()
                    .filter(line -> !line.isBlank() && !line.startsWith("#")).toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private long timed(String what, PrintWriter out) {
        ThreadMXBean threads = ManagementFactory.getThreadMXBean();
        long cpu = threads.getCurrentThreadCpuTime();
        long start = System.nanoTime();
        long planned = calculateAndPlan();
        out.printf("%s calculation and plan: %d ms, CPU %d ms%n", what, (System.nanoTime() - start) / 1_000_000,
                (threads.getCurrentThreadCpuTime() - cpu) / 1_000_000);
        return planned;
    }

    private long decode() {
        List<WorkloadEndpoint> endpoints = cluster.snapshot().endpoints();
        long decoded = 0;
        for (int i = 0; i < endpoints.size(); i += DECODED_EVERY) {
            decoded += StoredForm.fromJson(ResourceCodec.toJson(endpoints.get(i))).hashCode() & 1;
        }
        return decoded;
    }

    private long calculateAndPlan() {
        HostState desired = calculator.calculate(cluster.snapshot());
        IpSetUpdate filled = IpSetPlanner.fill(desired.ipSets(), sets);
        IptablesUpdate rules4 = IptablesPlanner.plan(desired.ipv4(), ipv4, RuleHash::of);
        IptablesUpdate rules6 = IptablesPlanner.plan(desired.ipv6(), ipv6, RuleHash::of);
        IpSetUpdate swept = IpSetPlanner.sweep(desired.ipSets().keySet(), filled.after());
        ipv4 = rules4.after();
        ipv6 = rules6.after();
        sets = swept.after();
        return encoded(filled.input()) + rules4.restoreInput().length() + rules6.restoreInput().length()
                + encoded(swept.input());
    }

    /** The batch made as the driver makes it for the kernel, here never sent: its ordering and encoding are warmed too. */
    private static long encoded(IpSetInput input) {
        return input.batch().isEmpty() ? 0 : input.length();
    }
}
