package org.jcalico.lab;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import org.jcalico.kernel.CommandRunner;
import org.jcalico.model.IpAddress;

/**
 * The demo's docker act, as a docker user would play it on two machines: on each host's own docker daemon, the
 * networks `blue` and `green` made with jcalico's drivers (the same name on every host is one network), a container of
 * each on each host with `docker run --net`, each serving TCP port 80. Returns the containers for the matrix; the
 * probes run in each container's network namespace, named after it with `ip netns attach` so that `lab down` also
 * finds them.
 */
final class DockerAct {
    private static final List<String> NETWORKS = List.of("blue", "green");
    private static final List<String> HOSTS = List.of("h1", "h2");
    private final Lab lab;
    private final Consumer<String> step;

    DockerAct(Lab lab, Consumer<String> step) {
        this.lab = lab;
        this.step = step;
    }

    /** Whether Debian's docker.io is there to play the act with. */
    static boolean available() {
        return Files.isExecutable(Path.of("/usr/sbin/dockerd")) && Files.isExecutable(Path.of(DockerDaemon.DOCKER));
    }

    Map<String, Demo.Member> run() {
        for (String network : NETWORKS) {
            for (String host : HOSTS) {
                docker(host, "network", "create", "--driver", "jcalico", "--ipam-driver", "jcalico-ipam", "--ipv6", network);
            }
            step.accept("docker network create --driver jcalico --ipam-driver jcalico-ipam --ipv6 " + network + " on "
                    + String.join(" and ", HOSTS));
        }
        Map<String, Demo.Member> members = new LinkedHashMap<>();
        for (String network : NETWORKS) {
            for (String host : HOSTS) {
                String name = network + "-" + host.substring(1);
                long begin = System.nanoTime();
                docker(host, "run", "-d", "--net", network, "--name", name, LabLayout.DOCKER_IMAGE, "httpd", "-f", "-p", "80", "-h", "/");
                double seconds = (System.nanoTime() - begin) / 1e9;
                String[] seen = docker(host, "inspect", "-f",
                        "{{.State.Pid}}{{range .NetworkSettings.Networks}} {{.IPAddress}} {{.GlobalIPv6Address}}{{end}}", name).strip().split(" ");
                if (seen.length != 3) {
                    throw new IllegalStateException("container " + name + " on " + host + " has not one IPv4 and one IPv6 address: "
                            + String.join(" ", seen));
                }
                String namespace = lab.layout().workload(name);
                CommandRunner.local().run("ip", "netns", "attach", namespace, seen[0]).check();
                members.put(name, new Demo.Member(namespace, network, IpAddress.parse(seen[1]), IpAddress.parse(seen[2])));
                step.accept(String.format("%s on %s: docker run -d --net %s returned in %.1f s; %s, %s", name, host, network,
                        seconds, seen[1], seen[2]));
            }
        }
        return members;
    }

    private String docker(String host, String... args) {
        List<String> command = new ArrayList<>(List.of(DockerDaemon.DOCKER));
        command.addAll(List.of(args));
        CommandRunner.Result result = lab.exec(host, command);
        if (!result.ok()) {
            throw new IllegalStateException("docker " + String.join(" ", args) + " on " + host + ": " + result.stderr().strip());
        }
        return result.stdout();
    }
}
