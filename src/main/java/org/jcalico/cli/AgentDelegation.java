package org.jcalico.cli;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import org.jcalico.agent.ServedResources;
import org.jcalico.datastore.DatastoreException;
import org.jcalico.datastore.DatastoreUrl;
import org.jcalico.log.Log;

/**
 * Runs `container add`, `remove`, `label` and `list` and `pool list` inside the node's agent, for the launcher (see
 * agent/ControlServer): a command that starts a JVM of its own spends most of its time starting it, while the agent's
 * is already warm. A list runs the same code as in the launcher's JVM and reads the datastore afresh, never the
 * agent's view of it, so its output is what the launcher would print. The
 * request is NUL-separated fields: the client's hostname, then each of its environment variables that jcalico reads
 * (JCALICO_* and DOCKER_*) as NAME=VALUE, an empty field, and its arguments. The reply is the command's standard
 * output, standard error and exit status, NUL-separated, or an empty output and error with the status "-" when the
 * agent cannot run it exactly as the client would (another command, another datastore or node, a path relative to the
 * client's directory, an environment that differs from the agent's own in anything the command reads, such as the
 * docker daemon that DOCKER_HOST names): the launcher then runs it itself.
 *
 * <p>The commands run on the connection to the datastore and the netlink thread for the host's veths that the agent
 * keeps for everything it serves ({@link ServedResources}, shared with the CNI plugin's calls), rather than on ones
 * opened and closed for each.
 */
public final class AgentDelegation {
    private static final Set<List<String>> SERVED = Set.of(List.of("container", "add"), List.of("container", "remove"),
            List.of("container", "label"), List.of("container", "list"), List.of("pool", "list"));
    /** A path that is never a network namespace: the warm-up's add fails there, before it writes anything. */
    static final String WARM_UP_NAMESPACE = "/proc/self/jcalico-warm-up/no-such-namespace";
    private static final byte[] DECLINED = "\0\0-\0".getBytes(StandardCharsets.UTF_8);
    /**
     * Read by the launcher alone, or by no command served (the log root: `node start` and the commands reading logs),
     * or resolved and compared as the datastore and node below.
     */
    private static final Set<String> NOT_COMPARED = Set.of("JCALICO_RUN_DIR", "JCALICO_NO_AGENT", "JCALICO_DATASTORE",
            "JCALICO_NODENAME", "JCALICO_LOG_DIR");
    private final DatastoreUrl datastoreUrl;
    private final String node;
    private final Map<String, String> environment;
    private final Log log;
    /** The agent's connection and netlink thread for what it serves, which the agent closes when it stops. */
    private final ServedResources served;
    /** picocli's models of the commands served, kept from one request to the next. */
    private final ServedCommandLines commandLines = new ServedCommandLines();

    /**
     * @param datastoreUrl the agent's own datastore, @param node its own node, @param environment its own
     * environment, which the commands it runs read, @param served what the agent keeps for the commands it serves
     */
    public AgentDelegation(DatastoreUrl datastoreUrl, String node, Map<String, String> environment, Log log,
                           ServedResources served) {
        this.served = served;
        this.datastoreUrl = datastoreUrl;
        this.node = node;
        this.environment = compared(environment);
        this.log = log;
    }

    /** The variables whose values must be the same for a command to run in the agent as in the client. */
    static Map<String, String> compared(Map<String, String> environment) {
        Map<String, String> compared = new TreeMap<>();
        environment.forEach((name, value) -> {
            if ((name.startsWith("JCALICO_") || name.startsWith("DOCKER_")) && !NOT_COMPARED.contains(name)) {
                compared.put(name, value);
            }
        });
        return compared;
    }

    public byte[] handle(byte[] request) {
        List<String> fields = Arrays.asList(new String(request, StandardCharsets.UTF_8).split("\0", -1));
        int separator = fields.indexOf("");
        if (fields.size() < 3 || separator < 1 || separator == fields.size() - 1 || !fields.getLast().isEmpty()) {
            return DECLINED;
        }
        Map<String, String> clientEnvironment = new TreeMap<>();
        for (String variable : fields.subList(1, separator)) {
            int equals = variable.indexOf('=');
            if (equals < 1) {
                return DECLINED;
            }
            clientEnvironment.put(variable.substring(0, equals), variable.substring(equals + 1));
        }
        List<String> args = fields.subList(separator + 1, fields.size() - 1);
        String flagDatastore = null;
        String flagNode = null;
        int at = 0;
        for (; at < args.size() && args.get(at).startsWith("--"); at++) {
            String arg = args.get(at);
            if ((arg.equals("--datastore") || arg.equals("--node")) && at + 1 < args.size()) {
                String value = args.get(++at);
                if (arg.equals("--datastore")) {
                    flagDatastore = value;
                } else {
                    flagNode = value;
                }
            } else if (arg.startsWith("--datastore=")) {
                flagDatastore = arg.substring("--datastore=".length());
            } else if (arg.startsWith("--node=")) {
                flagNode = arg.substring("--node=".length());
            } else {
                return DECLINED;
            }
        }
        List<String> command = args.subList(at, args.size());
        boolean served = command.size() >= 2 && SERVED.contains(command.subList(0, 2))
                && command.stream().noneMatch(arg -> relativePath(arg) || optionOfTheClients(arg));
        DatastoreUrl clientDatastore = clientDatastore(flagDatastore, clientEnvironment.get(DatastoreUrl.ENVIRONMENT));
        String environmentNode = clientEnvironment.getOrDefault("JCALICO_NODENAME", "");
        String clientNode = flagNode != null ? flagNode : environmentNode.isBlank() ? fields.get(0) : environmentNode;
        if (!served || !datastoreUrl.equals(clientDatastore) || !node.equals(clientNode)) {
            log.debug("declined to run '" + String.join(" ", args) + "' for the launcher (not a command for this agent)");
            return DECLINED;
        }
        if (!environment.equals(compared(clientEnvironment))) {
            log.info("declined to run '" + String.join(" ", command) + "' for the launcher: its environment differs from"
                    + " the agent's in " + differences(compared(clientEnvironment)) + "; the launcher runs it itself");
            return DECLINED;
        }
        return run(command, "ran '" + String.join(" ", command) + "' for the launcher");
    }

