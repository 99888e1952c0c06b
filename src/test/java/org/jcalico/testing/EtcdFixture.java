package org.jcalico.testing;

import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.jcalico.kernel.CommandRunner;

/** A real single-member etcd for a test: on loopback, free ports, its own data directory, removed on close. */
public final class EtcdFixture implements AutoCloseable {
    private final List<String> command;
    private final List<String> health;
    private Process process;
    private final Path dataDir;
    private final int clientPort;
    private final TestCertificates tls;

    private EtcdFixture(List<String> command, List<String> health, Path dataDir, int clientPort, TestCertificates tls) {
        this.command = List.copyOf(command);
        this.health = List.copyOf(health);
        this.dataDir = dataDir;
        this.clientPort = clientPort;
        this.tls = tls;
    }

    public static boolean installed() {
        return CommandRunner.local().run("sh", "-c", "command -v etcd").ok();
    }

    public static EtcdFixture start() throws IOException, InterruptedException {
        return start(List.of(), null);
    }

    /** With etcd's own options added (e.g. --auth-token-ttl). */
    public static EtcdFixture start(List<String> options) throws IOException, InterruptedException {
        return start(options, null);
    }

    /** Clients only over TLS, with a certificate signed by the certificates' CA. */
    public static EtcdFixture startTls(TestCertificates certificates) throws IOException, InterruptedException {
        return start(List.of("--cert-file", certificates.serverCert().toString(), "--key-file", certificates.serverKey().toString(),
                "--client-cert-auth", "--trusted-ca-file", certificates.ca().toString()), certificates);
    }

    /**
     * A port chosen free may be taken before etcd binds it (by an etcd of the other test fork choosing at once, or as a
     * connection's own port), and then etcd exits: it is started again on other ports, a few times.
     */
    private static EtcdFixture start(List<String> options, TestCertificates tls) throws IOException, InterruptedException {
        for (int attempt = 1; ; attempt++) {
            try {
                return startOnce(options, tls);
            } catch (IllegalStateException e) {
                if (attempt == 3 || !e.getMessage().contains("address already in use")) {
                    throw e;
                }
            }
        }
    }

    private static EtcdFixture startOnce(List<String> options, TestCertificates tls) throws IOException, InterruptedException {
        Path dataDir = Files.createTempDirectory("jct-etcd");
        int client = freePort();
        int peer = freePort();
        String clientUrl = (tls == null ? "http" : "https") + "://127.0.0.1:" + client;
        String peerUrl = "http://127.0.0.1:" + peer;
        List<String> command = new java.util.ArrayList<>(List.of("etcd", "--name", "jct", "--data-dir", dataDir.resolve("data").toString(),
                "--listen-client-urls", clientUrl, "--advertise-client-urls", clientUrl,
                "--listen-peer-urls", peerUrl, "--initial-advertise-peer-urls", peerUrl,
                "--initial-cluster", "jct=" + peerUrl, "--log-level", "error",
                // idle watchers hear from etcd every second, well within the watch deadline tests choose
                "--experimental-watch-progress-notify-interval", "1s"));
        command.addAll(options);
        List<String> health = new java.util.ArrayList<>(List.of("curl", "-sf"));
        if (tls != null) {
            health.addAll(List.of("--cacert", tls.ca().toString(), "--cert", tls.clientCert().toString(),
                    "--key", tls.clientKey().toString()));
        }
        health.add(clientUrl + "/health");
        EtcdFixture fixture = new EtcdFixture(command, health, dataDir, client, tls);
        fixture.launch();
        return fixture;
    }

    /**
     * A cluster of MEMBERS etcd members on loopback, started at once (a member is healthy only once a quorum is up),
     * on free ports chosen as a single member's are (two a member), so within this fork's share of
     * JCALICO_TEST_ETCD_PORTS: a fixed first port was another lane's range, or the other fork's.
     */
    public static List<EtcdFixture> cluster(int members) throws IOException, InterruptedException {
        List<Integer> ports = new java.util.ArrayList<>();
        while (ports.size() < 2 * members) {
            int port = freePort();
            if (!ports.contains(port)) {
                ports.add(port);
            }
        }
        List<String> initial = new java.util.ArrayList<>();
        for (int i = 0; i < members; i++) {
            initial.add("jct" + i + "=http://127.0.0.1:" + ports.get(2 * i + 1));
        }
        List<EtcdFixture> cluster = new java.util.ArrayList<>();
        for (int i = 0; i < members; i++) {
            Path dataDir = Files.createTempDirectory("jct-etcd");
            String clientUrl = "http://127.0.0.1:" + ports.get(2 * i);
            String peerUrl = "http://127.0.0.1:" + ports.get(2 * i + 1);
            EtcdFixture member = new EtcdFixture(List.of("etcd", "--name", "jct" + i, "--data-dir", dataDir.resolve("data").toString(),
                    "--listen-client-urls", clientUrl, "--advertise-client-urls", clientUrl,
                    "--listen-peer-urls", peerUrl, "--initial-advertise-peer-urls", peerUrl,
                    "--initial-cluster", String.join(",", initial), "--initial-cluster-state", "new", "--log-level", "error"),
                    List.of("curl", "-sf", clientUrl + "/health"), dataDir, ports.get(2 * i), null);
            member.spawn();
            cluster.add(member);
        }
        for (EtcdFixture member : cluster) {
            member.awaitHealthy();
        }
        return cluster;
    }

