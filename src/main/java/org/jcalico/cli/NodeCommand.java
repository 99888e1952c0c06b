package org.jcalico.cli;

import org.jcalico.model.ValidationException;
import org.jcalico.datastore.DatastoreUrl;

import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import java.nio.file.Path;
import java.util.Optional;
import org.jcalico.datastore.ResourceStore;
import org.jcalico.cni.CniAgentResource;
import org.jcalico.cni.CniInvocation;
import org.jcalico.diags.DiagsArchive;
import org.jcalico.diags.NodeDiagnostics;
import org.jcalico.agent.AgentPaths;
import org.jcalico.agent.AgentOptions;
import org.jcalico.agent.AgentProcess;
import org.jcalico.agent.AgentRuntime;
import org.jcalico.felix.AgentStatusFile;
import org.jcalico.image.DockerCli;
import org.jcalico.image.NodeContainer;
import org.jcalico.image.NodeImage;
import org.jcalico.bgp.BgpStatus;
import org.jcalico.checksystem.SystemCheck;
import org.jcalico.checksystem.SystemChecks;
import org.jcalico.checksystem.SystemProbe;
import org.jcalico.health.HealthFacts;
import org.jcalico.health.HealthProbe;
import org.jcalico.health.HealthReport;
import org.jcalico.bgp.BirdConfig;
import org.jcalico.bgp.BirdDaemon;
import org.jcalico.kernel.CommandRunner;
import org.jcalico.model.IpAddress;
import org.jcalico.nodes.NodeService;
import org.jcalico.util.Shown;
import org.jcalico.workload.Intent;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import org.jcalico.model.Node;
import org.jcalico.model.WorkloadEndpoint;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

@Command(name = "node", mixinStandardHelpOptions = true, description = "The hosts of the cluster and their agents.",
        subcommands = {NodeCommand.Start.class, NodeCommand.Run.class, NodeCommand.Image.class, NodeCommand.Stop.class, NodeCommand.Status.class, NodeCommand.CheckSystem.class, NodeCommand.Diags.class, NodeCommand.ListNodes.class, NodeCommand.Remove.class})
final class NodeCommand {

    /** How the agent is started, the same for `node start` and `node run`. */
    static final class AgentFlags {
        @Option(names = "--name", paramLabel = "NAME", description = "node name (default: --node, $JCALICO_NODENAME, hostname)") String name;
        @Option(names = "--ip", paramLabel = "ADDRESS", description = "this host's IPv4 address (default: the source address of its default route)") String ip;
        @Option(names = "--ip6", paramLabel = "ADDRESS", description = "this host's IPv6 address") String ip6;
        @Option(names = "--as", paramLabel = "N", description = "this node's AS number (default: the cluster's)") Long asNumber;
        @Option(names = "--no-bgp", description = "do not run BIRD: the fabric routes each host's blocks") boolean noBgp;
        @Option(names = "--log-dir", paramLabel = "DIR", defaultValue = AgentPaths.LOG_ROOT, description = "default: $JCALICO_LOG_DIR, else /var/log/jcalico") Path logRoot;
        @Option(names = "--run-dir", paramLabel = "DIR", defaultValue = AgentPaths.RUN_ROOT, description = "default: $JCALICO_RUN_DIR, else /run/jcalico") Path runRoot;
        @Option(names = "--docker-plugin-dir", paramLabel = "DIR", defaultValue = AgentOptions.DEFAULT_DOCKER_PLUGIN_DIR,
                description = "serve the docker network and IPAM plugins (drivers jcalico, jcalico-ipam) and put their spec"
                        + " files here for dockerd to find; 'none': no docker plugin (default: ${DEFAULT-VALUE})") String dockerPluginDir;

        AgentOptions options(Session session) {
            String node = session.nodeName(name);
            IpAddress ipv4 = ip != null ? IpAddress.parse(ip) : null;
            IpAddress ipv6 = ip6 != null ? IpAddress.parse(ip6) : null;
            return new AgentOptions(node, session.datastoreUrl(), ipv4, ipv6, asNumber, !noBgp, runRoot, logRoot,
                    dockerPluginDir.equals(AgentOptions.NO_DOCKER_PLUGIN) ? null : Path.of(dockerPluginDir))
                    .withDetectedAddress(CommandRunner.local());
        }
    }

