package org.jcalico.ui;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.jcalico.agent.JvmCommand;
import org.jcalico.datastore.Datastore;
import org.jcalico.datastore.OpenMode;
import org.jcalico.datastore.ResourceStore;
import org.jcalico.flows.DeniedFlowFile;
import org.jcalico.kernel.CommandRunner;
import org.jcalico.kernel.PidFile;
import org.jcalico.lab.Probe;
import org.jcalico.model.IpAddress;
import org.jcalico.model.WorkloadEndpoint;
import org.jcalico.testing.Eventually;
import org.jcalico.testing.LabFixture;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * `jcalico ui` as a person sees it, rendered by a real headless Chromium in the lab host where the UI listens, and
 * `node diags`' archive opened with tar: one lab of two hosts with BGP and a workload on each in profiles that refuse
 * each other and a policy on one, so there are sessions to show, a denied ping in the agent's log, and a matrix cell that
 * says deny. h2 runs the other dataplane driver, so `node diags` is taken on a host of each.
 */
@Tag("kernel")
class UiAndDiagsIT {
    private static final String LISTEN = "127.0.0.1:9098";
    private static final Map<String, WorkloadEndpoint> ENDPOINTS = new LinkedHashMap<>();
    /** Another local user: what runs after it runs as nobody, with no groups. */
    private static final List<String> NOBODY = List.of("setpriv", "--reuid=65534", "--regid=65534", "--clear-groups");
    /** The page's address as `jcalico ui` printed it, with its token; set by {@link #startUi}. */
    private static String url;
    private static LabFixture fixture;

    @BeforeAll
    static void up() {
        fixture = LabFixture.up("jcu1", 2);
        // h2 on the other driver: the UI and the denied flow read a node of each, and each node's archive holds its own
        fixture.useDriver(2, LabFixture.otherDriver());
        fixture.jc("h1", "pool", "add", "10.69.0.0/16");
        fixture.jc("h1", "container", "add", "netns:" + fixture.lab().workload("w1"), "--profile", "blue", "--label", "app=frontend");
        fixture.jc("h2", "container", "add", "netns:" + fixture.lab().workload("w2"), "--profile", "red", "--label", "app=backend");
        fixture.apply("h1", """
                kind: NetworkPolicy
                metadata: {name: backend, namespace: default}
                spec:
                  selector: app == "backend"
                  ingress:
                  - {action: Allow, protocol: TCP, source: {selector: app == "frontend"}, destination: {ports: [80]}}
                """);
        try (Datastore datastore = fixture.layout().datastoreUrl().open(OpenMode.READ)) {
            for (var endpoint : new ResourceStore(datastore).list(WorkloadEndpoint.class)) {
                String id = endpoint.resource().containerId();
                ENDPOINTS.put(id.substring(id.lastIndexOf('-') + 1), endpoint.resource());
            }
        }
        assertTrue(Eventually.within(30, () -> fixture.run("h1", "node", "status").ok()), "BGP sessions of h1 up");
    }

    @AfterAll
    static void down() {
        if (fixture != null) {
            fixture.close();
        }
    }

    private static IpAddress address(String workload) {
        return ENDPOINTS.get(workload).nets(4).get(0).network();
    }

