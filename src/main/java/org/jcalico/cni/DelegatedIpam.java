package org.jcalico.cni;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.jcalico.kernel.ToolOutput;

/**
 * Another IPAM plugin (host-local, dhcp ...) run as the specification's delegation describes: found in CNI_PATH, given
 * the same CNI_* environment and the whole configuration, its standard error passed on. The configuration goes in
 * the newest version both plugins speak (an older plugin, such as Debian's host-local 1.1.1, stops at 1.0.0), and the
 * verbs it cannot know (STATUS and GC before 1.1.0) are not sent to it.
 */
final class DelegatedIpam {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final long TIMEOUT_SECONDS = 30;
    /**
     * More than an IPAM plugin's result or error ever holds. The plugin may run in the agent (a served request): an
     * endless output kept whole would fill its heap; what comes beyond is read and dropped, so the plugin can finish.
     */
    static final int MAX_OUTPUT_BYTES = 1 << 20;
    private final CniRequest request;
    private final Path binary;
    private final StringBuilder stderr;
    private String version;

    /** @param stderr where the plugin's own error output goes */
    DelegatedIpam(CniRequest request, StringBuilder stderr) {
        this.request = request;
        this.stderr = stderr;
        String type = request.config().ipamType();
        if (type.contains("/") || type.isEmpty()) {
            throw NetworkConfig.invalid("ipam.type: '" + type + "' is not a plugin name");
        }
        this.binary = request.cniPath().stream().map(dir -> dir.resolve(type)).filter(Files::isExecutable).findFirst()
                .orElseThrow(() -> NetworkConfig.invalid("ipam.type: no plugin '" + type + "' in CNI_PATH "
                        + request.cniPath()));
    }

    String name() {
        return binary.getFileName().toString();
    }

    /** Whether the plugin knows STATUS and GC. */
    boolean hasStatusAndGc() {
        return CniVersion.hasStatusAndGc(version());
    }

    /** Runs the verb; its result (null when it printed none), or a CniError with its own error. */
    JsonNode run(CniRequest.Verb verb) {
        ObjectNode config = (ObjectNode) parse(request.config().bytes());
        config.put("cniVersion", version());
        Answer answer = exec(verb, JSON.valueToTree(config).toString().getBytes(StandardCharsets.UTF_8));
        JsonNode output = answer.stdout().isBlank() ? null : parseOrNull(answer.stdout());
        if (answer.status() != 0) {
            String message = output != null && output.hasNonNull("msg") ? output.get("msg").asText()
                    + (output.hasNonNull("details") ? ": " + output.get("details").asText() : "") : answer.stdout().strip();
            throw new CniError(CniError.IPAM_FAILED, "IPAM plugin " + name() + " failed on " + verb, message);
        }
        return output;
    }

    private String version() {
        if (version == null) {
            Answer answer = exec(CniRequest.Verb.VERSION, ("{\"cniVersion\":\"" + request.cniVersion() + "\"}")
                    .getBytes(StandardCharsets.UTF_8));
            JsonNode supported = answer.status() == 0 ? parseOrNull(answer.stdout()) : null;
            List<String> theirs = new ArrayList<>();
            if (supported != null) {
                supported.path("supportedVersions").forEach(v -> theirs.add(v.asText()));
            }
            version = CniVersion.common(request.cniVersion(), theirs);
            if (version == null) {
                throw new CniError(CniError.INCOMPATIBLE_VERSION, "incompatible CNI version", "IPAM plugin " + name()
                        + " speaks " + theirs + ", none of " + CniVersion.SUPPORTED.subList(0,
                        CniVersion.SUPPORTED.indexOf(request.cniVersion()) + 1));
            }
        }
        return version;
    }

    private record Answer(String stdout, int status) {
    }

    private Answer exec(CniRequest.Verb verb, byte[] stdin) {
        ProcessBuilder builder = new ProcessBuilder(binary.toString());
        Map<String, String> env = builder.environment();
        env.keySet().removeIf(name -> name.startsWith("CNI_"));
        env.putAll(request.environment());
        env.put("CNI_COMMAND", verb.name());
        try {
            Process process = builder.start();
            // a thread each, as CommandRunner drains: in the common pool (one thread on a 2-core machine) the second
            // reader waited for the first, which waited for the plugin, which waited to write its standard error
            // beyond the bound the rest is read and dropped, so the plugin can finish
            ToolOutput out = new ToolOutput(process.getInputStream(), MAX_OUTPUT_BYTES, () -> { });
            ToolOutput err = new ToolOutput(process.getErrorStream(), MAX_OUTPUT_BYTES, () -> { });
            offer(process, stdin);
            if (!process.waitFor(TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                throw new CniError(CniError.IPAM_FAILED, "IPAM plugin " + name() + " did not answer " + verb,
                        "within " + TIMEOUT_SECONDS + " s");
            }
            long graceEnd = System.nanoTime() + ToolOutput.GRACE_NANOS;
            stderr.append(new String(err.until(graceEnd), StandardCharsets.UTF_8))
                    .append(err.overflowed() ? "\n(IPAM plugin " + name() + ": the rest of its standard error dropped)\n" : "");
            byte[] output = out.until(graceEnd);
            if (out.overflowed()) {
                throw new CniError(CniError.IPAM_FAILED, "IPAM plugin " + name() + " failed on " + verb,
                        "it printed more than " + MAX_OUTPUT_BYTES / 1024 + " KiB");
            }
            return new Answer(new String(output, StandardCharsets.UTF_8), process.exitValue());
        } catch (IOException e) {
            throw new CniError(CniError.IO_FAILURE, "cannot run IPAM plugin " + name(), e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new CniError(CniError.TRY_AGAIN_LATER, "interrupted", "while running IPAM plugin " + name());
        }
    }

    /**
     * Writes the plugin's standard input. A plugin may answer without reading it (host-local's VERSION does) and exit
     * first: the write then fails ("Stream closed", "Broken pipe"; CI met it in session 33), and what the plugin
     * printed and its exit status say how it went, not that failure.
     */
    private static void offer(Process process, byte[] stdin) {
        try (var in = process.getOutputStream()) {
            in.write(stdin);
        } catch (IOException e) {
            // the plugin did not read it all: its answer decides
        }
    }

    private static JsonNode parse(byte[] bytes) {
        try {
            return JSON.readTree(bytes);
        } catch (IOException e) {
            throw new CniError(CniError.DECODING_FAILURE, "cannot decode the network configuration", e.getMessage());
        }
    }

    private static JsonNode parseOrNull(String text) {
        try {
            return JSON.readTree(text);
        } catch (IOException e) {
            return null;
        }
    }
}