    @Command(name = "start", mixinStandardHelpOptions = true,
            description = "Register this host as a node and run its agent: in the background under a supervisor that restarts it"
                    + " if it dies, or in this process with --foreground.")
    static final class Start implements java.util.concurrent.Callable<Integer> {
        @Spec CommandSpec spec;
        @Mixin AgentFlags flags;
        @Option(names = "--foreground", description = "run the agent in this process, logging to stderr too") boolean foreground;
        @Option(names = "--timeout", paramLabel = "SECONDS", description = "how long to wait for the agent to get in sync before"
                + " stopping it and failing (default: 20)") Integer timeout;

        @Override
        public Integer call() {
            if (timeout != null && (timeout < 1 || foreground)) {
                // refused before anything starts: no agent was waited for less than a second, or at all in the foreground
                throw ValidationException.field("--timeout", timeout, foreground ? "is for a start in the background (not with"
                        + " --foreground)" : "is not a positive number of seconds (how long to wait for the agent to get in sync)");
            }
            try (Session session = new Session(spec)) {
                AgentOptions options = flags.options(session);
                String node = options.node();
                if (foreground) {
                    AgentMain.run(options, true);
                    return 0;
                }
                long pid = new AgentProcess(options.paths()).startInBackground(options,
                        timeout == null ? AgentProcess.START_TIMEOUT : java.time.Duration.ofSeconds(timeout));
                session.out().println("started the agent for node " + node + " (pid " + pid + ", addresses "
                        + addresses(options) + "), restarted if it dies; log: " + options.paths().log());
                return 0;
            }
        }
    }

    private static String addresses(AgentOptions options) {
        return (options.ipv4() == null ? "-" : options.ipv4().toString()) + (options.ipv6() == null ? "" : ", " + options.ipv6());
    }

    @Command(name = "image", mixinStandardHelpOptions = true,
            description = "Build the node image " + NodeImage.REPOSITORY + ":VERSION in the local docker daemon ($DOCKER_HOST)"
                    + " from Debian's packages (mmdebstrap), a jlink'd Java runtime and this jcalico; kept if it is already there.")
    static final class Image implements Runnable {
        @Spec CommandSpec spec;
        @Option(names = "--cache-dir", paramLabel = "DIR", description = "where the root file system and Java runtime are kept between builds (default: ${DEFAULT-VALUE})")
        Path cache = NodeImage.DEFAULT_CACHE;

        @Override
        public void run() {
            var out = spec.commandLine().getOut();
            NodeImage.Built built = ensureImage(cache);
            out.println((built.reused() ? "kept " : "built ") + built.tag() + " (content " + built.content().substring(0, 12)
                    + ", " + built.bytes() / 1_000_000 + " MB) in " + String.format("%.1f s", built.millis() / 1000.0));
            out.flush();
        }
    }

    private static NodeImage.Built ensureImage(Path cache) {
        DockerCli docker = new DockerCli(CommandRunner.local());
        if (!docker.available()) {
            throw new CommandFailure("no docker daemon answers at " + System.getenv().getOrDefault("DOCKER_HOST",
                    "unix:///var/run/docker.sock") + " (set DOCKER_HOST, or start dockerd)");
        }
        return new NodeImage(docker, cache, line -> System.err.println("jcalico: " + line)).ensure();
    }

    @Command(name = "run", mixinStandardHelpOptions = true,
            description = "Run this host's agent and BIRD in the node image, in a docker container (--net=host --pid=host, the capabilities it needs) that"
                    + " docker restarts; builds the image first if needed. `node stop` and `node status` work as after `node start`.")
    static final class Run implements Runnable {
        @Spec CommandSpec spec;
        @Mixin AgentFlags flags;
        @Option(names = "--image", paramLabel = "IMAGE", description = "run this image as it is (default: build or keep " + NodeImage.REPOSITORY + ":VERSION)") String image;
        @Option(names = "--cache-dir", paramLabel = "DIR", description = "as for `node image` (default: ${DEFAULT-VALUE})") Path cache = NodeImage.DEFAULT_CACHE;

        @Override
        public void run() {
            try (Session session = new Session(spec)) {
                AgentOptions options = flags.options(session);
                String tag = image != null ? image : ensureImage(cache).tag();
                String id = new NodeContainer(new DockerCli(CommandRunner.local())).run(options, tag, System.getenv());
                session.out().println("started the agent for node " + options.node() + " in container "
                        + NodeContainer.name(options.node()) + " (" + id.substring(0, 12) + ", image " + tag + ", addresses "
                        + addresses(options) + "), restarted by docker if it dies; log: " + options.paths().log());
            }
        }
    }