    @Test
    void pageInChromiumShowsNodesSessionsEndpointsTheMatrixAndADeniedFlow() throws Exception {
        Probe denied = Probe.ping(fixture.layout().workload("w1"), address("w2"));
        assertFalse(denied.succeeds(), "the backend takes only TCP 80 from the frontend");
        Path flows = DeniedFlowFile.of(fixture.layout().logDir(), "h2");
        assertTrue(Eventually.within(5, () -> read(flows).contains("\"source\":\"" + address("w1") + "\"")),
                "h2's agent logged the denied ping");

        assertEquals(1, fixture.run("h1", "ui", "--listen", "localhost:9098").exitCode(), "a host name is refused");
        Process ui = startUi();
        try {
            String dom = chromium("--dump-dom", "--virtual-time-budget=5000");
            assertTrue(dom.contains("data-node=\"h1\"") && dom.contains("data-node=\"h2\""), "both nodes shown:\n" + dom);
            assertTrue(Pattern.compile("<table id=\"nodes\">.*Established.*</table>", Pattern.DOTALL).matcher(dom).find(),
                    "an Established BGP session shown");
            for (String workload : ENDPOINTS.keySet()) {
                assertTrue(dom.contains("data-endpoint=\"" + ENDPOINTS.get(workload).endpointId() + "\""), workload + " shown");
                assertTrue(dom.contains(address(workload) + "/32"), workload + "'s address shown");
            }
            assertTrue(dom.contains("app=frontend") && dom.contains("profiles: blue"), "w1's labels and profiles shown");
            Matcher backend = Pattern.compile("<tr data-endpoint=\"" + ENDPOINTS.get("w2").endpointId() + "\">(.*?)</tr>",
                    Pattern.DOTALL).matcher(dom);
            assertTrue(backend.find() && backend.group(1).contains("default &gt; NetworkPolicy/default/backend"),
                    "the policy that applies to w2 shown");
            Matcher matrix = Pattern.compile("<table id=\"matrix\">(.*?)</table>", Pattern.DOTALL).matcher(dom);
            assertTrue(matrix.find() && matrix.group(1).contains("class=\"deny\""), "the model says blue -> red is denied: " + dom);
            Matcher flow = Pattern.compile("<tr class=\"flow\">(.*?)</tr>", Pattern.DOTALL).matcher(dom);
            assertTrue(flow.find(), "a denied flow shown");
            assertTrue(flow.group(1).contains(address("w1").toString()) && flow.group(1).contains("default/backend &gt; end of tier"), flow.group(1));
            String ids = ENDPOINTS.get("w1").endpointId() + "," + ENDPOINTS.get("w2").endpointId();
            assertTrue(api("/api/matrix?endpoints=" + ids + "&protocol=tcp&port=80").contains(
                    "\"allowed\":true,\"packet\":\"" + address("w1") + " -> " + address("w2") + " tcp/80\""), "frontend may reach backend on 80");
            assertTrue(api("/api/matrix?endpoints=" + ids + "&protocol=tcp&port=81").contains(
                    "\"allowed\":false,\"packet\":\"" + address("w1") + " -> " + address("w2") + " tcp/81\""), "but not on 81");
            assertTrue(api("/api/matrix?endpoints=" + ids + "&protocol=tcp").startsWith("400 {\"error\":\"--port: needed for tcp"));
            Path screenshot = Path.of("target", "jcu1-ui.png").toAbsolutePath();
            Files.createDirectories(screenshot.getParent());
            chromium("--screenshot=" + screenshot, "--window-size=1400,1100", "--virtual-time-budget=5000");
            assertTrue(Files.size(screenshot) > 10_000, "a screenshot of the page");
        } finally {
            ui.destroy();
            ui.waitFor(10, TimeUnit.SECONDS);
        }
        assertEquals(143, ui.exitValue(), "stopped by SIGTERM");
    }

    /**
     * Another local user (nobody) reaches 127.0.0.1 as root's browser does: without the token `jcalico ui` printed it
     * gets a 401 and nothing of the cluster, on every path, also with a token of the right shape that is not the one.
     */
    @Test
    void anotherLocalUserGetsNoPageWithoutTheToken() throws Exception {
        Process ui = startUi();
        try {
            String ids = ENDPOINTS.get("w1").endpointId() + "," + ENDPOINTS.get("w2").endpointId();
            String forged = "token=" + "A".repeat(43);
            for (String path : List.of("/", "/api/cluster", "/api/flows", "/api/matrix?endpoints=" + ids,
                    "/?" + forged, "/api/cluster?" + forged, "/api/cluster?token=")) {
                String got = get(NOBODY, "http://" + LISTEN + path);
                assertTrue(got.startsWith("401 "), "another local user is refused " + path + ": " + got);
                assertFalse(got.contains(address("w1").toString()) || got.contains("h2") || got.contains("<script"),
                        "and shown nothing: " + got);
            }
            assertTrue(get(NOBODY, url.replace("/?", "/api/cluster?")).startsWith("200 "), "the token is all it takes");
        } finally {
            ui.destroy();
            ui.waitFor(10, TimeUnit.SECONDS);
        }
    }

    /**
     * The nodes' logs are root's (and its group's): another local user can list the lab's log root, but neither enter a
     * node's directory nor read a file of it, the denied flows above all; the files the agent makes are 0640.
     */
    @Test
    void anotherLocalUserReadsNoNodesLogs() throws Exception {
        Path logs = fixture.layout().logDir();
        CommandRunner.Result listed = CommandRunner.local().run(concat(NOBODY, "ls", logs.toString()));
        assertTrue(listed.ok() && listed.stdout().contains("h2"), "the log root is open (else this test proves nothing): "
                + listed.stderr());
        assertFalse(Probe.ping(fixture.layout().workload("w1"), address("w2")).succeeds(), "the backend takes only TCP 80");
        Path flows = DeniedFlowFile.of(logs, "h2");
        assertTrue(Eventually.within(5, () -> Files.exists(flows)), "h2 logged a denied flow");
        for (String host : List.of("h1", "h2")) {
            try (var files = Files.list(logs.resolve(host))) {
                for (Path file : files.sorted().toList()) {
                    CommandRunner.Result read = CommandRunner.local().run(concat(NOBODY, "cat", file.toString()));
                    assertFalse(read.ok(), "another local user read " + file + ": " + read.stdout().lines().findFirst().orElse(""));
                }
            }
        }
        for (Path path : List.of(logs.resolve("h1"), logs.resolve("h2"), flows, logs.resolve("h1").resolve("felix.log"))) {
            assertEquals(Files.isDirectory(path) ? "rwxr-x---" : "rw-r-----",
                    PosixFilePermissions.toString(Files.getPosixFilePermissions(path)), path.toString());
        }
    }

