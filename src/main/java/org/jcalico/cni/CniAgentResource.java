package org.jcalico.cni;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.Arrays;
import java.util.Map;
import java.util.TreeMap;
import org.jcalico.agent.ServedResources;
import org.jcalico.datastore.DatastoreUrl;
import org.jcalico.log.Log;

/**
 * {@code POST /v1/cni} (and {@code /v1/cni-ipam}) on the agent's socket: the plugin scripts' fast path. The body is the runtime's CNI_*
 * variables as NAME=VALUE, NUL-terminated, an empty field, then the configuration's bytes as the runtime gave them;
 * the answer is standard output, standard error and exit status, NUL-separated, as for {@code /v1/run}. The agent
 * declines (status "-", and the script starts the plugin's own JVM) a request for another datastore or node, or an
 * interface plugin's request for a namespace it cannot see: it does only what it would do exactly as the plugin's own
 * process would. It runs on the datastore connection and the netlink thread the agent keeps for what it serves
 * ({@link ServedResources}), not on ones opened for each call.
 */
public final class CniAgentResource {
    private static final byte[] DECLINED = "\0\0-\0".getBytes(StandardCharsets.UTF_8);
    private final CniInvocation.Role role;
    private final DatastoreUrl datastore;
    private final String node;
    private final Log log;
    /** The agent's connection and netlink thread for what it serves, shared with the launcher's commands. */
    private final ServedResources served;

    public CniAgentResource(CniInvocation.Role role, DatastoreUrl datastore, String node, Log log, ServedResources served) {
        this.served = served;
        this.role = role;
        this.datastore = datastore;
        this.node = node;
        this.log = log;
    }

    public byte[] handle(byte[] body) {
        Map<String, String> env = new TreeMap<>();
        int at = 0;
        while (true) {
            int end = indexOf(body, at);
            if (end < 0) {
                return DECLINED;
            }
            if (end == at) {
                at++;
                break;
            }
            String variable = new String(body, at, end - at, StandardCharsets.UTF_8);
            int equals = variable.indexOf('=');
            if (equals < 1 || !variable.startsWith("CNI_")) {
                return DECLINED;
            }
            env.put(variable.substring(0, equals), variable.substring(equals + 1));
            at = end + 1;
        }
        byte[] config = Arrays.copyOfRange(body, at, body.length);
        if (!servedHere(env, config)) {
            log.debug("declined a CNI " + env.get("CNI_COMMAND") + " (not for this agent)");
            return DECLINED;
        }
        long start = System.nanoTime();
        CniInvocation.Outcome outcome;
        try (ServedResources.Use use = served.use()) {
            outcome = CniInvocation.run(role, env, config, use);
        }
        log.info(CniCallLog.line(role, env, outcome, start));
        return (outcome.stdout() + "\0" + outcome.stderr() + "\0" + outcome.status() + "\0").getBytes(StandardCharsets.UTF_8);
    }

    /** A request that cannot even be parsed gets the same error here as in the plugin's own JVM: it is served. */
    private boolean servedHere(Map<String, String> env, byte[] config) {
        try {
            CniRequest request = CniRequest.parse(env, config);
            if (request.config() == null || request.verb() == CniRequest.Verb.VERSION) {
                return true;
            }
            Target target = Target.of(request.config());
            boolean namespaceSeen = role == CniInvocation.Role.IPAM || request.netns() == null
                    || request.verb() == CniRequest.Verb.DEL || Files.exists(request.netns());
            return target.datastore().equals(datastore) && target.node().equals(node) && namespaceSeen;
        } catch (CniError e) {
            return true;
        }
    }

    private static int indexOf(byte[] body, int from) {
        for (int i = from; i < body.length; i++) {
            if (body[i] == 0) {
                return i;
            }
        }
        return -1;
    }
}
