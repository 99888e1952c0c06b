package org.jcalico.cli;

import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.jcalico.agent.JvmCommand;
import org.jcalico.agent.AgentPaths;
import org.jcalico.cni.CniCallLog;
import org.jcalico.cni.CniInstaller;
import org.jcalico.cni.CniInvocation;
import org.jcalico.cni.NetworkConfig;
import org.jcalico.cni.Target;
import org.jcalico.model.Cidr;
import org.jcalico.model.Names;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

@Command(name = "cni", mixinStandardHelpOptions = true, description = "jcalico as a CNI plugin (podman, containerd, Kubernetes ...).",
        subcommands = {CniCommand.Install.class, CniCommand.Plugin.class, CniCommand.IpamPlugin.class})
final class CniCommand {

    @Command(name = "install", mixinStandardHelpOptions = true,
            description = "Write the plugins jcalico-cni and jcalico-ipam to the bin directory and a conflist for a network to the configuration directory.")
    static final class Install implements Runnable {
        @Spec CommandSpec spec;
        @Option(names = "--bin-dir", paramLabel = "DIR", defaultValue = "/opt/cni/bin", description = "where runtimes look for plugins (default: ${DEFAULT-VALUE})") Path binDir;
        @Option(names = "--conf-dir", paramLabel = "DIR", defaultValue = "/etc/cni/net.d", description = "where runtimes look for network configurations (default: ${DEFAULT-VALUE})") Path confDir;
        @Option(names = "--network", paramLabel = "NAME", defaultValue = "jcalico", description = "the network's name (default: ${DEFAULT-VALUE})") String network;
        @Option(names = "--run-dir", paramLabel = "DIR", defaultValue = "/run/jcalico", description = "the agents' run directory, where the node's agent.sock is (default: $JCALICO_RUN_DIR, else ${DEFAULT-VALUE})") Path runDir;
        @Option(names = "--log-dir", paramLabel = "DIR", defaultValue = AgentPaths.LOG_ROOT, description = "the agents' log root, where the plugin's own JVM logs its calls (default: $JCALICO_LOG_DIR, else /var/log/jcalico)") Path logRoot;
        @Option(names = "--profile", paramLabel = "P", description = "profiles of the network's endpoints (default: one named after the network)") List<String> profiles = new ArrayList<>();
        @Option(names = "--pool", paramLabel = "CIDR", description = "IP pools to take addresses from (default: every enabled pool)") List<String> pools = new ArrayList<>();
        @Option(names = "--cni-version", paramLabel = "V", defaultValue = "1.0.0", description = "the conflist's cniVersion: 0.4.0, 1.0.0 or 1.1.0 (STATUS and GC; podman 4 speaks up to 1.0.0) (default: ${DEFAULT-VALUE})") String cniVersion;

        @Override
        public void run() {
            try (Session session = new Session(spec)) {
                install(session);
            }
        }

        private void install(Session session) {
            Names.check("network", network);
            profiles.forEach(profile -> Names.check("profile", profile));
            String runDirFlag = spec.commandLine().getParseResult().hasMatchedOption("--run-dir") ? runDir.toString()
                    : System.getenv().getOrDefault("JCALICO_RUN_DIR", runDir.toString());
            Target target = new Target(session.datastoreUrl(), session.nodeName(), Path.of(runDirFlag).toAbsolutePath(),
                    logRoot.toAbsolutePath());
            CniInstaller installer = new CniInstaller(network, cniVersion, target, profiles,
                    pools.stream().map(Cidr::parse).toList(), fallback());
            CniInstaller.Installed installed;
            try {
                installed = installer.install(binDir.toAbsolutePath(), confDir.toAbsolutePath());
            } catch (UncheckedIOException e) {
                throw new CommandFailure(e.getMessage());
            }
            session.out().println("installed " + installed.plugin() + " and " + installed.ipam() + "; network " + network
                    + " in " + installed.conflist() + " (node " + target.node() + ", datastore " + target.datastore() + ")");
        }

        /**
         * The launcher when jcalico runs from its checkout, else this JVM's java and class path (without the agent's
         * start-up cache: the script outlives this build of the jar).
         */
        private static List<String> fallback() {
            String home = System.getProperty("jcalico.home");
            return home != null ? List.of(Path.of(home, "jcalico").toString()) : JvmCommand.jcalico(JvmCommand.CacheUse.NONE);
        }
    }

    /** What jcalico-cni runs when no agent answers: the verb from CNI_COMMAND, the configuration on stdin. */
    @Command(name = "plugin", hidden = true, description = "Run jcalico-cni as the CNI specification describes (CNI_* variables, configuration on standard input).")
    static final class Plugin implements java.util.concurrent.Callable<Integer> {
        @Override
        public Integer call() throws IOException {
            return invoke(CniInvocation.Role.PLUGIN);
        }
    }

    /** What jcalico-ipam runs when no agent answers. */
    @Command(name = "ipam", hidden = true, description = "Run jcalico-ipam as the CNI specification describes (CNI_* variables, configuration on standard input).")
    static final class IpamPlugin implements java.util.concurrent.Callable<Integer> {
        @Override
        public Integer call() throws IOException {
            return invoke(CniInvocation.Role.IPAM);
        }
    }

    private static int invoke(CniInvocation.Role role) throws IOException {
        // one byte more than a configuration may have tells the refusal apart from a configuration of the largest size
        byte[] stdin = System.in.readNBytes(NetworkConfig.MAX_BYTES + 1);
        long start = System.nanoTime();
        CniInvocation.Outcome outcome = CniInvocation.run(role, System.getenv(), stdin);
        CniCallLog.appendOwn(role, System.getenv(), outcome, start);
        PrintStream out = new PrintStream(new java.io.FileOutputStream(java.io.FileDescriptor.out), true, StandardCharsets.UTF_8);
        out.print(outcome.stdout());
        out.flush();
        System.err.print(outcome.stderr());
        System.err.flush();
        return outcome.status();
    }
}