    /**
     * Not only the directory: every file in a node's log directory is made closed to other users, whoever makes it
     * (the agent, its supervisor, the `node start` that made agent.out, BIRD, ulogd), since a file open inside the
     * closed directory is open again once the directory is, or once it is linked or moved elsewhere; and the agent and
     * the daemons it starts run with a mask that makes the files to come closed too (BIRD a new bird.log at each
     * rotation).
     */
    @Test
    void everyFileOfANodesLogsIsMadeClosedToOtherUsers() throws Exception {
        assertFalse(Probe.ping(fixture.layout().workload("w1"), address("w2")).succeeds(), "the backend takes only TCP 80");
        Path logs = fixture.layout().logDir();
        assertTrue(Eventually.within(5, () -> Files.exists(DeniedFlowFile.of(logs, "h2"))), "h2 logged a denied flow");
        Set<String> names = new TreeSet<>();
        List<String> open = new ArrayList<>();
        for (String host : List.of("h1", "h2")) {
            try (var files = Files.list(logs.resolve(host))) {
                for (Path file : files.sorted().toList()) {
                    names.add(file.getFileName().toString());
                    String mode = PosixFilePermissions.toString(Files.getPosixFilePermissions(file));
                    if (!mode.endsWith("---")) {
                        open.add(host + "/" + file.getFileName() + " " + mode);
                    }
                }
            }
        }
        assertTrue(names.containsAll(List.of("agent.out", "bird.log", "felix.log", DeniedFlowFile.NAME, "ulogd.log")),
                "the files of each maker are there (else this test proves less): " + names);
        assertEquals(List.of(), open, "files of the nodes' logs that other users may read");
        List<String> masks = new ArrayList<>();
        for (String host : List.of("h1", "h2")) {
            Path run = fixture.layout().runDir().resolve(host);
            for (String daemon : List.of("agent", "bird", "ulogd")) {
                var process = PidFile.liveProcess(run.resolve(daemon + ".pid"), args -> true);
                if (process.isPresent()) {
                    masks.add(host + " " + daemon + " " + Files.readAllLines(Path.of("/proc/" + process.get().pid() + "/status"))
                            .stream().filter(line -> line.startsWith("Umask:")).findFirst().orElse("no Umask").split("\\s+")[1]);
                }
            }
        }
        assertEquals(List.of("h1 agent 0027", "h1 bird 0027", "h1 ulogd 0027", "h2 agent 0027", "h2 bird 0027",
                "h2 ulogd 0027"), masks, "the masks of the agents and the daemons they start, which make their logs themselves");
    }

    private static List<String> concat(List<String> as, String... command) {
        List<String> all = new ArrayList<>(as);
        all.addAll(List.of(command));
        return all;
    }

    @Test
    void diagsArchiveOpensWithTarAndHoldsEveryFileListed() {
        archiveHoldsEveryFileListedAndTheRulesOf(1, "w1", LabFixture.driver());
        archiveHoldsEveryFileListedAndTheRulesOf(2, "w2", LabFixture.otherDriver());
    }

