package org.jcalico.cni;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

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
     * How long the outputs may stay open once the plugin has exited: by then all it printed is in the pipes, and only a
     * process it left behind (a daemon started without closing them) can hold them open, for as long as that lives.
     */
    private static final long OUTPUT_GRACE_MILLIS = 2_000;
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
            Output out = new Output(process.getInputStream());
            Output err = new Output(process.getErrorStream());
            offer(process, stdin);
            if (!process.waitFor(TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                throw new CniError(CniError.IPAM_FAILED, "IPAM plugin " + name() + " did not answer " + verb,
                        "within " + TIMEOUT_SECONDS + " s");
            }
            long graceEnd = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(OUTPUT_GRACE_MILLIS);
            byte[] errors = err.until(graceEnd);
            stderr.append(new String(errors, 0, Math.min(errors.length, MAX_OUTPUT_BYTES), StandardCharsets.UTF_8))
                    .append(errors.length > MAX_OUTPUT_BYTES ? "\n(IPAM plugin " + name() + ": the rest of its standard error dropped)\n" : "");
            byte[] output = out.until(graceEnd);
            if (output.length > MAX_OUTPUT_BYTES) {
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

    /**
     * One of the plugin's outputs, read on a thread of its own until it ends, at most one byte over the bound kept and
     * the rest read and dropped (so the plugin can finish).
     */
    private static final class Output {
        private final ByteArrayOutputStream kept = new ByteArrayOutputStream();
        private final CompletableFuture<Void> ended;

        Output(InputStream stream) {
            ended = CompletableFuture.runAsync(() -> read(stream), Thread::startVirtualThread);
        }

        private void read(InputStream stream) {
            byte[] chunk = new byte[8192];
            try (stream) {
                for (int n; (n = stream.read(chunk)) >= 0; ) {
                    kept.write(chunk, 0, Math.min(n, Math.max(0, MAX_OUTPUT_BYTES + 1 - kept.size())));
                }
            } catch (IOException e) {
                // the output is gone: what came before is all there is
            }
        }

        /**
         * What came, once the output ended or, when a process the plugin left behind holds it open, once the grace is
         * over. A read blocked on a pipe cannot be cut short in Java, so the reader then stays until that process
         * closes the output (or exits), dropping what comes; it is not jcalico's to kill.
         */
        byte[] until(long graceEnd) throws InterruptedException {
            try {
                ended.get(Math.max(0, graceEnd - System.nanoTime()), TimeUnit.NANOSECONDS);
            } catch (TimeoutException e) {
                // left open by a process left behind: the plugin itself has exited, its output is all in
            } catch (ExecutionException e) {
                throw new IllegalStateException(e.getCause());
            }
            return kept.toByteArray();
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
