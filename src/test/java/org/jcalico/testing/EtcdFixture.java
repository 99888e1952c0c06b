package org.jcalico.testing;

import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.jcalico.kernel.CommandRunner;

/** A real single-member etcd for a test: on loopback, free ports, its own data directory, removed on close. */
public final class EtcdFixture implements AutoCloseable {
    private final Process process;
    private final Path dataDir;
    private final int clientPort;

    private EtcdFixture(Process process, Path dataDir, int clientPort) {
        this.process = process;
        this.dataDir = dataDir;
        this.clientPort = clientPort;
    }

    public static boolean installed() {
        return CommandRunner.local().run("sh", "-c", "command -v etcd").ok();
    }

    public static EtcdFixture start() throws IOException, InterruptedException {
        Path dataDir = Files.createTempDirectory("jct-etcd");
        int client = freePort();
        int peer = freePort();
        String clientUrl = "http://127.0.0.1:" + client;
        String peerUrl = "http://127.0.0.1:" + peer;
        Process process = new ProcessBuilder(List.of("etcd", "--name", "jct", "--data-dir", dataDir.resolve("data").toString(),
                "--listen-client-urls", clientUrl, "--advertise-client-urls", clientUrl,
                "--listen-peer-urls", peerUrl, "--initial-advertise-peer-urls", peerUrl,
                "--initial-cluster", "jct=" + peerUrl, "--log-level", "error"))
                .redirectErrorStream(true).redirectOutput(dataDir.resolve("etcd.log").toFile()).start();
        EtcdFixture fixture = new EtcdFixture(process, dataDir, client);
        long deadline = System.currentTimeMillis() + 20_000;
        while (!CommandRunner.local().run("curl", "-sf", clientUrl + "/health").ok()) {
            if (System.currentTimeMillis() > deadline || !process.isAlive()) {
                String log = Files.readString(dataDir.resolve("etcd.log"));
                fixture.close();
                throw new IllegalStateException("etcd did not start: " + log);
            }
            Thread.sleep(100);
        }
        return fixture;
    }

    public String url() {
        return "etcd://127.0.0.1:" + clientPort;
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }

    @Override
    public void close() {
        process.destroy();
        try {
            process.waitFor(10, java.util.concurrent.TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        process.destroyForcibly();
        CommandRunner.local().run("rm", "-rf", dataDir.toString());
    }
}