    /** `node diags` on host INDEX, which runs DRIVER and holds WORKLOAD's endpoint. */
    private static void archiveHoldsEveryFileListedAndTheRulesOf(int index, String workload, String driver) {
        String host = "h" + index;
        Path archive = fixture.layout().stateDir().resolve("diags-" + host + ".tar.gz");
        String out = fixture.jc(host, "node", "diags", "--output", archive.toString(), "--log-dir", fixture.layout().logDir().toString());
        assertTrue(out.startsWith("wrote " + archive), out);
        Matcher top = Pattern.compile("files under (\\S+)/:").matcher(out);
        assertTrue(top.find(), out);
        List<String> listed = new ArrayList<>();
        for (String line : out.split("\n")) {
            String[] cells = line.strip().split("\\s+");
            if (cells.length >= 3 && (cells[2].equals("ok") || cells[2].equals("FAILED:"))) {
                listed.add(cells[0]);
            }
        }
        for (String expected : List.of("versions.txt", "node.json", "felix-configuration.txt", "endpoints.json",
                "ip-4-route.txt", "ip-6-addr.txt", "iptables-save.txt", "ip6tables-save.txt", "ipset-list.txt",
                "nft-ruleset.txt", "bird.conf", "birdc-show-protocols-all.txt", "readiness.txt", "metrics.txt", "logs/felix.log")) {
            assertTrue(listed.contains(expected), expected + " listed: " + out);
        }
        assertFalse(out.contains("FAILED"), "every part collected on a healthy host: " + out);
        CommandRunner.Result tar = CommandRunner.local().run("tar", "-tzf", archive.toString());
        assertTrue(tar.ok(), tar.stderr());
        Set<String> held = new HashSet<>(List.of(tar.stdout().split("\n")));
        for (String file : listed) {
            assertTrue(held.contains(top.group(1) + "/" + file), file + " in the archive: " + held);
        }
        // what the person debugging needs most: jcalico's rules as the host's driver holds them, with their counters
        boolean counted = driver.equals("nftables")
                ? Pattern.compile("table ip jcalico \\{.*counter packets", Pattern.DOTALL)
                        .matcher(extract(archive, top.group(1) + "/nft-ruleset.txt")).find()
                : extract(archive, top.group(1) + "/iptables-save.txt").lines()
                        .anyMatch(line -> line.startsWith("[") && line.contains(" -j jc-"));
        assertTrue(counted, host + "'s archive holds jcalico's " + driver + " rules with counters");
        assertTrue(extract(archive, top.group(1) + "/readiness.txt").startsWith("# GET http://127.0.0.1:9099/readiness: 200"),
                "the agent's readiness, at FelixConfiguration's default address");
        assertTrue(extract(archive, top.group(1) + "/metrics.txt").startsWith("# GET http://127.0.0.1:9091/metrics: 200"),
                "the agent's metrics");
        assertTrue(extract(archive, top.group(1) + "/birdc-show-protocols-all.txt").contains("Established"), "BIRD's sessions");
        assertTrue(extract(archive, top.group(1) + "/endpoints.json").contains(ENDPOINTS.get(workload).endpointId()),
                host + "'s endpoint");
    }

    private static String read(Path file) {
        try {
            return Files.exists(file) ? Files.readString(file) : "";
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    private static String extract(Path archive, String file) {
        return CommandRunner.local().run("tar", "-xzOf", archive.toString(), file).check().stdout();
    }

    /** `jcalico ui` on h1, in the background, once it says where it serves. */
    private static Process startUi() throws Exception {
        List<String> command = new ArrayList<>(List.of("ip", "netns", "exec", fixture.layout().host(1), "env",
                "JCALICO_DATASTORE=" + fixture.layout().datastoreUrl(), "JCALICO_RUN_DIR=" + fixture.layout().runDir()));
        command.addAll(JvmCommand.jcalico());
        command.addAll(List.of("ui", "--listen", LISTEN, "--log-dir", fixture.layout().logDir().toString()));
        Process ui = new ProcessBuilder(command).redirectError(ProcessBuilder.Redirect.INHERIT).start();
        String first = new BufferedReader(new InputStreamReader(ui.getInputStream(), StandardCharsets.UTF_8)).readLine();
        Matcher printed = Pattern.compile("serving the UI on (http://" + Pattern.quote(LISTEN) + "/(\\?token=[A-Za-z0-9_-]{43})?) \\(Ctrl-C to stop\\)")
                .matcher(String.valueOf(first));
        assertTrue(printed.matches(), first);
        url = printed.group(1);
        return ui;
    }

    /** The status and body of a GET from h1, where the UI listens, with the token the person was given. */
    private static String api(String path) {
        String token = url.contains("?") ? url.substring(url.indexOf('?') + 1) : "";
        return get(List.of(), "http://" + LISTEN + path + (token.isEmpty() ? "" : (path.contains("?") ? "&" : "?") + token));
    }

    /** The status and body of a GET of {@code target} from h1, by curl run after {@code as} (e.g. setpriv). */
    private static String get(List<String> as, String target) {
        List<String> command = new ArrayList<>(List.of("ip", "netns", "exec", fixture.layout().host(1)));
        command.addAll(as);
        command.addAll(List.of("curl", "-s", "-w", "|%{http_code}", target));
        String got = CommandRunner.local().run(command).stdout();
        return got.substring(got.lastIndexOf('|') + 1) + " " + got.substring(0, got.lastIndexOf('|'));
    }

    /** Headless Chromium in the same network namespace as the UI. */
    private static String chromium(String... flags) {
        Path profile = fixture.layout().stateDir().resolve("chromium");
        List<String> command = new ArrayList<>(List.of("ip", "netns", "exec", fixture.layout().host(1), "env",
                "HOME=" + profile, "chromium", "--headless", "--no-sandbox", "--disable-gpu", "--user-data-dir=" + profile));
        command.addAll(List.of(flags));
        command.add(url);
        CommandRunner.Result result = CommandRunner.local().run(command);
        assertTrue(result.ok(), "chromium: " + result.stderr());
        return result.stdout();
    }
}