    private static boolean free(int port) {
        try (ServerSocket socket = new ServerSocket(port, 1, java.net.InetAddress.getLoopbackAddress())) {
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    private void launch() throws IOException, InterruptedException {
        spawn();
        awaitHealthy();
    }

    private void spawn() throws IOException {
        process = new ProcessBuilder(command).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(dataDir.resolve("etcd.log").toFile())).start();
    }

    private void awaitHealthy() throws IOException, InterruptedException {
        long deadline = System.currentTimeMillis() + 20_000;
        // another etcd answering at our port (ours could not bind it) must not pass for ours: the test would use it,
        // and lose it when that etcd's own test stops it
        while (!CommandRunner.local().run(health).ok() || !listensHere()) {
            if (System.currentTimeMillis() > deadline || !process.isAlive()) {
                String log = Files.readString(dataDir.resolve("etcd.log"));
                close();
                throw new IllegalStateException("etcd did not start: " + log);
            }
            Thread.sleep(100);
        }
    }

    /** Whether this fixture's etcd process is the one listening on its client port. */
    private boolean listensHere() {
        String listening = CommandRunner.local().run("ss", "-Hltnp", "sport = :" + clientPort).stdout();
        return process.isAlive() && listening.contains("pid=" + process.pid() + ",");
    }

    /** Stops etcd and starts it again on its data, as after a crash: what it keeps only in memory is gone. */
    public void restart() throws IOException, InterruptedException {
        stop();
        launch();
    }

    /** Stops etcd as an operator would, with SIGTERM (it ends its streams gracefully), and waits for it to exit. */
    public void stop() {
        process.destroy();
        try {
            process.waitFor(10, java.util.concurrent.TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        process.destroyForcibly();
    }

    /**
     * Stops etcd with SIGSTOP, as a member that hangs would: the kernel still accepts connections and takes requests,
     * and nothing answers them (each call waits out its timeout), until {@link #resume}.
     */
    public void pause() {
        CommandRunner.local().run("kill", "-STOP", Long.toString(process.pid())).check();
    }

    /** Lets a paused etcd run on (SIGCONT). */
    public void resume() {
        CommandRunner.local().run("kill", "-CONT", Long.toString(process.pid())).check();
    }

    public int port() {
        return clientPort;
    }

    /** etcd://127.0.0.1:PORT, or etcds:// with the CA and the client certificate when it was started with TLS. */
    public String url() {
        if (tls == null) {
            return "etcd://127.0.0.1:" + clientPort;
        }
        return "etcds://127.0.0.1:" + clientPort + "?ca=" + tls.ca() + "&cert=" + tls.clientCert() + "&key=" + tls.clientKey();
    }

    /** etcd://127.0.0.1:PORT or etcds://127.0.0.1:PORT, without any settings. */
    public String bareUrl() {
        return (tls == null ? "etcd" : "etcds") + "://127.0.0.1:" + clientPort;
    }

    /** Posts to etcd's JSON gateway as a client without credentials would (to set up users, say); the response body. */
    public String post(String path, String json) {
        return CommandRunner.local().run("curl", "-sf", "-X", "POST", "-d", json, "http://127.0.0.1:" + clientPort + "/" + path)
                .check().stdout();
    }

    /** Posts to etcd's JSON gateway as USER with PASSWORD, once authentication is on (to change a password, say). */
    public String postAs(String user, String password, String path, String json) {
        String answer = post("v3/auth/authenticate", "{\"name\":\"" + user + "\",\"password\":\"" + password + "\"}");
        java.util.regex.Matcher token = java.util.regex.Pattern.compile("\"token\":\"([^\"]+)\"").matcher(answer);
        if (!token.find()) {
            throw new IllegalStateException("etcd gave no token for " + user + ": " + answer);
        }
        return CommandRunner.local().run("curl", "-sf", "-X", "POST", "-H", "Authorization: " + token.group(1), "-d", json,
                "http://127.0.0.1:" + clientPort + "/" + path).check().stdout();
    }

    /** Adds a user with PASSWORD and grants it ROLE (etcd's own "root", or one the test added). */
    public void addUser(String name, String password, String role) {
        post("v3/auth/user/add", "{\"name\":\"" + name + "\",\"password\":\"" + password + "\"}");
        post("v3/auth/user/grant", "{\"user\":\"" + name + "\",\"role\":\"" + role + "\"}");
    }

    /** Adds etcd's root user with PASSWORD, which etcd requires, and turns authentication on: every call needs a user. */
    public void enableAuth(String rootPassword) {
        addUser("root", rootPassword, "root");
        post("v3/auth/enable", "{}");
    }

    /**
     * A port no one listens on: the system's choice, or, where JCALICO_TEST_ETCD_PORTS names a range (FIRST-LAST), the
     * first free one of this test fork's share of it ({@link TestFork#ports}) not handed out yet, so that people
     * sharing a machine keep their etcds to ports of their own, and so do the test classes running at once: a port
     * free when chosen is not taken until its etcd listens, which another JVM's choice could meet in between.
     */
    private static int freePort() throws IOException {
        String range = System.getenv("JCALICO_TEST_ETCD_PORTS");
        if (range == null || range.isEmpty()) {
            try (ServerSocket socket = new ServerSocket(0)) {
                return socket.getLocalPort();
            }
        }
        TestFork.Ports ports = TestFork.current().ports(TestFork.Ports.parse(range));
        synchronized (EtcdFixture.class) {
            for (int i = 0; i < ports.count(); i++) {
                int port = ports.first() + (nextInRange + i) % ports.count();
                if (free(port)) {
                    nextInRange = port - ports.first() + 1;
                    return port;
                }
            }
        }
        throw new IOException("no free port left in " + ports + ", this test fork's share of JCALICO_TEST_ETCD_PORTS=" + range);
    }

    /** Where in JCALICO_TEST_ETCD_PORTS to try next: a fixture's ports are not taken until its etcd listens. */
    private static int nextInRange;

    @Override
    public void close() {
        stop();
        CommandRunner.local().run("rm", "-rf", dataDir.toString());
    }
}
