package org.jcalico.cni;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Collectors;
import org.jcalico.agent.AgentPaths;
import org.jcalico.kernel.CommandText;
import org.jcalico.model.Cidr;
import org.jcalico.model.ValidationException;
import org.jcalico.util.ReplacedFile;

/**
 * What `jcalico cni install` writes: the two plugin executables (small scripts that hand the request to the node's
 * agent and start a JVM only when none answers) and the network's conflist, which names the datastore, node, run
 * directory and log directory, so the plugin never depends on the environment a runtime gives it.
 *
 * @param fallback the command that runs jcalico in a JVM of its own (the launcher, or java with jcalico's class path)
 */
public record CniInstaller(String network, String cniVersion, Target target, List<String> profiles, List<Cidr> pools,
                           List<String> fallback) {
    public static final String PLUGIN = "jcalico-cni";
    public static final String IPAM = NetworkConfig.JCALICO_IPAM;

    public CniInstaller {
        profiles = List.copyOf(profiles);
        pools = List.copyOf(pools);
        fallback = List.copyOf(fallback);
        fallback.forEach(CommandText::argument);
        CommandText.argument(target.runDir().toString());
        CommandText.argument(target.logDir().toString());
        if (!CniVersion.supported(cniVersion)) {
            throw ValidationException.field("--cni-version", cniVersion, "is none of " + CniVersion.SUPPORTED);
        }
    }

    /** The agent socket's HTTP client, the launcher's too (perl: it starts in a few milliseconds, curl in 10-20). */
    private static final String SOCKET_CLIENT = socketClient();

    public record Installed(Path plugin, Path ipam, Path conflist) {
    }

    public Installed install(Path binDir, Path confDir) {
        Path plugin = write(binDir.resolve(PLUGIN), script("plugin"), true);
        Path ipam = write(binDir.resolve(IPAM), script("ipam"), true);
        Path conflist = write(confDir.resolve("10-" + network + ".conflist"), conflist() + "\n", false);
        return new Installed(plugin, ipam, conflist);
    }

    public String conflist() {
        JsonNodeFactory json = JsonNodeFactory.instance;
        ObjectNode list = json.objectNode().put("cniVersion", cniVersion).put("name", network);
        ObjectNode plugin = list.putArray("plugins").addObject().put("type", PLUGIN)
                .put("datastore", target.datastore().text()).put("nodename", target.node())
                .put("run_dir", target.runDir().toString()).put("log_dir", target.logDir().toString());
        if (!profiles.isEmpty()) {
            profiles.forEach(plugin.putArray("profiles")::add);
        }
        ObjectNode ipam = plugin.putObject("ipam").put("type", IPAM);
        if (!pools.isEmpty()) {
            pools.forEach(pool -> ipam.withArray("pools").add(pool.toString()));
        }
        return list.toPrettyString();
    }

    /**
     * The executable for one role. The configuration is read whole first, so that it can still be given to a JVM
     * when no agent answers, but never more than one byte over its bound (whoever answers refuses it then: an
     * endless standard input neither fills the script's memory nor holds it); the socket counts only if this user owns it and its directory (root's alone), as for
     * the launcher (see docs/agent.md). A request too large for the socket (413) was refused before anything was done:
     * the JVM then gives the reason, as it does with no agent. A reply cut short means the agent may have done part of the work: the script
     * does not do it again, and says so in the specification's form with code 11 (try again later).
     */
    String script(String role) {
        AgentPaths paths = target.agentPaths();
        String command = fallback.stream().map(CniInstaller::quoted).collect(Collectors.joining(" "));
        return """
                #!/usr/bin/env bash
                # jcalico's CNI %1$s, written by 'jcalico cni install': hands the request to the node's agent over its
                # socket (a warm JVM), and runs jcalico in a JVM of its own only when no agent answers.
                set -uo pipefail
                socket=%2$s
                config="$(head -c %7$d; printf x)"; config="${config%%x}"
                if [[ -S "$socket" && -O "$socket" && -O "${socket%%/*}" ]] && command -v perl >/dev/null; then
                  fields=()
                  for name in ${!CNI_@}; do fields+=("$name=${!name}"); done
                  client=%6$s
                  mapfile -d '' reply < <({ printf '%%s\\0' "${fields[@]}" ""; printf '%%s' "$config"; } \\
                    | perl -e "$client" "$socket" /v1/%3$s)
                  outcome=""
                  (( ${#reply[@]} )) && outcome="${reply[-1]}"
                  if [[ "$outcome" != "7 "* && "$outcome" != "0 413" ]]; then
                    if [[ "$outcome" == "0 200" && ${#reply[@]} -eq 4 && "${reply[2]}" =~ ^([0-9]+|-)$ ]]; then
                      if [[ "${reply[2]}" != - ]]; then
                        printf '%%s' "${reply[0]}"; printf '%%s' "${reply[1]}" >&2; exit "${reply[2]}"
                      fi
                    else
                      version=%4$s
                      [[ "$config" =~ \\"cniVersion\\"[[:space:]]*:[[:space:]]*\\"([0-9.]+)\\" ]] && version="${BASH_REMATCH[1]}"
                      printf '{"cniVersion":"%%s","code":11,"msg":"the jcalico agent did not answer (%%s)","details":"it may have done part of the request; see %%s"}\\n' "$version" "$outcome" %8$s
                      exit 1
                    fi
                  fi
                fi
                exec %5$s cni %1$s < <(printf '%%s' "$config")
                """.formatted(role, quoted(paths.socket().toString()), role.equals("plugin") ? "cni" : "cni-ipam",
                CniVersion.LATEST, command, quoted(SOCKET_CLIENT), NetworkConfig.MAX_BYTES + 1,
                quoted(jsonText(paths.log().toString())));
    }

    private static String socketClient() {
        try (var in = CniInstaller.class.getResourceAsStream("/org/jcalico/agent/socket-client.pl")) {
            return new String(in.readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The text as it stands inside a JSON string (a path may hold a quote or backslash). */
    private static String jsonText(String text) {
        String json = JsonNodeFactory.instance.textNode(text).toString();
        return json.substring(1, json.length() - 1);
    }

    private static String quoted(String word) {
        return "'" + word.replace("'", "'\\''") + "'";
    }

    private static Path write(Path file, String text, boolean executable) {
        try {
            ReplacedFile.write(file, text, executable ? "rwxr-xr-x" : "rw-r--r--");
            return file;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + file + ": " + e.getMessage(), e);
        }
    }
}
