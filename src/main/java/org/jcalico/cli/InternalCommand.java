package org.jcalico.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(name = "internal", hidden = true, description = "Commands for jcalico's own tooling.",
        subcommands = {InternalCommand.TrainStartupCache.class, InternalCommand.TrainAgentCache.class, InternalCommand.BenchFelixWorker.class, InternalCommand.BenchPolicyWorker.class,
                InternalCommand.BenchScaleWorker.class})
final class InternalCommand {

    /**
     * Runs the everyday commands once against a scratch datastore, so that the launcher can record which classes
     * they load (the JDK's AOT cache) and later commands start without loading them afresh.
     */
    @Command(name = "train-startup-cache", hidden = true)
    static final class TrainStartupCache implements Runnable {
        @Spec CommandSpec spec;

        @Override
        public void run() {
            // as every command starts (Main.main): SLF4J's quiet provider, whose classes the cache must hold
            Main.quietLibraryLogging();
            String datastore = new Session(spec).datastoreUrl().toString();
            Path file = null;
            // removed whatever fails once it is made: a training whose store cannot be opened (a user other than root,
            // at the first command after every build) left one in /tmp each time
            try {
                file = Files.createTempFile("jcalico-train", ".yaml");
                Files.writeString(file, "kind: Profile\nname: train-b\ntags: [train-b]\ninbound:\n- {action: allow, source: {tag: train-b}}\n"
                        + "---\nkind: FelixConfiguration\nname: global\nresyncIntervalSeconds: 10\n");
                try (Session session = new Session(spec)) {
                    endpoint(session.store());
                }
                List<List<String>> commands = List.of(
                        List.of("--help"), List.of("version"),
                        List.of("pool", "add", "10.99.0.0/16", "--nat-outgoing"), List.of("pool", "add", "fd99::/64"),
                        List.of("pool", "list"), List.of("pool", "list", "-o", "json"),
                        List.of("profile", "add", "train-a"), List.of("apply", "-f", file.toString()),
                        List.of("profile", "rule", "add", "train-a", "inbound", "allow", "--protocol", "tcp",
                                "--src-tag", "train-b", "--dst-ports", "80,8080:8090"),
                        List.of("profile", "show", "train-a"), List.of("profile", "list"),
                        List.of("get", "profile", "-o", "yaml"), List.of("get", "pool", "nosuch"),
                        List.of("ipam", "show"), List.of("node", "list"), List.of("container", "list"),
                        List.of("container", "list", "-o", "json"),
                        List.of("profile", "rule", "remove", "train-a", "inbound", "2"),
                        List.of("delete", "profile", "train-b"), List.of("pool", "remove", "fd99::/64"),
                        List.of("pool", "add", "10.99.0.0/33"));
                for (List<String> command : commands) {
                    List<String> args = new ArrayList<>(List.of("--datastore", datastore));
                    args.addAll(command);
                    Main.runOwnJvm(args.toArray(String[]::new));
                }
            } catch (IOException e) {
                throw new CommandFailure("cannot write a scratch file: " + e.getMessage());
            } finally {
                if (file != null) {
                    file.toFile().delete();
                }
            }
        }
    }

    /** What the JVM that records the agent's AOT cache runs, see org.jcalico.agent.AgentCache. */
    @Command(name = "train-agent-cache", hidden = true)
    static final class TrainAgentCache implements Runnable {
        @Spec CommandSpec spec;
        @Option(names = "--etcd-start", description = "also load the classes of an etcd agent's start (AgentCache.Kind.ETCD)")
        boolean etcdStart;
        @Option(names = "--idle-agent", paramLabel = "DIR", description = "then run the agent itself on an empty embedded"
                + " store in DIR until idle (only in a network namespace of its own: AgentCache.Kind.WORK, root's)")
        java.nio.file.Path idleAgent;

        @Override
        public void run() {
            org.jcalico.bench.AgentCacheTraining.run(spec.commandLine().getOut(), etcdStart);
            if (idleAgent != null) {
                spec.commandLine().getOut().println(IdleAgentTraining.run(idleAgent));
            }
            spec.commandLine().getOut().flush();
        }
    }

    /**
     * An endpoint, its status and its address's block, as `container add` and an agent would write them (training has
     * neither a namespace nor an agent): without them `container list` never decodes an endpoint nor `pool list` a
     * block, and those classes would load from the jar, their lambdas made at run time.
     */
    private static void endpoint(org.jcalico.datastore.ResourceStore store) {
        store.create(new org.jcalico.model.Node("train-h1", org.jcalico.model.IpAddress.parse("172.30.0.1"), null, null));
        store.create(new org.jcalico.model.WorkloadEndpoint("train-h1", null, "netns:train", "train-e1", "jctrain1", null,
                List.of(org.jcalico.model.Cidr.parse("10.99.0.1/32")), List.of(org.jcalico.model.Cidr.parse("fd99::1/128")),
                List.of("train-a"), null, "default", java.util.Map.of("app", "web"),
                List.of(org.jcalico.model.EndpointPort.parse("http=tcp/8080"))));
        store.create(new org.jcalico.model.EndpointStatus("train-h1", "train-e1",
                org.jcalico.model.EndpointStatus.State.programmed, null, 5L));
        store.create(new org.jcalico.model.IpamBlock(org.jcalico.model.Cidr.parse("10.99.0.0/26"), "train-h1",
                java.util.Map.of(1, "train-e1")));
    }

    /** The part of `bench felix` that runs inside the benchmark's host namespace, see FelixBenchmark. */
    @Command(name = "bench-felix-worker", hidden = true)
    static final class BenchFelixWorker implements Runnable {
        @Spec CommandSpec spec;
        @picocli.CommandLine.Parameters(index = "0", paramLabel = "N") int size;
        @picocli.CommandLine.Parameters(index = "1", paramLabel = "DRIVER") String driver;

        @Override
        public void run() {
            org.jcalico.bench.FelixBenchmark.programAndAdd(size, org.jcalico.model.DataplaneDriver.parse(driver),
                    spec.commandLine().getOut());
        }
    }

    /** The part of `bench policy` that runs inside the benchmark's host namespace, see PolicyBenchmark. */
    @Command(name = "bench-policy-worker", hidden = true)
    static final class BenchPolicyWorker implements Runnable {
        @Spec CommandSpec spec;
        // "first": the first programming alone, one of the bench's paired rounds
        @picocli.CommandLine.Parameters(index = "0", arity = "0..1", paramLabel = "PART") String part;

        @Override
        public void run() {
            if ("first".equals(part)) {
                org.jcalico.bench.PolicyBenchmark.measureFirst(spec.commandLine().getOut());
            } else {
                org.jcalico.bench.PolicyBenchmark.measure(spec.commandLine().getOut());
            }
        }
    }

    /** The part of `bench scale` that runs inside the benchmark's namespace, see ScaleBenchmark. */
    @Command(name = "bench-scale-worker", hidden = true)
    static final class BenchScaleWorker implements java.util.concurrent.Callable<Integer> {
        @Spec CommandSpec spec;
        @picocli.CommandLine.Parameters(index = "0") int nodes;
        @picocli.CommandLine.Parameters(index = "1") int endpoints;
        @picocli.CommandLine.Parameters(index = "2") int profiles;
        @picocli.CommandLine.Parameters(index = "3") Path dir;
        @picocli.CommandLine.Parameters(index = "4") int hold;

        @Override
        public Integer call() throws Exception {
            org.jcalico.bench.ScaleBenchmark.measure(nodes, endpoints, profiles, hold, dir, spec.commandLine().getOut());
            return 0;
        }
    }
}