    @Command(name = "stop", mixinStandardHelpOptions = true,
            description = "Stop this node's agent. The kernel keeps its routes and rules, so traffic keeps flowing.")
    static final class Stop implements Runnable {
        @Spec CommandSpec spec;
        @Option(names = "--name", paramLabel = "NAME") String name;
        @Option(names = "--run-dir", paramLabel = "DIR", defaultValue = AgentPaths.RUN_ROOT, description = "default: $JCALICO_RUN_DIR, else /run/jcalico") Path runRoot;
        @Option(names = "--keep-bgp", description = "leave BIRD running, so that BGP sessions survive an agent restart") boolean keepBgp;

        @Override
        public void run() {
            try (Session session = new Session(spec)) {
                String node = session.nodeName(name);
                AgentPaths paths = AgentPaths.of(node, runRoot, AgentPaths.DEFAULT_LOG);
                Optional<String> container = NodeContainer.stop(paths);
                if (container.isPresent()) {
                    // BIRD lived in the container and went with it (docker kills what is left of a container): there
                    // is none to keep with --keep-bgp
                    session.out().println("stopped the node container " + NodeContainer.name(node) + " (" + container.get()
                            .substring(0, 12) + ": agent and BIRD); the kernel keeps its routes and rules");
                    return;
                }
                Optional<Long> stopped = new AgentProcess(paths).stop();
                BirdDaemon bird = new BirdDaemon(paths.runDir(), CommandRunner.local());
                boolean birdRan = bird.process().isPresent();
                if (!keepBgp) {
                    bird.stop();
                }
                session.out().println(stopped.map(pid -> "stopped the agent for node " + node + " (pid " + pid
                        + "); the kernel keeps its routes and rules").orElse("the agent for node " + node + " was not running")
                        + (birdRan ? (keepBgp ? "; BIRD keeps running" : "; stopped BIRD for a graceful restart (the other hosts keep this node's routes for "
                        + BirdConfig.RESTART_TIME_SECONDS + " s)") : ""));
            }
        }
    }

    @Command(name = "status", mixinStandardHelpOptions = true,
            description = "This node's agent (running, in sync, endpoints programmed or failed) and its BGP sessions; exit status 1 unless all is well.")
    static final class Status implements java.util.concurrent.Callable<Integer> {
        @Spec CommandSpec spec;
        @Option(names = "--name", paramLabel = "NAME") String name;
        @Option(names = "--run-dir", paramLabel = "DIR", defaultValue = AgentPaths.RUN_ROOT, description = "default: $JCALICO_RUN_DIR, else /run/jcalico") Path runRoot;

        @Override
        public Integer call() {
            String node = new Session(spec).nodeName(name);
            AgentPaths paths = AgentPaths.of(node, runRoot, AgentPaths.DEFAULT_LOG);
            var out = spec.commandLine().getOut();
            Optional<ProcessHandle> agent = new AgentProcess(paths).running();
            AgentStatusFile file = new AgentStatusFile(paths.statusFile(), node);
            AgentStatusFile.Status written = file.read();
            AgentStatusFile.Status status = agent.map(handle -> file.readFor(handle.pid()).shown()).orElse(null);
            long now = System.currentTimeMillis();
            if (agent.isEmpty()) {
                // a stopped or killed agent leaves its rules in the kernel, which keeps enforcing them
                out.println("agent for node " + node + ": not running"
                        + (written == null || written.syncedAtMillis() == 0 ? "" : "; " + written.kept(now)));
            } else {
                out.println("agent for node " + node + ": running (pid " + agent.get().pid()
                        + new AgentProcess(paths).supervisor().map(s -> ", supervisor pid " + s.pid()).orElse("")
                        + NodeContainer.Placement.of(paths).map(p -> ", in container " + NodeContainer.name(node)).orElse("") + ")"
                        + (status == null ? "" : ", " + status.state().toString().replace('_', ' ') + "; "
                        + status.endpoints(now) + "; updated " + (now - status.updatedAtMillis()) / 1000 + " s ago"
                        + (status.problem() == null ? "" : "; " + status.problem())));
                if (status != null) {
                    status.warnings().forEach(warning -> out.println("warning: " + warning));
                }
            }
            // the agent writes bird.conf before it first starts BIRD; a node started with --no-bgp has none
            boolean bgp = java.nio.file.Files.exists(paths.runDir().resolve("bird.conf"));
            HealthFacts facts = HealthProbe.gather(status, bgp ? new BirdDaemon(paths.runDir(), CommandRunner.local()) : null,
                    CommandRunner.local());
            if (!bgp) {
                out.println("BGP: BIRD is not running (node started with --no-bgp)");
            } else if (facts.birdPid() == null) {
                out.println("BGP: BIRD is not running (it should be: the agent restarts it within a second)");
            } else {
                Table table = new Table("PEER", "TYPE", "FAMILY", "STATE", "SINCE", "INFO");
                for (BgpStatus.Session session : facts.sessions()) {
                    table.row(session.peer(), session.type(), "IPv" + session.version(), session.state(), session.since(), session.info());
                }
                out.println("BGP sessions (BIRD pid " + facts.birdPid() + "):");
                table.print(out);
            }
            HealthReport readiness = HealthReport.readiness(facts);
            out.println("readiness: " + (readiness.ok() ? "ready" : "not ready") + " (the agent's /readiness says the same)");
            Table conditions = new Table("CONDITION", "OK", "DETAIL");
            readiness.conditions().forEach(condition -> conditions.row(condition.name(), condition.ok() ? "yes" : "no", condition.detail()));
            conditions.print(out);
            out.flush();
            return readiness.ok() ? 0 : 1;
        }
    }