    /** Runs the command as its client would; {@code what} begins the log line that says how it went. */
    private byte[] run(List<String> command, String what) {
        long start = System.nanoTime();
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        List<String> full = new ArrayList<>(List.of("--datastore=" + datastoreUrl, "--node=" + node));
        full.addAll(command);
        int status;
        try (ServedResources.Use use = served.use()) {
            status = commandLines.run(command, new PrintWriter(out, true), new PrintWriter(err, true),
                    new Lent(use.store(), use.failure(), use.veths()), full.toArray(String[]::new));
        }
        log.info(what + ": exit status " + status + " in "
                + (System.nanoTime() - start) / 1_000_000 + " ms");
        return (out + "\0" + err + "\0" + status + "\0").getBytes(StandardCharsets.UTF_8);
    }

    /**
     * Once {@code ready} (the agent has programmed its host: the warm-up must not compete with that on a small
     * machine), runs on a thread of its own what a served `container add` runs before its first write, so that the
     * first add after a start does not pay for all of it cold (picocli's model of `container add`, which it keeps for
     * the first add: ServedCommandLines; the store opened for writing, the attachment's objects, a list's reads and
     * the codec): a `pool list`, which only
     * reads, and a `container add` of a namespace that does not exist, which fails where it resolves the container,
     * before it writes anything (docs/agent.md, "A served `container add`"). The list is of the pools, a few keys
     * whatever the cluster's size: a `container list` read and printed every endpoint of the cluster, 100,000 of them
     * in `bench scale`, seconds of the agent's and etcd's CPU just when the first changes arrive (docs/agent.md,
     * "Where the start goes"). Then runs {@code afterwards} on the same thread. Returns the thread.
     */
    public Thread warmUpWhen(java.util.function.BooleanSupplier ready, Runnable afterwards) {
        return Thread.ofPlatform().name("jcalico-warm-up").daemon().start(() -> {
            long deadline = System.nanoTime() + java.util.concurrent.TimeUnit.MINUTES.toNanos(10);
            try {
                while (!ready.getAsBoolean()) {
                    if (System.nanoTime() > deadline) {
                        return;
                    }
                    Thread.sleep(100);
                }
            } catch (InterruptedException e) {
                return;
            }
            for (List<String> command : List.of(List.of("pool", "list", "-o", "json"),
                    List.of("container", "add", "netns:" + WARM_UP_NAMESPACE, "--profile", "warm-up", "--no-wait"))) {
                run(command, "warm-up, as a served " + command.get(0) + " " + command.get(1) + " (output dropped)");
            }
            afterwards.run();
        });
    }

    /** The datastore the client would open, or null when what it gave is not a datastore URL (it says so itself). */
    private static DatastoreUrl clientDatastore(String flag, String environment) {
        try {
            return DatastoreUrl.resolve(flag, environment);
        } catch (DatastoreException e) {
            return null;
        }
    }

    /** The names (never the values: they may be secrets) of the variables that differ. */
    private String differences(Map<String, String> client) {
        Set<String> names = new TreeSet<>(client.keySet());
        names.addAll(environment.keySet());
        names.removeIf(name -> java.util.Objects.equals(client.get(name), environment.get(name)));
        return String.join(", ", names);
    }

    /**
     * One of jcalico's own options after the command, which picocli takes there too (the last one given winning), or
     * an argument file (@FILE, relative to the client's directory, or holding such options): the datastore, the etcd
     * user or the node it names may not be the agent's, and a served command runs on the agent's store (Lent).
     */
    private static boolean optionOfTheClients(String arg) {
        return arg.startsWith("@") || Main.GLOBAL_OPTIONS.contains(arg.split("=", 2)[0]);
    }

    /** netns:PATH relative to the client's directory, which the agent does not know. */
    private static boolean relativePath(String arg) {
        return arg.startsWith("netns:") && arg.indexOf('/') > 0 && !arg.startsWith("netns:/");
    }
}
