package org.jcalico.kernel;

import java.util.ArrayList;
import java.util.List;

/**
 * Named network namespaces (/run/netns/NAME), for the lab and the tests. Deleting a namespace first kills the
 * processes still inside it, so nothing it started outlives it.
 */
public final class Namespaces {
    private static final CommandRunner ROOT = CommandRunner.local();

    private Namespaces() {
    }

    /** Creates the namespace with loopback up and returns a runner bound to it. */
    public static CommandRunner create(String name) {
        ROOT.run("ip", "netns", "add", name).check();
        CommandRunner runner = CommandRunner.inNamespace(name);
        runner.run("ip", "link", "set", "lo", "up").check();
        return runner;
    }

    public static List<String> list() {
        List<String> names = new ArrayList<>();
        for (String line : ROOT.run("ip", "netns", "list").stdout().split("\n")) {
            if (!line.isBlank()) {
                names.add(line.strip().split("\\s+")[0]);
            }
        }
        return names;
    }

    /** Kills every process in the namespace, then removes it; a namespace that does not exist is fine. */
    public static void delete(String name) {
        if (!list().contains(name)) {
            return;
        }
        for (int attempt = 0; attempt < 50; attempt++) {
            String pids = ROOT.run("ip", "netns", "pids", name).stdout().strip();
            if (pids.isEmpty()) {
                break;
            }
            List<String> kill = new ArrayList<>(List.of("kill", "-9"));
            kill.addAll(List.of(pids.split("\\s+")));
            ROOT.run(kill);
            sleep(20);
        }
        ROOT.run("ip", "netns", "delete", name);
    }

    /** Removes every namespace whose name starts with the prefix: the leftovers of an earlier, interrupted run. */
    public static void deleteAll(String prefix) {
        for (String name : list()) {
            if (name.startsWith(prefix)) {
                delete(name);
            }
        }
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
