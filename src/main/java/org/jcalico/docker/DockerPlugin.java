package org.jcalico.docker;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.exc.ValueInstantiationException;
import com.fasterxml.jackson.databind.json.JsonMapper;
import java.io.IOException;
import java.util.List;
import java.util.Map;
import org.jcalico.datastore.DatastoreException;
import org.jcalico.kernel.KernelException;
import org.jcalico.log.Log;
import org.jcalico.model.ValidationException;
import org.jcalico.util.Shown;
import org.jcalico.workload.WorkloadException;

/**
 * The plugin's one entry: a request's path names the call (/Plugin.Activate, /NetworkDriver.Join, /IpamDriver.
 * RequestAddress ...), its body is the call's JSON. Each call is decoded into its {@link Protocol} record and handed
 * to the network or IPAM driver; what they throw for a user's mistake becomes docker's {"Err": "jcalico: ..."},
 * which docker prints as the command's error; anything else is logged with its stack trace and reported as an
 * internal error, never as a success.
 */
public final class DockerPlugin {
    private static final JsonMapper JSON = JsonMapper.builder()
            .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES).build();
    private static final Map<String, Object> EMPTY = Map.of();
    private final NetworkDriver network;
    private final IpamDriver ipam;
    private final Log log;

    private volatile long lastCall = System.nanoTime() - java.util.concurrent.TimeUnit.HOURS.toNanos(1);

    public DockerPlugin(NetworkDriver network, IpamDriver ipam, Log log) {
        this.network = network;
        this.ipam = ipam;
        this.log = log;
    }

    /** When dockerd last called, as System.nanoTime(); long ago when it never did. */
    public long lastCallNanos() {
        return lastCall;
    }

    /** The answer to the call at {@code path}, or null if there is no such call. */
    public byte[] answer(String path, byte[] body) {
        Object answer;
        long start = System.nanoTime();
        lastCall = start;
        try {
            answer = call(path, body);
            if (answer != null) {
                // agent-side timings: what a docker command waits for jcalico (docs/docker.md, bench docker)
                log.info("docker " + path.substring(1) + " answered in " + (System.nanoTime() - start) / 1_000_000 + " ms");
            }
        } catch (ValidationException | WorkloadException | KernelException | DatastoreException e) {
            log.warn("docker " + path.substring(1) + " refused: " + e.getMessage());
            answer = new Protocol.Failure(message(e));
        } catch (RuntimeException e) {
            log.error("docker " + path.substring(1) + " failed on an internal error", e);
            answer = new Protocol.Failure("jcalico: internal error: " + e + " (see the agent's log)");
        }
        if (answer == null) {
            return null;
        }
        try {
            return JSON.writeValueAsBytes(answer);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    /** What docker shows for a refusal: one line, saying it comes from jcalico. */
    static String message(RuntimeException e) {
        String text = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
        return "jcalico: " + Shown.escaped(text);
    }

    /** Stopping: returns once dockerd need not find the plugin any more ({@link PluginLinger}) and what it released is done. */
    public void linger() {
        PluginLinger.serveWhileCalled(this, network, log);
        network.awaitReleases();
    }

    private Object call(String path, byte[] body) {
        return switch (path) {
            case "/Plugin.Activate" -> new Protocol.Activate(List.of("NetworkDriver", "IpamDriver"));
            case "/NetworkDriver.GetCapabilities" -> new Protocol.Capabilities("local", "local");
            case "/NetworkDriver.CreateNetwork" -> done(() -> network.createNetwork(read(body, Protocol.CreateNetwork.class)));
            case "/NetworkDriver.DeleteNetwork" -> done(() -> network.deleteNetwork(read(body, Protocol.NetworkRef.class)));
            case "/NetworkDriver.CreateEndpoint" -> network.createEndpoint(read(body, Protocol.CreateEndpoint.class));
            case "/NetworkDriver.EndpointOperInfo" -> new Protocol.OperInfo(EMPTY);
            case "/NetworkDriver.DeleteEndpoint" -> done(() -> network.deleteEndpoint(read(body, Protocol.EndpointRef.class)));
            case "/NetworkDriver.Join" -> network.join(read(body, Protocol.Join.class));
            // nothing at Leave: the endpoint goes after DeleteEndpoint (NetworkDriver.deleteEndpoint says why)
            case "/NetworkDriver.Leave" -> EMPTY;
            // discovery, external connectivity (port publishing) and swarm's allocation: nothing for jcalico to do
            case "/NetworkDriver.DiscoverNew", "/NetworkDriver.DiscoverDelete", "/NetworkDriver.ProgramExternalConnectivity",
                 "/NetworkDriver.RevokeExternalConnectivity", "/NetworkDriver.AllocateNetwork",
                 "/NetworkDriver.FreeNetwork" -> EMPTY;
            case "/IpamDriver.GetCapabilities" -> new Protocol.IpamCapabilities(false, false);
            case "/IpamDriver.GetDefaultAddressSpaces" -> new Protocol.AddressSpaces(DockerPools.ADDRESS_SPACE, DockerPools.ADDRESS_SPACE);
            case "/IpamDriver.RequestPool" -> ipam.requestPool(read(body, Protocol.RequestPool.class));
            case "/IpamDriver.ReleasePool" -> EMPTY;
            case "/IpamDriver.RequestAddress" -> ipam.requestAddress(read(body, Protocol.RequestAddress.class));
            case "/IpamDriver.ReleaseAddress" -> done(() -> ipam.releaseAddress(read(body, Protocol.ReleaseAddress.class)));
            default -> null;
        };
    }

    private static Object done(Runnable call) {
        call.run();
        return EMPTY;
    }

    private static <T> T read(byte[] body, Class<T> type) {
        try {
            return JSON.readValue(body.length == 0 ? "{}".getBytes() : body, type);
        } catch (ValueInstantiationException e) {
            // the record's own check (Protocol.required): its words, not Jackson's
            throw new ValidationException("malformed " + type.getSimpleName() + " request: " + e.getCause().getMessage());
        } catch (IOException e) {
            throw new ValidationException("malformed " + type.getSimpleName() + " request: " + e.getMessage().lines().findFirst().orElse(""));
        }
    }
}