    @Command(name = "checksystem", mixinStandardHelpOptions = true,
            description = "Check that this host can run jcalico (kernel features, tools, forwarding, firewall rules, the BGP port),"
                    + " changing nothing; one line per check with how to fix it; exit status 1 when something blocks.")
    static final class CheckSystem implements java.util.concurrent.Callable<Integer> {
        @Spec CommandSpec spec;
        @Option(names = "--name", paramLabel = "NAME", description = "node name, to tell its own BIRD on port 179 apart (default: --node, $JCALICO_NODENAME, hostname)") String name;
        @Option(names = "--run-dir", paramLabel = "DIR", defaultValue = AgentPaths.RUN_ROOT, description = "default: $JCALICO_RUN_DIR, else /run/jcalico") Path runRoot;
        @Option(names = "--no-bgp", description = "the node will run without BIRD: no BGP tools or port needed") boolean noBgp;

        @Override
        public Integer call() {
            String node = new Session(spec).nodeName(name);
            Long ownBird = new BirdDaemon(AgentPaths.of(node, runRoot, AgentPaths.DEFAULT_LOG).runDir(), CommandRunner.local())
                    .process().map(ProcessHandle::pid).orElse(null);
            List<SystemCheck> checks = SystemChecks.evaluate(new SystemProbe(CommandRunner.local()).gather(!noBgp, ownBird));
            var out = spec.commandLine().getOut();
            Table table = new Table("RESULT", "CHECK", "DETAIL");
            checks.forEach(check -> table.row(check.result(), check.name(),
                    check.detail() + (check.fix() == null ? "" : "; fix: " + check.fix())));
            table.print(out);
            long failed = checks.stream().filter(check -> check.result() == SystemCheck.Result.FAIL).count();
            long warned = checks.stream().filter(check -> check.result() == SystemCheck.Result.WARN).count();
            out.println(failed > 0 ? failed + " checks failed: jcalico cannot run on this host as it is"
                    : "this host can run jcalico" + (warned > 0 ? " (" + warned + " warnings)" : ""));
            out.flush();
            return SystemChecks.blocked(checks) ? 1 : 0;
        }
    }

    @Command(name = "diags", mixinStandardHelpOptions = true,
            description = "Collect what it takes to debug this host into one tar.gz: versions, the node's records and Felix configuration,"
                    + " its endpoints, ip addresses/routes/rules/links, iptables and ipsets, BIRD's configuration and sessions, the agent's"
                    + " health and metrics, the last denied flows and the end of its logs. A part that cannot be read holds its error;"
                    + " the rest is still collected.")
    static final class Diags implements Runnable {
        @Spec CommandSpec spec;
        @Option(names = "--name", paramLabel = "NAME") String name;
        @Option(names = "--output", paramLabel = "FILE", description = "default: jcalico-diags-NODE-TIME.tar.gz in this directory") Path output;
        @Option(names = "--log-dir", paramLabel = "DIR", defaultValue = AgentPaths.LOG_ROOT, description = "default: $JCALICO_LOG_DIR, else /var/log/jcalico") Path logRoot;
        @Option(names = "--run-dir", paramLabel = "DIR", defaultValue = AgentPaths.RUN_ROOT, description = "default: $JCALICO_RUN_DIR, else /run/jcalico") Path runRoot;

