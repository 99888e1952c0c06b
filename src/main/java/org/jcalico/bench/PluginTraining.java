package org.jcalico.bench;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.jcalico.agent.ControlServer;
import org.jcalico.datastore.ResourceStore;
import org.jcalico.datastore.embedded.EmbeddedDatastore;
import org.jcalico.docker.DockerPlugin;
import org.jcalico.docker.IpamDriver;
import org.jcalico.docker.NetworkDriver;
import org.jcalico.ipam.Pools;
import org.jcalico.kernel.CommandRunner;
import org.jcalico.log.Log;
import org.jcalico.model.Cidr;
import org.jcalico.model.IpPool;
import org.jcalico.model.Node;
import org.jcalico.util.Directories;
import org.jcalico.workload.ContainerResolver;
import org.jcalico.workload.ContainerService;
import org.jcalico.workload.DockerClient;

/**
 * The docker plugin's part of the agent's AOT training (see {@link AgentCacheTraining}): the plugin served on a Unix
 * socket of its own by the agent's HTTP server, an embedded store in a temporary directory for its IPAM, and a
 * client that makes dockerd's calls of `docker run` and its removal over one kept connection, as dockerd does (an
 * empty Host, JSON bodies). No kernel and no dockerd: the addresses are really allocated and released, while
 * CreateEndpoint and Join, which need dockerd's answers and a veth, are refused as the plugin refuses them, which
 * still decodes their requests and writes their answers. So the cache holds the HTTP server's, JSON's and IPAM's
 * classes and profiles, which a new agent otherwise loads and compiles from cold at its first `docker run`s.
 */
final class PluginTraining {
    /** `docker run`s made: enough for the profiles of the calls' code, few enough to keep the training short. */
    private static final int RUNS = 40;
    private static final String NODE = "train-h1";
    private static final String NETWORK = "n".repeat(64);
    private static final Pattern LENGTH = Pattern.compile("(?i)\r\ncontent-length: *(\\d+)");
    private static final Pattern ADDRESS = Pattern.compile("\"Address\":\"([^\"]+)\"");

    private PluginTraining() {
    }

