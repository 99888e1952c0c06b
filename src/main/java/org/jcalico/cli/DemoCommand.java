package org.jcalico.cli;

import java.util.List;
import org.jcalico.kernel.CommandRunner;
import org.jcalico.lab.Demo;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(name = "demo", mixinStandardHelpOptions = true,
        description = "The prototype's story on two hosts in network namespaces: security groups, BGP, NAT; prints what it sees and exits 1 if anything differs from the policy.")
final class DemoCommand implements java.util.concurrent.Callable<Integer> {
    /** A tool is a command, or a file for a plugin (ulogd's JSON output, which the agent's denied-flow log needs). */
    private static final List<String> TOOLS = List.of("ip", "iptables", "ipset", "bird", "birdc", "busybox", "conntrack", "nsenter",
            "ulogd", "/usr/lib/x86_64-linux-gnu/ulogd/ulogd_output_JSON.so");
    private static final List<String> PACKAGES = List.of("iproute2", "iptables", "ipset", "bird2", "bird2", "busybox-static", "conntrack",
            "util-linux", "ulogd2", "ulogd2-json");

    @Spec CommandSpec spec;
    @Option(names = "--keep", description = "leave the lab running afterwards") boolean keep;

    @Override
    public Integer call() {
        if (!"root".equals(System.getProperty("user.name"))) {
            throw new CommandFailure("the demo builds network namespaces and needs root (run it as root)");
        }
        installMissingTools();
        return new Demo(spec.commandLine().getOut()).run(keep) ? 0 : 1;
    }

    private void installMissingTools() {
        List<String> missing = new java.util.ArrayList<>();
        for (int i = 0; i < TOOLS.size(); i++) {
            if (!CommandRunner.local().run("sh", "-c", "command -v \"$0\" || test -e \"$0\"", TOOLS.get(i)).ok()
                    && !missing.contains(PACKAGES.get(i))) {
                missing.add(PACKAGES.get(i));
            }
        }
        if (missing.isEmpty()) {
            return;
        }
        spec.commandLine().getOut().println("installing " + String.join(" ", missing) + " (apt-get)");
        spec.commandLine().getOut().flush();
        CommandRunner.local().run("apt-get", "update", "-qq").check();
        List<String> install = new java.util.ArrayList<>(List.of("env", "DEBIAN_FRONTEND=noninteractive", "apt-get", "install",
                "-y", "-qq", "--no-install-recommends"));
        install.addAll(missing);
        CommandRunner.local().run(install).check();
    }
}