        @Override
        public void run() {
            Session session = new Session(spec);
            String node = session.nodeName(name);
            String time = java.time.format.DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmss'Z'").withZone(java.time.ZoneOffset.UTC)
                    .format(java.time.Instant.now());
            String top = "jcalico-diags-" + node + "-" + time;
            Path file = output != null ? output : Path.of(top + ".tar.gz");
            var collectors = new NodeDiagnostics(node, AgentPaths.of(node, runRoot, logRoot), session.datastoreUrl(),
                    CommandRunner.local()).collectors();
            List<DiagsArchive.Entry> entries;
            try {
                entries = DiagsArchive.write(file, top, collectors);
            } catch (java.io.IOException e) {
                throw new CommandFailure("cannot write " + file + ": " + e.getMessage());
            }
            var out = session.out();
            List<DiagsArchive.Entry> failed = entries.stream().filter(entry -> entry.error() != null).toList();
            out.println("wrote " + file.toAbsolutePath() + " (" + file.toFile().length() + " bytes), " + entries.size()
                    + " files under " + top + "/:");
            Table table = new Table("FILE", "BYTES", "COLLECTED");
            entries.forEach(entry -> table.row(entry.file(), entry.bytes(), entry.error() == null ? "ok" : "FAILED: " + entry.error()));
            table.print(out);
            if (!failed.isEmpty()) {
                out.println(failed.size() + " of " + entries.size() + " could not be collected (their files hold the error): "
                        + String.join(", ", failed.stream().map(DiagsArchive.Entry::file).toList()));
            }
            out.flush();
        }
    }

    @Command(name = "remove", mixinStandardHelpOptions = true, description = "Remove a node that has no endpoints.")
    static final class Remove implements Runnable {
        @Spec CommandSpec spec;
        @Parameters(paramLabel = "NAME") String name;

        @Override
        public void run() {
            try (Session session = new Session(spec)) {
                NodeService.Removal removal = new NodeService(session.store()).remove(name);
                session.out().println(switch (removal.removed()) {
                    case NODE -> "removed node " + name;
                    case UNREADABLE_NODE -> "removed node " + name + ", a record that could not be read: "
                            + Shown.message(removal.unreadable());
                    case BLOCKS_OF_UNREGISTERED_NAME -> "gave up the address blocks of '" + name + "', which is not a registered node";
                    case COMMANDS_OF_UNREGISTERED_NAME -> "'" + name + "' is not a registered node";
                } + takenBack(removal));
                if (!removal.failures().isEmpty()) {
                    throw new CommandFailure(removal.failures().size() + " unfinished container command(s) of '" + name
                            + "' could not be taken back (run 'jcalico node remove " + name + "' again): "
                            + removal.failures().getFirst().getMessage());
                }
            }
        }
    }

    /** The addresses of the node's unfinished container commands, which no agent sweeps once the node is gone. */
    private static String takenBack(NodeService.Removal removal) {
        if (removal.takenBack().isEmpty()) {
            return "";
        }
        return "; took back the addresses held for " + removal.takenBack().size() + " unfinished container command(s) ("
                + Shown.names(removal.takenBack().stream().map(Intent::handle).toList())
                + "; their veths, if the host still has them, are its own to remove)";
    }

    @Command(name = "list", mixinStandardHelpOptions = true, description = "List nodes.")
    static final class ListNodes implements Runnable {
        @Spec CommandSpec spec;
        final OutputOption output = new OutputOption();
        @Mixin(name = "output") final CommandSpec outputMixin = output.mixin();

        @Override
        public void run() {
            try (Session session = new Session(spec)) {
                ResourceStore store = session.readStore();
                ResourceStore.Surveyed<Node> nodes = store.survey(Node.class);
                if (!output.isTable()) {
                    output.printSurveyed(session.out(), nodes);
                    return;
                }
                ResourceStore.Surveyed<WorkloadEndpoint> surveyed = store.survey(WorkloadEndpoint.class);
                Map<String, Long> endpoints = surveyed.resources().stream()
                        .collect(Collectors.groupingBy(WorkloadEndpoint::node, Collectors.counting()));
                // an endpoint record that cannot be read is under its node's key: that node's count may be short by it
                java.util.Set<String> leftOut = surveyed.unreadable().stream()
                        .map(record -> record.name().substring(0, Math.max(0, record.name().indexOf('/')))).collect(Collectors.toSet());
                Table table = new Table("NAME", "IPV4", "IPV6", "AS", "ENDPOINTS");
                for (Node node : nodes.resources()) {
                    table.row(node.name(), node.ipv4(), node.ipv6(), node.asNumber() == null ? "(default)" : node.asNumber(),
                            UnreadableRows.count(endpoints.getOrDefault(node.name(), 0L), leftOut.contains(node.name())));
                }
                table.print(session.out());
                UnreadableRows.print(session.out(), java.util.stream.Stream.concat(nodes.unreadable().stream(),
                        surveyed.unreadable().stream()).toList());
            }
        }
    }

}
