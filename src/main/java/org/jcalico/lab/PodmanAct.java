package org.jcalico.lab;

import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;
import org.jcalico.agent.JvmCommand;
import org.jcalico.kernel.CommandRunner;
import org.jcalico.model.IpAddress;

/**
 * The demo's podman act, when podman is installed: podman on each host of the demo's lab drives jcalico's CNI plugin;
 * a container podman runs on one host reaches one on the other, its profile keeps it away from the demo's other
 * workloads, and `podman rm` takes its endpoint away.
 */
final class PodmanAct {
    private final Lab lab;
    private final PrintWriter out;
    private final Consumer<String> step;

    PodmanAct(Lab lab, PrintWriter out, Consumer<String> step) {
        this.lab = lab;
        this.out = out;
        this.step = step;
    }

    /** @param otherGroup an address of a demo workload outside the network's profile, which must stay unreachable */
    boolean run(IpAddress otherGroup) {
        step.accept("podman: each host's podman uses jcalico's CNI plugin (network '" + PodmanHost.NETWORK + "', profile '"
                + PodmanHost.NETWORK + "')");
        PodmanHost.setUpAll(lab, step);
        PodmanHost h1 = new PodmanHost(lab.layout(), 1);
        PodmanHost h2 = new PodmanHost(lab.layout(), 2);
        h2.podman("run", "--detach", "--name", "pod-web", "--network", PodmanHost.NETWORK, PodmanHost.IMAGE,
                "sh", "-c", "echo hello from pod-web > /tmp/index.html && exec httpd -f -p 80 -h /tmp").check();
        String web = h2.podman("inspect", "--format", "{{range .NetworkSettings.Networks}}{{.IPAddress}}{{end}}", "pod-web")
                .check().stdout().strip();
        step.accept("h2: podman run --network " + PodmanHost.NETWORK + " --name pod-web busybox httpd: " + web);
        indent(jcalico("h2", "container", "list").lines()
                .filter(line -> line.startsWith("CONTAINER") || line.contains("cni.jcalico.org/network="))
                .reduce("", (a, b) -> a + b + "\n"));
        boolean ok = true;
        // busybox-static's wget crashes here; nc speaks HTTP as well
        ok &= expect("h1: podman run --network " + PodmanHost.NETWORK + " busybox: GET http://" + web + "/", true,
                h1.podman("run", "--rm", "--network", PodmanHost.NETWORK, PodmanHost.IMAGE, "sh", "-c",
                        "printf 'GET / HTTP/1.0\\r\\n\\r\\n' | nc -w 2 " + web + " 80").stdout().contains("hello from pod-web"));
        ok &= expect("h1: podman run --network " + PodmanHost.NETWORK + " busybox ping " + otherGroup + " (web-1: profile web)",
                false, h1.podman("run", "--rm", "--network", PodmanHost.NETWORK, PodmanHost.IMAGE,
                        "ping", "-c", "1", "-W", "1", otherGroup.toString()).ok());
        h2.podman("rm", "--force", "--time", "0", "pod-web").check();
        boolean gone = !jcalico("h2", "container", "list").contains(web);
        ok &= expect("h2: podman rm pod-web: its endpoint is gone", true, gone);
        return ok;
    }

    private boolean expect(String what, boolean expected, boolean observed) {
        out.printf("    %-78s %s%s%n", what, observed ? "ok" : "no", observed == expected ? "" : "  <-- UNEXPECTED");
        return observed == expected;
    }

    private String jcalico(String host, String... args) {
        List<String> command = new ArrayList<>(JvmCommand.asUserRuns());
        command.addAll(List.of(args));
        CommandRunner.Result result = lab.exec(host, command);
        if (!result.ok()) {
            throw new IllegalStateException("jcalico " + String.join(" ", args) + " on " + host + " failed: " + result.stderr().strip());
        }
        return result.stdout();
    }

    private void indent(String text) {
        text.lines().forEach(line -> out.println("    " + line));
    }
}
