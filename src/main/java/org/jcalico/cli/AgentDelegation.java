package org.jcalico.cli;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import org.jcalico.datastore.DatastoreException;
import org.jcalico.datastore.DatastoreUrl;
import org.jcalico.log.Log;

/**
 * Runs `container add` and `container remove` inside the node's agent, for the launcher (see ControlSocket): a
 * command that starts a JVM of its own spends most of its time starting it, while the agent's is already warm. The
 * request is the client's $JCALICO_DATASTORE, its node name ($JCALICO_NODENAME or hostname) and its arguments,
 * NUL-separated; the reply is its standard output, standard error and exit status, NUL-separated, or an empty output
 * and error with the status "-" when the agent cannot run it exactly as the client would (another command, another
 * datastore or node, a path relative to the client's directory): the launcher then runs it itself.
 */
public final class AgentDelegation {
    private static final Set<String> SERVED = Set.of("add", "remove");
    private static final byte[] DECLINED = "\0\0-\0".getBytes(StandardCharsets.UTF_8);
    private final DatastoreUrl datastoreUrl;
    private final String node;
    private final Log log;

    /** @param datastoreUrl the agent's own datastore, @param node its own node */
    public AgentDelegation(DatastoreUrl datastoreUrl, String node, Log log) {
        this.datastoreUrl = datastoreUrl;
        this.node = node;
        this.log = log;
    }

    public byte[] handle(byte[] request) {
        List<String> fields = new ArrayList<>(Arrays.asList(new String(request, StandardCharsets.UTF_8).split("\0", -1)));
        if (fields.size() < 3 || !fields.getLast().isEmpty()) {
            return DECLINED;
        }
        fields.removeLast();
        List<String> args = fields.subList(2, fields.size());
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
        boolean served = command.size() >= 2 && command.get(0).equals("container") && SERVED.contains(command.get(1))
                && command.stream().noneMatch(AgentDelegation::relativePath);
        String clientNode = flagNode != null ? flagNode : fields.get(1);
        if (!served || !datastoreUrl.equals(clientDatastore(flagDatastore, fields.get(0))) || !node.equals(clientNode)) {
            log.debug("declined to run '" + String.join(" ", args) + "' for the launcher (not a command for this agent)");
            return DECLINED;
        }
        long start = System.nanoTime();
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        List<String> full = new ArrayList<>(List.of("--datastore=" + datastoreUrl, "--node=" + node));
        full.addAll(command);
        int status = Main.run(new PrintWriter(out, true), new PrintWriter(err, true), full.toArray(String[]::new));
        log.info("ran '" + String.join(" ", command) + "' for the launcher: exit status " + status + " in "
                + (System.nanoTime() - start) / 1_000_000 + " ms");
        return (out + "\0" + err + "\0" + status + "\0").getBytes(StandardCharsets.UTF_8);
    }

    /** The datastore the client would open, or null when what it gave is not a datastore URL (it says so itself). */
    private static DatastoreUrl clientDatastore(String flag, String environment) {
        try {
            return DatastoreUrl.resolve(flag, environment);
        } catch (DatastoreException e) {
            return null;
        }
    }

    /** netns:PATH relative to the client's directory, which the agent does not know. */
    private static boolean relativePath(String arg) {
        return arg.startsWith("netns:") && arg.indexOf('/') > 0 && !arg.startsWith("netns:/");
    }
}