    /** Makes the calls of {@value #RUNS} `docker run`s; returns how many the plugin answered. */
    static int run() {
        Path dir;
        try {
            dir = Files.createTempDirectory("jcalico-plugin-training");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        try (EmbeddedDatastore datastore = EmbeddedDatastore.open(dir.resolve("store.db"))) {
            ResourceStore store = new ResourceStore(datastore);
            store.create(new Node(NODE, null, null, null));
            new Pools(store).add(new IpPool(Cidr.parse("10.98.0.0/16"), false, null, false));
            Log log = Log.open(dir.resolve("felix.log"), false, "info");
            DockerClient noDockerd = DockerClient.fromDockerHost("unix://" + dir.resolve("no-dockerd.sock"));
            NetworkDriver network = new NetworkDriver(new ContainerService(store, CommandRunner.local(),
                    new ContainerResolver(noDockerd)), noDockerd, NODE, log);
            DockerPlugin plugin = new DockerPlugin(network, new IpamDriver(store, NODE, network), log);
            try (ControlServer server = ControlServer.startPlugin(dir.resolve("run").resolve("docker.sock"), plugin::answer, log);
                 Dockerd dockerd = new Dockerd(dir.resolve("run").resolve("docker.sock"))) {
                int answered = dockerd.networkCreated();
                for (int run = 0; run < RUNS; run++) {
                    answered += dockerd.dockerRun(run);
                }
                network.awaitReleases();
                return answered;
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } finally {
            Directories.delete(dir);
        }
    }

    /** dockerd's side of the plugin protocol: one connection, kept, each call answered before the next. */
    private static final class Dockerd implements AutoCloseable {
        private final SocketChannel channel;
        private final ByteBuffer buffer = ByteBuffer.allocate(64 * 1024);
        private String poolId;

        Dockerd(Path socket) throws IOException {
            channel = SocketChannel.open(StandardProtocolFamily.UNIX);
            channel.connect(UnixDomainSocketAddress.of(socket));
        }

        int networkCreated() throws IOException {
            call("/Plugin.Activate", "");
            call("/NetworkDriver.GetCapabilities", "");
            call("/IpamDriver.GetCapabilities", "");
            call("/IpamDriver.GetDefaultAddressSpaces", "");
            String pool = call("/IpamDriver.RequestPool", "{\"AddressSpace\":\"jcalico\",\"Pool\":\"\",\"SubPool\":\"\","
                    + "\"Options\":{},\"V6\":false}");
            Matcher id = Pattern.compile("\"PoolID\":\"([^\"]+)\"").matcher(pool);
            if (!id.find()) {
                throw new IllegalStateException("RequestPool answered " + pool);
            }
            poolId = id.group(1);
            call("/IpamDriver.RequestAddress", "{\"PoolID\":\"" + poolId + "\",\"Address\":\"\","
                    + "\"Options\":{\"RequestAddressType\":\"com.docker.network.gateway\"}}");
            // dockerd is not there to list the other networks: refused, as a CreateNetwork the plugin cannot check
            call("/NetworkDriver.CreateNetwork", "{\"NetworkID\":\"" + NETWORK + "\",\"Options\":{},\"IPv4Data\":[{"
                    + "\"AddressSpace\":\"jcalico\",\"Pool\":\"0.0.0.0/0\",\"Gateway\":\"169.254.1.1/32\"}],\"IPv6Data\":[]}");
            return 7;
        }

        /** A `docker run --net NET` and its removal, call by call, in dockerd's order. */
        int dockerRun(int run) throws IOException {
            String endpoint = String.format("%064x", run + 1);
            String ref = "{\"NetworkID\":\"" + NETWORK + "\",\"EndpointID\":\"" + endpoint + "\"}";
            Matcher given = ADDRESS.matcher(call("/IpamDriver.RequestAddress",
                    "{\"PoolID\":\"" + poolId + "\",\"Address\":\"\",\"Options\":{}}"));
            if (!given.find()) {
                throw new IllegalStateException("RequestAddress gave no address");
            }
            String address = given.group(1);
            call("/NetworkDriver.CreateEndpoint", "{\"NetworkID\":\"" + NETWORK + "\",\"EndpointID\":\"" + endpoint
                    + "\",\"Interface\":{\"Address\":\"" + address + "\",\"AddressIPv6\":\"\",\"MacAddress\":\"\"},\"Options\":{}}");
            call("/NetworkDriver.Join", "{\"NetworkID\":\"" + NETWORK + "\",\"EndpointID\":\"" + endpoint
                    + "\",\"SandboxKey\":\"/var/run/docker/netns/" + endpoint.substring(52) + "\",\"Options\":{}}");
            call("/NetworkDriver.ProgramExternalConnectivity", ref);
            call("/NetworkDriver.EndpointOperInfo", ref);
            call("/NetworkDriver.EndpointOperInfo", ref);
            call("/NetworkDriver.RevokeExternalConnectivity", ref);
            call("/NetworkDriver.Leave", ref);
            call("/NetworkDriver.DeleteEndpoint", ref);
            call("/IpamDriver.ReleaseAddress", "{\"PoolID\":\"" + poolId + "\",\"Address\":\"" + address.replaceAll("/.*", "") + "\"}");
            return 10;
        }

        /** POSTs the call and returns the answer's body; an answer other than 200, or an internal error, fails the training. */
        private String call(String path, String json) throws IOException {
            byte[] body = json.getBytes(StandardCharsets.UTF_8);
            String head = "POST " + path + " HTTP/1.1\r\nHost: \r\nUser-Agent: Go-http-client/1.1\r\nContent-Length: " + body.length
                    + "\r\nAccept: application/vnd.docker.plugins.v1.2+json\r\nContent-Type: application/json\r\n"
                    + "Accept-Encoding: gzip\r\n\r\n";
            ByteBuffer request = ByteBuffer.allocate(head.length() + body.length);
            request.put(head.getBytes(StandardCharsets.US_ASCII)).put(body).flip();
            while (request.hasRemaining()) {
                channel.write(request);
            }
            buffer.clear();
            int headEnd;
            while ((headEnd = headEnd()) < 0) {
                read();
            }
            String answerHead = new String(buffer.array(), 0, headEnd, StandardCharsets.US_ASCII);
            Matcher length = LENGTH.matcher(answerHead);
            if (!answerHead.startsWith("HTTP/1.1 200") || !length.find()) {
                throw new IllegalStateException("the plugin answered " + path + " with " + answerHead.lines().findFirst().orElse(""));
            }
            int end = headEnd + 4 + Integer.parseInt(length.group(1));
            while (buffer.position() < end) {
                read();
            }
            String answer = new String(buffer.array(), headEnd + 4, end - headEnd - 4, StandardCharsets.UTF_8);
            if (answer.contains("internal error")) {
                throw new IllegalStateException("the plugin failed " + path + ": " + answer);
            }
            return answer;
        }

        private int headEnd() {
            byte[] bytes = buffer.array();
            for (int i = 0; i + 3 < buffer.position(); i++) {
                if (bytes[i] == '\r' && bytes[i + 1] == '\n' && bytes[i + 2] == '\r' && bytes[i + 3] == '\n') {
                    return i;
                }
            }
            return -1;
        }

        private void read() throws IOException {
            if (channel.read(buffer) < 0) {
                throw new IOException("the plugin closed the connection");
            }
        }

        @Override
        public void close() throws IOException {
            channel.close();
        }
    }
}
