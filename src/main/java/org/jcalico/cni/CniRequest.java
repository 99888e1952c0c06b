package org.jcalico.cni;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Pattern;
import org.jcalico.kernel.CommandText;
import org.jcalico.model.Names;
import org.jcalico.util.Shown;

/**
 * One invocation of the plugin as the runtime made it (its CNI_* environment and the configuration on standard input),
 * parsed and checked before anything is done: whatever is wrong with it is a CniError with the specification's code.
 *
 * @param environment the CNI_* variables as given, for a delegated plugin, which must get the same
 */
public record CniRequest(Verb verb, String containerId, Path netns, String ifname, CniArgs args, List<Path> cniPath,
                         NetworkConfig config, Map<String, String> environment) {
    /** The specification's rule for CNI_CONTAINERID. */
    private static final Pattern CONTAINER_ID = Pattern.compile("[A-Za-z0-9][A-Za-z0-9_.\\-]*");
    private static final Pattern INTERFACE = Pattern.compile("[A-Za-z0-9_][A-Za-z0-9_.-]{0,14}");

    /**
     * The CNI_ variables together, names and values: with the largest configuration, well within the body the agent's
     * socket takes (1 MiB, agent/ControlServer), so that a request over it has this one answer from the agent and from
     * the plugin's own JVM alike. Linux lets each variable be 128 KiB; the specification's are short.
     */
    static final int MAX_ENVIRONMENT_BYTES = 512 * 1024;

    public enum Verb { ADD, DEL, CHECK, STATUS, GC, VERSION }

    public CniRequest {
        cniPath = List.copyOf(cniPath);
        environment = Map.copyOf(environment);
    }

    public static CniRequest parse(Map<String, String> env, byte[] stdin) {
        long size = cni(env).entrySet().stream().mapToLong(variable -> variable.getKey().length() + 2
                + (long) variable.getValue().getBytes(StandardCharsets.UTF_8).length).sum();
        if (size > MAX_ENVIRONMENT_BYTES) {
            throw new CniError(CniError.INVALID_ENVIRONMENT, "invalid environment", "the CNI_ variables take "
                    + size / 1024 + " KiB, more than " + MAX_ENVIRONMENT_BYTES / 1024 + " KiB");
        }
        Verb verb = verb(env.get("CNI_COMMAND"));
        if (verb == Verb.VERSION && stdin.length == 0) {
            return new CniRequest(verb, null, null, null, CniArgs.NONE, List.of(), null, cni(env));
        }
        NetworkConfig config = NetworkConfig.parse(stdin);
        if (verb == Verb.VERSION) {
            return new CniRequest(verb, null, null, null, CniArgs.NONE, List.of(), config, cni(env));
        }
        if (!CniVersion.supported(config.cniVersion())) {
            throw new CniError(CniError.INCOMPATIBLE_VERSION, "incompatible CNI version", "jcalico speaks "
                    + String.join(", ", CniVersion.SUPPORTED) + ", not " + config.cniVersion());
        }
        if ((verb == Verb.STATUS || verb == Verb.GC) && !CniVersion.hasStatusAndGc(config.cniVersion())) {
            throw new CniError(CniError.INCOMPATIBLE_VERSION, "incompatible CNI version", verb + " needs cniVersion "
                    + CniVersion.V1_1_0 + ", not " + config.cniVersion());
        }
        if (config.name() == null && verb != Verb.STATUS) {
            throw NetworkConfig.invalid("name: missing");
        }
        String containerId = null;
        Path netns = null;
        String ifname = null;
        if (verb == Verb.ADD || verb == Verb.DEL || verb == Verb.CHECK) {
            containerId = required(env, "CNI_CONTAINERID");
            if (!CONTAINER_ID.matcher(containerId).matches() || CommandText.hasControl(containerId)) {
                throw invalidEnvironment("CNI_CONTAINERID", containerId, "a letter or digit, then letters, digits, _ . -");
            }
            // as the endpoint record takes it, refused before anything is done: the IPAM role, which writes no
            // endpoint, put it whole into the handle that the blocks of its addresses keep in their records
            if (containerId.length() > Names.MAX_TEXT) {
                throw invalidEnvironment("CNI_CONTAINERID", containerId, "at most " + Names.MAX_TEXT + " characters long");
            }
            ifname = required(env, "CNI_IFNAME");
            if (!INTERFACE.matcher(ifname).matches()) {
                throw invalidEnvironment("CNI_IFNAME", ifname, "an interface name (1 to 15 of A-Z a-z 0-9 _ . -)");
            }
            String netnsText = verb == Verb.DEL ? env.getOrDefault("CNI_NETNS", "") : required(env, "CNI_NETNS");
            if (!netnsText.isEmpty()) {
                if (!netnsText.startsWith("/") || CommandText.hasControl(netnsText)) {
                    throw invalidEnvironment("CNI_NETNS", netnsText, "an absolute path");
                }
                netns = Path.of(netnsText);
            }
        }
        List<Path> cniPath = new ArrayList<>();
        for (String dir : env.getOrDefault("CNI_PATH", "").split(":")) {
            if (!dir.isEmpty()) {
                cniPath.add(Path.of(dir));
            }
        }
        return new CniRequest(verb, containerId, netns, ifname, CniArgs.parse(env.get("CNI_ARGS")), cniPath, config, cni(env));
    }

    /** The version the answer is given in. */
    public String cniVersion() {
        return config == null ? CniVersion.LATEST : config.cniVersion();
    }

    private static Verb verb(String command) {
        if (command == null || command.isEmpty()) {
            throw new CniError(CniError.INVALID_ENVIRONMENT, "invalid environment", "CNI_COMMAND is not set");
        }
        try {
            return Verb.valueOf(command);
        } catch (IllegalArgumentException e) {
            throw new CniError(CniError.INVALID_ENVIRONMENT, "invalid environment", "CNI_COMMAND '"
                    + Shown.value(command) + "' is none of ADD, DEL, CHECK, STATUS, GC, VERSION");
        }
    }

    private static String required(Map<String, String> env, String name) {
        String value = env.get(name);
        if (value == null || value.isEmpty()) {
            throw new CniError(CniError.INVALID_ENVIRONMENT, "invalid environment", name + " is not set");
        }
        return value;
    }

    static CniError invalidEnvironment(String name, String value, String expected) {
        return new CniError(CniError.INVALID_ENVIRONMENT, "invalid environment", name + " '" + Shown.value(value)
                + "' is not " + expected);
    }

    private static Map<String, String> cni(Map<String, String> env) {
        Map<String, String> cni = new TreeMap<>();
        env.forEach((name, value) -> {
            if (name.startsWith("CNI_")) {
                cni.put(name, value);
            }
        });
        return cni;
    }
}
