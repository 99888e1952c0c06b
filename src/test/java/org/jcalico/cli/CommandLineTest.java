package org.jcalico.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.json.JsonMapper;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.jcalico.datastore.Datastore;
import org.jcalico.datastore.Datastores;
import org.jcalico.datastore.Keys;
import org.jcalico.datastore.Op;
import org.jcalico.datastore.ResourceStore;
import org.jcalico.agent.ServedResources;
import org.jcalico.datastore.DatastoreUrl;
import org.jcalico.datastore.OpenMode;
import org.jcalico.kernel.CommandRunner;
import org.jcalico.log.Log;
import org.jcalico.model.Cidr;
import org.jcalico.model.EndpointStatus;
import org.jcalico.model.IpAddress;
import org.jcalico.model.IpPool;
import org.jcalico.model.IpamBlock;
import org.jcalico.ipam.Ipam;
import org.jcalico.model.ValidationException;
import org.jcalico.model.Node;
import org.jcalico.model.Profile;
import org.jcalico.model.ResourceCodec;
import org.jcalico.model.WorkloadEndpoint;
import org.jcalico.testing.EtcdFixture;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The command line as a user meets it: what it prints, and its exit status. */
class CommandLineTest {
    @TempDir
    Path dir;

    private record Outcome(int status, String out, String err) {
    }

    /** As Main.main does before any command: without it SLF4J's warning lands in the first command's error output. */
    @BeforeAll
    static void quietLibraryLogging() {
        Main.quietLibraryLogging();
    }

    private Outcome run(String... args) {
        String[] full = new String[args.length + 2];
        full[0] = "--datastore";
        full[1] = "embedded:" + dir.resolve("store.db");
        System.arraycopy(args, 0, full, 2, args.length);
        return runAsGiven(full);
    }

    /** Without the test's own --datastore. */
    private Outcome runAsGiven(String... args) {
        PrintStream out = System.out;
        PrintStream err = System.err;
        ByteArrayOutputStream stdout = new ByteArrayOutputStream();
        ByteArrayOutputStream stderr = new ByteArrayOutputStream();
        System.setOut(new PrintStream(stdout, true, StandardCharsets.UTF_8));
        System.setErr(new PrintStream(stderr, true, StandardCharsets.UTF_8));
        try {
            return new Outcome(Main.run(args), stdout.toString(StandardCharsets.UTF_8), stderr.toString(StandardCharsets.UTF_8));
        } finally {
            System.setOut(out);
            System.setErr(err);
        }
    }

    @Test
    void commandsSayWhatTheyDidAndErrorsAreOneLineWithStatusOne() {
        assertEquals(new Outcome(0, "added pool 10.65.0.0/16 (blocks /26, NAT outgoing)\n", ""),
                run("pool", "add", "10.65.0.0/16", "--nat-outgoing"));
        assertEquals(new Outcome(1, "", "error: cidr: '10.65.1.0/24' overlaps pool 10.65.0.0/16\n"), run("pool", "add", "10.65.1.0/24"));
        assertEquals(new Outcome(1, "", "error: blockSize: '40' is out of range for IPv4 (20-32)\n"),
                run("pool", "add", "10.66.0.0/16", "--block-size", "40"));
        Outcome list = run("pool", "list", "-o", "json");
        assertTrue(list.out().contains("\"cidr\" : \"10.65.0.0/16\""), list.out());
    }

    /**
     * `pool list -o json` prints the pool records alone, so it reads none of the pools' blocks: a cluster's thousands of
     * blocks made it seconds of CPU (the agent's warm-up runs it just after the start: 2.3 s at 100,000 endpoints,
     * docs/agent.md, session 64). The table, which counts each pool's blocks and addresses, still reads them. Each
     * is timed warm (its second run), so the difference is what each reads, not classes loaded the first time.
     */
    @Test
    void theJsonPoolListReadsNoBlock() throws Exception {
        run("pool", "add", "10.64.0.0/12");
        List<Op> blocks = new ArrayList<>();
        Map<Integer, String> full = new HashMap<>();
        for (int i = 0; i < 64; i++) {
            full.put(i, "handle-" + i);
        }
        for (int i = 0; i < 3_000; i++) {
            blocks.add(ResourceStore.createOp(new IpamBlock(Cidr.parse("10." + (64 + i / 1_024) + "." + (i / 4 % 256) + "."
                    + i % 4 * 64 + "/26"), "node-" + i, full)));
        }
        try (Datastore datastore = DatastoreUrl.parse("embedded:" + dir.resolve("store.db")).open(OpenMode.WRITE)) {
            datastore.commit(blocks);
        }
        long table = 0;
        long json = 0;
        for (int round = 0; round < 2; round++) {
            long start = System.nanoTime();
            Outcome tableList = run("pool", "list");
            table = System.nanoTime() - start;
            assertTrue(tableList.out().contains(" 3000 "), tableList.out());
            start = System.nanoTime();
            Outcome jsonList = run("pool", "list", "-o", "json");
            json = System.nanoTime() - start;
            assertTrue(jsonList.out().contains("\"cidr\" : \"10.64.0.0/12\""), jsonList.out());
        }
        assertTrue(json * 5 < table, "json " + json / 1_000_000 + " ms, table " + table / 1_000_000 + " ms");
    }

    /**
     * An error line names the argument that was wrong, but stays one short line whatever was typed or pasted: a value
     * of a megabyte is cut (saying how much more there was), an escape sequence is written out rather than sent to the
     * terminal, also in the command-line parser's own messages.
     */
    @Test
    void anErrorShowsTheWrongArgumentInOneShortLine() {
        String huge = "\u001b[2J" + "1".repeat(1_000_000);
        for (String[] args : List.of(new String[] {"pool", "add", huge}, new String[] {"pool", "list", "-o", huge},
                new String[] {"pool", "list", "--" + huge}, new String[] {"pool", huge})) {
            Outcome outcome = run(args);
            assertTrue(outcome.status() != 0 && outcome.err().startsWith("error: ") && outcome.err().length() < 1000
                    && outcome.err().contains("\\x1b[2J111") && outcome.err().contains("more characters")
                    && !outcome.err().contains("\u001b"), args[1] + ": " + outcome.err().length() + ": "
                    + outcome.err().substring(0, Math.min(1000, outcome.err().length())));
        }
    }

    /**
     * `jcalico help [COMMAND [SUBCOMMAND]]` prints what --help prints, as git and kubectl users expect; an unknown one
     * is a usage error.
     */
    @Test
    void helpIsACommand() {
        Outcome top = run("--help");
        assertEquals(0, top.status(), top.err());
        assertTrue(top.out().contains("  container"), top.out());
        assertEquals(top, run("help"));
        Outcome container = run("container", "--help");
        assertTrue(container.out().startsWith("Usage: jcalico container"), container.out());
        assertEquals(container, run("help", "container"));
        Outcome add = run("container", "add", "--help");
        assertTrue(add.out().startsWith("Usage: jcalico container add"), add.out());
        assertEquals(add, run("help", "container", "add"));
        for (String[] unknown : List.of(new String[] {"help", "nosuch"}, new String[] {"help", "container", "nosuch"},
                new String[] {"help", "version", "nosuch"})) {
            Outcome outcome = run(unknown);
            assertEquals(2, outcome.status(), outcome.out());
            assertEquals("", outcome.out());
            assertTrue(outcome.err().startsWith("error: ") && outcome.err().contains("nosuch"), outcome.err());
        }
    }

    /** apply takes Calico's v3 files and Kubernetes NetworkPolicy; get finds resources by their Calico names and prints v3. */
    @Test
    void applyTakesCalicoFilesAndGetPrintsThemBack() throws Exception {
        Path file = dir.resolve("calico.yaml");
        java.nio.file.Files.writeString(file, """
                apiVersion: projectcalico.org/v3
                kind: IPPool
                metadata: {name: pods}
                spec: {cidr: 10.65.0.0/16, natOutgoing: true}
                ---
                apiVersion: projectcalico.org/v3
                kind: FelixConfiguration
                metadata: {name: default}
                spec: {logSeverityScreen: Warning}
                ---
                apiVersion: networking.k8s.io/v1
                kind: NetworkPolicy
                metadata: {name: deny-all, namespace: prod}
                spec: {podSelector: {}, policyTypes: [Ingress]}
                """);
        assertEquals(new Outcome(0, "created IPPool 10.65.0.0/16\ncreated FelixConfiguration global\n"
                + "created KubernetesNetworkPolicy prod/deny-all\n", ""), run("apply", "-f", file.toString()));
        String pool = "apiVersion: projectcalico.org/v3\nkind: IPPool\nmetadata:\n  name: pods\nspec:\n  cidr: 10.65.0.0/16\n"
                + "  blockSize: 26\n  natOutgoing: true\n  disabled: false\n";
        assertEquals(new Outcome(0, pool, ""), run("get", "ippool", "pods", "-o", "yaml"));
        assertEquals(new Outcome(0, pool, ""), run("get", "ippool", "10.65.0.0/16", "-o", "yaml"));
        assertEquals(new Outcome(0, "apiVersion: projectcalico.org/v3\nkind: FelixConfiguration\nmetadata:\n  name: default\n"
                + "spec:\n  logSeverityScreen: Warning\n", ""), run("get", "felixconfiguration", "default", "-o", "yaml"));
        assertEquals(new Outcome(0, "apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata:\n  name: deny-all\n"
                + "  namespace: prod\nspec:\n  podSelector: {}\n  policyTypes:\n  - Ingress\n", ""), run("get", "knp", "prod/deny-all", "-o", "yaml"));
        Outcome table = run("get", "knp");
        assertEquals(0, table.status(), table.err());
        assertTrue(table.out().lines().skip(1).findFirst().orElse("").matches("prod +deny-all +default +1000 +all\\(\\) +Ingress +0 +0"),
                table.out());
        assertEquals(new Outcome(1, "", "error: resource 1 (IPPool): apiVersion: 'v2' is not an API jcalico reads IPPool in"
                + " (expected projectcalico.org/v3)\n"), run("apply", "-f", write("apiVersion: v2\nkind: IPPool\n")));
    }

    /**
     * A file apply cannot take is one error line saying why, and nothing applied: an endless one (/dev/zero, a pipe
     * that never ends) is refused at the limit instead of filling the heap, a binary one is named as not text.
     */
    @Test
    void applyOfAnEndlessMissingOrBinaryFileIsOneErrorLine() throws Exception {
        assertEquals(new Outcome(1, "", "error: cannot read /dev/zero: it is larger than 64 MiB (split it into several files)\n"),
                run("apply", "-f", "/dev/zero"));
        Path missing = dir.resolve("missing.yaml");
        assertEquals(new Outcome(1, "", "error: cannot read " + missing + ": no such file\n"), run("apply", "-f", missing.toString()));
        Path binary = dir.resolve("pools.yaml.gz");
        Files.write(binary, new byte[] {(byte) 0x1f, (byte) 0x8b, 8, 0, 0, 0, 0, 0, 0, 3});
        assertEquals(new Outcome(1, "", "error: cannot read " + binary + ": it is not UTF-8 text\n"), run("apply", "-f", binary.toString()));
        assertTrue(Files.notExists(dir.resolve("store.db")), "refused before the datastore is opened, let alone written");
    }

    /**
     * A node name or datastore given blank (a script's empty variable: --node "$NODE") is an error, never this host's
     * node or the default store, and nothing is written: here `cni install` would have written a conflist naming the
     * hostname's node, and `node stop --name ""` would have stopped whatever agent runs from the run directory itself.
     */
    @Test
    void aBlankNodeOrDatastoreIsAnErrorNotTheDefault() {
        String invalid = "' is not a valid name (letters, digits, '_', '.', '-'; up to 63 characters; starts with a letter or digit)\n";
        for (String blank : List.of("", " ")) {
            assertEquals(new Outcome(1, "", "error: node: '" + blank + invalid), run("--node", blank, "cni", "install",
                    "--bin-dir", dir.resolve("bin").toString(), "--conf-dir", dir.resolve("conf").toString()));
            assertEquals(new Outcome(1, "", "error: name: '" + blank + invalid), run("node", "stop", "--name", blank,
                    "--run-dir", dir.resolve("run").toString()));
            assertEquals(new Outcome(1, "", "error: no datastore given (expected embedded:PATH, etcd://HOST:PORT or etcds://HOST:PORT)\n"),
                    runAsGiven("--datastore", blank, "pool", "list"));
            assertEquals(new Outcome(1, "", "error: no datastore given (expected embedded:PATH, etcd://HOST:PORT or etcds://HOST:PORT)\n"),
                    runAsGiven("--datastore=" + blank, "pool", "list"));
        }
        assertTrue(Files.notExists(dir.resolve("bin")) && Files.notExists(dir.resolve("conf")), "nothing installed");
    }

    /**
     * A negative --timeout is refused before anything is done: it attached the container (veth, addresses, record),
     * gave up waiting at once and undid it all. Refused here before the container is even looked for.
     */
    @Test
    void aNegativeTimeoutIsRefusedBeforeTheContainerIsAttached() {
        assertEquals(new Outcome(1, "", "error: --timeout: '-1' is negative (seconds to wait for the agent; 0: do not wait)\n"),
                run("container", "add", "--timeout", "-1", "netns:jti-none-such"));
        assertTrue(Files.notExists(dir.resolve("store.db")), "no datastore opened");
    }

    /**
     * `node start --timeout` takes a positive number of seconds, for a start in the background: anything else is one
     * error line before anything is done (no run or log directory made, no agent started, no datastore opened).
     */
    @Test
    void aNodeStartTimeoutThatIsNotAPositiveNumberIsRefusedBeforeAnythingStarts() {
        List<String> dirs = List.of("--run-dir", dir.resolve("run").toString(), "--log-dir", dir.resolve("log").toString());
        for (String zero : List.of("0", "-5")) {
            assertEquals(new Outcome(1, "", "error: --timeout: '" + zero + "' is not a positive number of seconds (how long to"
                    + " wait for the agent to get in sync)\n"), run(concat(List.of("node", "start", "--timeout", zero), dirs)));
        }
        assertEquals(new Outcome(1, "", "error: --timeout: '5' is for a start in the background (not with --foreground)\n"),
                run(concat(List.of("node", "start", "--foreground", "--timeout", "5"), dirs)));
        Outcome text = run(concat(List.of("node", "start", "--timeout", "soon"), dirs));
        // picocli's own refusal of a value that is not a number: a usage error's status
        assertEquals(2, text.status(), text.err());
        assertTrue(text.err().startsWith("error: Invalid value for option '--timeout': 'soon' is not an int\n"), text.err());
        assertTrue(Files.notExists(dir.resolve("run")) && Files.notExists(dir.resolve("log"))
                && Files.notExists(dir.resolve("store.db")), "nothing made");
    }

    private static String[] concat(List<String> first, List<String> then) {
        return java.util.stream.Stream.concat(first.stream(), then.stream()).toArray(String[]::new);
    }

    private String write(String text) throws java.io.IOException {
        Path file = java.nio.file.Files.createTempFile(dir, "resource", ".yaml");
        java.nio.file.Files.writeString(file, text);
        return file.toString();
    }

    /**
     * Main builds only the command the arguments name (start-up time), so each command must still parse on its own and
     * the help must still list every one: every command and subcommand answers --help with its own usage.
     */
    @Test
    void theHelpListsEveryCommandAndEachParsesWhenBuiltAlone() {
        String help = run("--help").out();
        picocli.CommandLine whole = Main.build();
        List<List<String>> paths = new ArrayList<>();
        whole.getSubcommands().forEach((name, command) -> {
            if (command.getCommandSpec().usageMessage().hidden()) {
                return; // jcalico's own tooling: no help of its own
            }
            assertTrue(help.contains("\n  " + name + " "), "--help lists " + name + ":\n" + help);
            paths.add(List.of(name));
            command.getSubcommands().forEach((sub, subcommand) -> {
                if (!subcommand.getCommandSpec().usageMessage().hidden()) {
                    paths.add(List.of(name, sub));
                }
            });
        });
        assertEquals(JcalicoCommand.COMMANDS.size(), whole.getSubcommands().size());
        for (List<String> path : paths) {
            List<String> args = new ArrayList<>(path);
            args.add("--help");
            Outcome outcome = run(args.toArray(String[]::new));
            assertEquals(0, outcome.status(), path + ": " + outcome.err());
            assertTrue(outcome.out().startsWith("Usage: jcalico " + String.join(" ", path)), path + ": " + outcome.out());
        }
        assertTrue(paths.size() > 60, "every subcommand: " + paths.size());
    }

    /** The lab makes a store of its own: a store's URL (the global option's usual value) is refused before anything. */
    @Test
    void theLabRefusesAStoresUrlAndSaysWhatItTakes() {
        Outcome outcome = run("lab", "up", "--name", "jcvq", "--hosts", "1");
        assertEquals(new Outcome(1, "", "error: --datastore: 'embedded:" + dir.resolve("store.db") + "' is not embedded or etcd"
                + " (the lab makes a store of its own: name its kind, not a store)\n"), outcome);
        assertTrue(Files.notExists(Path.of("/run/netns/jcvq-h1")), "no host made");
        assertTrue(Files.notExists(dir.resolve("store.db")), "no store made");
    }

    @Test
    void theLabsHelpSaysWhichOfTheSharedOptionsItTakes() {
        Outcome outcome = run("lab", "up", "--help");
        assertEquals(0, outcome.status());
        String help = outcome.out().replaceAll("\\s+", " ");
        assertTrue(help.contains("here --datastore takes only its kind, embedded or etcd (not a store's URL)"), help);
        assertTrue(help.contains("the etcd TLS and user options and --node, which every command shares, do not apply"), help);
    }

    @Test
    void theLabRefusesTheSharedOptionsItDoesNotTake() {
        // an unknown store kind as well: the old code, which took these silently, stops there and makes no lab
        Outcome outcome = run("--node", "n1", "lab", "up", "--etcd-ca", "/nonexistent/ca.pem", "--datastore", "nosuch");
        assertEquals(1, outcome.status());
        assertEquals("error: lab up does not take --node, --etcd-ca: the lab makes a store of its own (etcd without TLS or "
                + "users) and names its hosts h1..hN", outcome.err().strip());
    }

    @Test
    void aMalformedCommandLineIsStatusTwo() {
        Outcome outcome = run("pool", "add");
        assertEquals(2, outcome.status());
        assertTrue(outcome.err().startsWith("error: Missing required parameter: 'CIDR'"), outcome.err());
        assertEquals(2, run("frobnicate").status());
    }

    @Test
    void anInternalErrorIsStatusSeventyWithItsStackTraceAndAUserErrorOneLine() {
        java.io.StringWriter internal = new java.io.StringWriter();
        assertEquals(70, ErrorReport.report(new IllegalStateException("a bug"), new java.io.PrintWriter(internal), false));
        assertTrue(internal.toString().startsWith("error: internal error: java.lang.IllegalStateException: a bug (please report it"),
                internal.toString());
        assertTrue(internal.toString().contains("\tat org.jcalico.cli.CommandLineTest."), "with its stack trace");
        java.io.StringWriter user = new java.io.StringWriter();
        assertEquals(1, ErrorReport.report(new org.jcalico.model.ValidationException("cidr: 'x' is not a CIDR"),
                new java.io.PrintWriter(user), false));
        assertEquals("error: cidr: 'x' is not a CIDR\n", user.toString());
    }

    /**
     * A user error's line tells what another program put in the datastore (a key, a record's content, etcd's or the
     * kernel's message) with its control characters written out: a key holding a terminal's title sequence (ESC ] 0 ;
     * ... BEL), which etcd takes as any bytes, no longer reaches the admin's terminal raw through `pool add`'s refusal.
     */
    @Test
    void aUserErrorsLineWritesOutTheControlCharactersOfWhatItTells() throws Exception {
        try (Datastore store = Datastores.open("embedded:" + dir.resolve("store.db"))) {
            store.put(Keys.prefix(IpPool.class) + "\u001b]0;owned\u0007p", "{not json");
        }
        Outcome outcome = run("pool", "add", "10.66.0.0/24");
        assertEquals(1, outcome.status(), outcome.toString());
        assertTrue(outcome.err().startsWith("error: datastore record " + Keys.prefix(IpPool.class) + "\\x1b]0;owned\\x07p is not"),
                org.jcalico.util.Shown.escaped(outcome.err()));
        assertTrue(outcome.err().chars().noneMatch(c -> c < 0x20 && c != '\n') && outcome.err().indexOf('\n') == outcome.err().length() - 1,
                "one line, no control character: " + org.jcalico.util.Shown.escaped(outcome.err()));
    }

    /**
     * `node status` tells the agent's problem and warnings, which name what others made (a link's name, which Linux
     * takes with any byte but '/', ':' and spaces; a peer's, a committer's, a kernel's message), with their control
     * characters written out. Here an "agent" (a shell whose command line reads as one) wrote a status naming a link
     * `ESC ] 0 ; ... BEL`.
     */
    @Test
    void nodeStatusWritesOutTheControlCharactersOfTheAgentsProblemAndWarnings() throws Exception {
        Process agent = new ProcessBuilder("sh", "-c", "sleep 60", "org.jcalico.cli.Main", "node", "start").start();
        try {
            org.jcalico.agent.AgentPaths paths = org.jcalico.agent.AgentPaths.of("n1", dir.resolve("run"), dir.resolve("log"));
            Files.createDirectories(paths.runDir());
            Files.writeString(paths.pidFile(), agent.pid() + "\n");
            String hostile = "link \u001b]0;owned\u0007jc0";
            JsonMapper.builder().build().writeValue(paths.statusFile().toFile(), new org.jcalico.felix.AgentStatusFile.Status("n1",
                    agent.pid(), org.jcalico.felix.AgentStatusFile.State.degraded, 0, 0, 1, hostile + " refused", System.currentTimeMillis(),
                    List.of(hostile + " warned"), 0, Map.of(), 0));
            Outcome outcome = runAsGiven("node", "status", "--name", "n1", "--run-dir", dir.resolve("run").toString());
            assertTrue(outcome.out().contains("; link \\x1b]0;owned\\x07jc0 refused\n")
                    && outcome.out().contains("warning: link \\x1b]0;owned\\x07jc0 warned\n"), org.jcalico.util.Shown.escaped(outcome.out()));
            assertTrue(outcome.out().chars().noneMatch(c -> c < 0x20 && c != '\n'), "no control character: "
                    + org.jcalico.util.Shown.escaped(outcome.out()));
        } finally {
            agent.destroyForcibly();
        }
    }

    /**
     * A record an admin's command cannot read (written by hand, by another program, an older jcalico) is shown in the
     * lists as such, and `jcalico delete` removes it by its key: no etcdctl or sqlite3 needed to repair the store. Old
     * code: `node list`, `get nodes` and `delete node` failed on it with the line naming its key.
     */
    @Test
    void anUnreadableNodeIsListedAndDeletedOnTheEmbeddedStore() throws Exception {
        listedAndDeleted("embedded:" + dir.resolve("store.db"));
    }

    @Test
    void anUnreadableNodeIsListedAndDeletedOnEtcd() throws Exception {
        onEtcd(this::listedAndDeleted);
    }

    /** A check of the command line against a store by its URL. */
    private interface StoreCheck {
        void run(String url) throws Exception;
    }

    /** The check against a real etcd of its own, if etcd is installed. */
    private static void onEtcd(StoreCheck check) throws Exception {
        assumeTrue(EtcdFixture.installed(), "etcd-server is not installed");
        try (EtcdFixture etcd = EtcdFixture.start()) {
            check.run(etcd.url());
        }
    }

    private void listedAndDeleted(String url) throws Exception {
        String badNode = Keys.keyOf(Node.class, "zz");
        try (Datastore store = Datastores.open(url)) {
            new ResourceStore(store).create(new Node("h1", IpAddress.parse("192.0.2.1"), null, null));
            // an older jcalico's or a hand-written record: a line feed and an escape in it, as a hostile one may have
            store.commit(List.of(new Op.Put(badNode, "{\"kind\":\"Node\",\"name\":\"zz\",\"ipv4\":\"x\\n\\u001b[2J" + "x".repeat(500) + "\"}")));
        }

        Outcome list = runAsGiven("--datastore", url, "node", "list");
        assertEquals(0, list.status(), list.toString());
        assertTrue(list.out().lines().anyMatch(line -> line.startsWith("h1 ") && line.contains("192.0.2.1")), list.out());
        String row = list.out().lines().filter(line -> line.startsWith("Node ")).findFirst().orElseThrow(() -> new AssertionError(list.out()));
        assertTrue(row.matches("Node +zz +unreadable: the record is not a valid Node: .*"), row);
        assertTrue(row.length() < 200 && !row.contains("\u001b") && row.contains("\\x1b"), "bounded and escaped by Shown: " + row);
        assertTrue(list.out().contains("'jcalico delete Node NAME' removes one"), list.out());
        Outcome get = runAsGiven("--datastore", url, "get", "nodes");
        assertTrue(get.status() == 0 && get.out().lines().anyMatch(row::equals), "get nodes shows the same row: " + get);

        Outcome json = runAsGiven("--datastore", url, "node", "list", "-o", "json");
        assertEquals(0, json.status(), json.toString());
        JsonNode items = new JsonMapper().readTree(json.out());
        assertEquals(2, items.size(), json.out());
        assertEquals("h1", items.get(0).path("metadata").path("name").asText());
        assertEquals("zz", items.get(1).path("metadata").path("name").asText());
        assertEquals(badNode, items.get(1).path("unreadable").path("key").asText(), json.out());
        assertTrue(items.get(1).path("unreadable").path("reason").asText().startsWith("is not a valid Node: "), json.out());

        Outcome deleted = runAsGiven("--datastore", url, "delete", "node", "zz");
        assertEquals(0, deleted.status(), deleted.toString());
        assertTrue(deleted.out().startsWith("deleted the unreadable Node zz: " + badNode + " is not a valid Node: ")
                && deleted.out().lines().count() == 1, deleted.out());
        Outcome after = runAsGiven("--datastore", url, "node", "list");
        assertEquals(List.of("NAME  IPV4       IPV6  AS         ENDPOINTS", "h1    192.0.2.1  -     (default)  0"),
                after.out().lines().toList(), after.toString());
        assertEquals(new Outcome(1, "", "error: node 'zz' does not exist\n"), runAsGiven("--datastore", url, "delete", "node", "zz"));

        try (Datastore store = Datastores.open(url)) {
            store.commit(List.of(new Op.Put(Keys.keyOf(Profile.class, "bad"), ResourceCodec.toJson(new Node("bad", null, null, null)))));
        }
        assertTrue(runAsGiven("--datastore", url, "profile", "list").out().lines()
                .anyMatch(line -> line.matches("Profile +bad +unreadable: the record holds a Node, not a Profile")), "a profile's too");
        assertEquals(new Outcome(0, "deleted the unreadable Profile bad: /jcalico/v1/profiles/bad holds a Node, not a Profile\n", ""),
                runAsGiven("--datastore", url, "delete", "profile", "bad"));
    }

    /**
     * Every list shows what it can read and marks what it cannot: `pool list`, `container list` (run by the launcher
     * and by the agent for it), the counts of `node list` and `profile list`, and `get KIND NAME` of an unreadable
     * record; `apply` of a listing holding one refuses it by name, nothing applied. Old code: `pool list` and
     * `container list` failed on the first unreadable pool, block or endpoint with the line naming its key.
     */
    @Test
    void everyListShowsWhatItCanReadOnTheEmbeddedStore() throws Exception {
        showsWhatItCanRead("embedded:" + dir.resolve("store.db"));
    }

    @Test
    void everyListShowsWhatItCanReadOnEtcd() throws Exception {
        onEtcd(this::showsWhatItCanRead);
    }

    private void showsWhatItCanRead(String url) throws Exception {
        String garbage = "{\"kind\":\"x\n\u001b[2J" + "x".repeat(300);
        try (Datastore store = Datastores.open(url)) {
            ResourceStore resources = new ResourceStore(store);
            resources.create(new Node("h1", IpAddress.parse("192.0.2.1"), null, null));
            resources.create(new Profile("web", List.of("web"), java.util.Map.of(), null, null));
            resources.create(new IpPool(Cidr.parse("10.65.0.0/16"), false, null, false));
            resources.create(new IpamBlock(Cidr.parse("10.65.0.0/26"), "h1", java.util.Map.of(1, "c1")));
            resources.create(new WorkloadEndpoint("h1", null, "c1", "e1", "jce1", null, List.of(Cidr.parse("10.65.0.1/32")),
                    List.of(), List.of("web"), null, null, java.util.Map.of(), List.of()));
            store.commit(List.of(new Op.Put(Keys.keyOf(IpPool.class, "10.66.0.0/16"), garbage),
                    new Op.Put(Keys.keyOf(IpamBlock.class, "10.65.0.64/26"), garbage),
                    new Op.Put(Keys.nodeKey(WorkloadEndpoint.class, "h1", "e-bad"), garbage),
                    new Op.Put(Keys.nodeKey(EndpointStatus.class, "h1", "e1"), garbage),
                    new Op.Put(Keys.keyOf(Node.class, "zz"), garbage)));
        }

        Outcome pools = runAsGiven("--datastore", url, "pool", "list");
        assertEquals(0, pools.status(), pools.toString());
        List<String> lines = pools.out().lines().toList();
        assertTrue(lines.get(1).matches("10\\.65\\.0\\.0/16 +no +/26 +no +2 +at least 1"), "the pool's blocks, its use at least: " + pools.out());
        assertTrue(lines.stream().anyMatch(line -> line.matches("IPPool +10\\.66\\.0\\.0/16 +unreadable: the record is not a valid IpPool: .*")
                && line.length() < 200 && !line.contains("\u001b")), pools.out());
        assertTrue(lines.stream().anyMatch(line -> line.matches("IPAMBlock +10\\.65\\.0\\.64/26 +unreadable: .*")), pools.out());
        Outcome poolsJson = runAsGiven("--datastore", url, "pool", "list", "-o", "json");
        JsonNode poolItems = new JsonMapper().readTree(poolsJson.out());
        assertTrue(poolsJson.status() == 0 && poolItems.size() == 2
                && poolItems.get(1).path("unreadable").path("key").asText().equals(Keys.keyOf(IpPool.class, "10.66.0.0/16")), poolsJson.toString());

        Outcome ipam = runAsGiven("--datastore", url, "ipam", "show");
        assertTrue(ipam.status() == 0 && ipam.out().startsWith("pool 10.65.0.0/16: at least 1 used, at most 65535 free, 2 block(s) of /26 (1 unreadable)\n")
                && ipam.out().lines().anyMatch(line -> line.matches("IPAMBlock +10\\.65\\.0\\.64/26 +unreadable: .*")), ipam.toString());

        Outcome containers = runAsGiven("--datastore", url, "container", "list");
        assertEquals(0, containers.status(), containers.toString());
        assertTrue(containers.out().lines().anyMatch(line -> line.startsWith("c1 ") && line.endsWith("unreadable: see below")), containers.out());
        assertTrue(containers.out().lines().anyMatch(line -> line.matches("WorkloadEndpoint +h1/e-bad +unreadable: .*")), containers.out());
        assertTrue(containers.out().lines().anyMatch(line -> line.matches("WorkloadEndpointStatus +h1/e1 +unreadable: .*")), containers.out());
        JsonNode endpointItems = new JsonMapper().readTree(runAsGiven("--datastore", url, "container", "list", "-o", "json").out());
        assertEquals(2, endpointItems.size(), endpointItems.toString());

        try (ServedResources served = new ServedResources(DatastoreUrl.parse(url), CommandRunner.local())) {
            AgentDelegation agent = new AgentDelegation(DatastoreUrl.parse(url), "h1", java.util.Map.of(),
                    Log.open(dir.resolve("felix.log"), false, "info"), served);
            for (List<String> command : List.of(List.of("pool", "list"), List.of("container", "list"))) {
                String asked = "h1\0\0" + String.join("\0", command) + "\0";
                String reply = new String(agent.handle(asked.replace("h1\0\0", "h1\0JCALICO_DATASTORE=" + url + "\0\0")
                        .getBytes(StandardCharsets.UTF_8)), StandardCharsets.UTF_8);
                Outcome local = command.get(0).equals("pool") ? pools : containers;
                assertEquals(local.out() + "\0\0" + "0\0", reply, "the agent runs " + command + " for the launcher as it runs itself");
            }
        }

        Outcome nodes = runAsGiven("--datastore", url, "node", "list");
        assertTrue(nodes.out().lines().anyMatch(line -> line.matches("h1 +192\\.0\\.2\\.1 +- +\\(default\\) +at least 1")), nodes.out());
        assertTrue(nodes.out().lines().anyMatch(line -> line.matches("WorkloadEndpoint +h1/e-bad +unreadable: .*")), "what the count leaves out: " + nodes.out());
        Outcome profiles = runAsGiven("--datastore", url, "profile", "list");
        assertTrue(profiles.status() == 0 && profiles.out().lines().anyMatch(line -> line.matches("web +web +0 rules +0 rules +at least 1")), profiles.toString());

        Outcome one = runAsGiven("--datastore", url, "get", "node", "zz");
        assertEquals(1, one.status(), one.toString());
        assertTrue(one.err().isEmpty() && one.out().lines().anyMatch(line -> line.matches("Node +zz +unreadable: the record is not a valid Node: .*")), one.toString());
        Outcome oneJson = runAsGiven("--datastore", url, "get", "node", "zz", "-o", "json");
        assertEquals(Keys.keyOf(Node.class, "zz"), new JsonMapper().readTree(oneJson.out()).path("unreadable").path("key").asText(), oneJson.toString());

        Path listing = dir.resolve("nodes.json");
        Files.writeString(listing, runAsGiven("--datastore", url, "node", "list", "-o", "json").out()
                .replaceFirst("\\[", "[{\"apiVersion\": \"projectcalico.org/v3\", \"kind\": \"Node\", \"metadata\": {\"name\": \"h9\"}, \"spec\": {}},"));
        Outcome applied = runAsGiven("--datastore", url, "apply", "-f", listing.toString());
        assertEquals(new Outcome(1, "", "error: resource 3 (Node zz) is a record 'jcalico get' could not read, not a resource:"
                + " take it out of the file; nothing was applied\n"), applied);
        assertTrue(runAsGiven("--datastore", url, "node", "list").out().lines().noneMatch(line -> line.startsWith("h9 ")), "nothing applied");
    }

    /**
     * Session 49 (r-bad): `jcalico delete` repairs the kinds jcalico writes itself, in the order that keeps every
     * address in use allocated: a block is not rebuilt while an endpoint record that may hold its addresses cannot be
     * read, nor while a container command under way holds some; an endpoint record goes with an intent for its node
     * to undo what it left; the block is then rebuilt from the endpoints. Old code: `error: a WorkloadEndpoint is
     * managed by jcalico itself: use 'jcalico container remove'` (and likewise for the block and the status).
     */
    @Test
    void anAdminRepairsWhatJcalicoWritesItselfOnTheEmbeddedStore() throws Exception {
        repairs("embedded:" + dir.resolve("store.db"));
    }

    @Test
    void anAdminRepairsWhatJcalicoWritesItselfOnEtcd() throws Exception {
        onEtcd(this::repairs);
    }

    private void repairs(String url) throws Exception {
        String garbage = "{\"kind\":\"x\n" + "x".repeat(20);
        String bad = "0123456789abcdef";
        String badKey = Keys.nodeKey(WorkloadEndpoint.class, "h1", bad);
        String blockKey = Keys.keyOf(IpamBlock.class, "10.65.0.0/26");
        try (Datastore store = Datastores.open(url)) {
            ResourceStore resources = new ResourceStore(store);
            resources.create(new Node("h1", IpAddress.parse("192.0.2.1"), null, null));
            resources.create(new IpPool(Cidr.parse("10.65.0.0/16"), false, null, false));
            new Ipam(resources).assign(IpAddress.parse("10.65.0.1"), "h1", "e1");
            new Ipam(resources).assign(IpAddress.parse("10.65.0.2"), "h1", bad);
            resources.create(new WorkloadEndpoint("h1", null, "c1", "e1", "jce1", null, List.of(Cidr.parse("10.65.0.1/32")),
                    List.of(), List.of(), null, null, java.util.Map.of(), List.of()));
            store.commit(List.of(new Op.Put(badKey, garbage), new Op.Put(blockKey, garbage),
                    new Op.Put(Keys.nodeKey(EndpointStatus.class, "h1", "e1"), garbage)));
        }

        Outcome early = runAsGiven("--datastore", url, "delete", "IPAMBlock", "10.65.0.0/26");
        assertEquals(new Outcome(1, "", "error: block 10.65.0.0/26 is not rebuilt while endpoint records cannot be read, as the"
                + " addresses they may hold would be free in it: " + badKey + "; 'jcalico delete WorkloadEndpoint NODE/ID' removes"
                + " one; nothing was changed\n"), early);
        Outcome shown = runAsGiven("--datastore", url, "get", "WorkloadEndpoint", "h1/" + bad);
        assertTrue(shown.status() == 1 && shown.out().lines().anyMatch(line -> line.matches("WorkloadEndpoint +h1/" + bad
                + " +unreadable: .*")), "`get` of one by the name its row shows: " + shown);
        Outcome endpoint = runAsGiven("--datastore", url, "delete", "WorkloadEndpoint", "h1/" + bad);
        assertEquals(0, endpoint.status(), endpoint.toString());
        assertTrue(endpoint.out().startsWith("deleted the unreadable WorkloadEndpoint h1/" + bad + ": " + badKey + " is not a valid")
                && endpoint.out().endsWith("; its veth jc0123456789abc and the addresses held for " + bad
                + " go at node h1's next sweep of unfinished container commands\n"), endpoint.out());
        Outcome underWay = runAsGiven("--datastore", url, "delete", "IPAMBlock", "10.65.0.0/26");
        assertTrue(underWay.status() == 1 && underWay.err().contains("while a container command under way holds addresses of it ("
                + Keys.intent("h1", bad) + ")"), underWay.toString());

        try (Datastore store = Datastores.open(url)) {
            // what the node's sweep does once it has removed the veth (the kernel's part: UnreadableRecordsTest)
            store.delete(Keys.intent("h1", bad), store.get(Keys.intent("h1", bad)).orElseThrow().modRevision());
        }
        Outcome block = runAsGiven("--datastore", url, "delete", "IPAMBlock", "10.65.0.0/26");
        assertEquals(0, block.status(), block.toString());
        assertTrue(block.out().startsWith("rebuilt the unreadable IPAMBlock 10.65.0.0/26: " + blockKey + " is not a valid")
                && block.out().endsWith(" from the endpoints holding its addresses: 1 address(es) in use, of node h1\n"), block.out());
        assertEquals(new Outcome(1, "", "error: address 10.65.0.1 is used by container c1 on node h1: 'jcalico container remove'"
                + " releases it\n"), runAsGiven("--datastore", url, "ipam", "release", "10.65.0.1"));
        try (Datastore store = Datastores.open(url)) {
            ResourceStore resources = new ResourceStore(store);
            assertEquals("address 10.65.0.1 is already in use (by e1)", assertThrows(ValidationException.class,
                    () -> new Ipam(resources).assign(IpAddress.parse("10.65.0.1"), "h1", "e9")).getMessage());
            org.junit.jupiter.api.Assertions.assertNotEquals(IpAddress.parse("10.65.0.1"), new Ipam(resources).autoAssign("h1", 4, "e9"));
        }
        Outcome status = runAsGiven("--datastore", url, "delete", "WorkloadEndpointStatus", "h1/e1");
        assertTrue(status.status() == 0 && status.out().startsWith("deleted the unreadable WorkloadEndpointStatus h1/e1: "), status.toString());
        assertEquals(0, runAsGiven("--datastore", url, "container", "list").out().lines()
                .filter(line -> line.contains("unreadable")).count(), "nothing unreadable is left");
    }

    /**
     * Session 50 (c-log): `jcalico delete WorkloadEndpoint NODE/ID` leaves a detach intent for the node's agent to
     * sweep; once `node remove` has removed the node no agent ever does, and the addresses the intent names stayed
     * allocated for good. `node remove` now takes them back, and does so for a name an earlier removal left intents
     * of (docs/ipam.md, "Session 50 (c-log)").
     */
    @Test
    void nodeRemoveTakesBackTheAddressesOfItsUnfinishedContainerCommands() throws Exception {
        String url = "embedded:" + dir.resolve("store.db");
        String garbage = "{\"kind\":\"x\n" + "x".repeat(20);
        String bad = "0123456789abcdef";
        String older = "fedcba9876543210";
        try (Datastore store = Datastores.open(url)) {
            ResourceStore resources = new ResourceStore(store);
            resources.create(new Node("h1", IpAddress.parse("192.0.2.1"), null, null));
            resources.create(new Node("h2", IpAddress.parse("192.0.2.2"), null, null));
            resources.create(new IpPool(Cidr.parse("10.65.0.0/16"), false, null, false));
            new Ipam(resources).assign(IpAddress.parse("10.65.0.2"), "h1", bad);
            new Ipam(resources).assign(IpAddress.parse("10.65.1.2"), "h2", older);
            store.commit(List.of(new Op.Put(Keys.nodeKey(WorkloadEndpoint.class, "h1", bad), garbage),
                    new Op.Put(Keys.nodeKey(WorkloadEndpoint.class, "h2", older), garbage)));
        }
        assertEquals(0, runAsGiven("--datastore", url, "delete", "WorkloadEndpoint", "h1/" + bad).status());
        assertEquals(new Outcome(0, "removed node h1; took back the addresses held for 1 unfinished container command(s) ("
                + bad + "; their veths, if the host still has them, are its own to remove)\n", ""),
                runAsGiven("--datastore", url, "node", "remove", "h1"));

        // what a removal before this session left: the node gone, its intent and the address it names kept
        assertEquals(0, runAsGiven("--datastore", url, "delete", "WorkloadEndpoint", "h2/" + older).status());
        try (Datastore store = Datastores.open(url)) {
            ResourceStore resources = new ResourceStore(store);
            var h2 = resources.get(Node.class, "h2").orElseThrow();
            List<Op> removal = new ArrayList<>(new Ipam(resources).blocksOfNode("h2").shares().getFirst());
            removal.add(ResourceStore.deleteOp(h2.resource(), h2.revision()));
            store.commit(removal);
        }
        assertEquals(new Outcome(0, "'h2' is not a registered node; took back the addresses held for 1 unfinished"
                + " container command(s) (" + older + "; their veths, if the host still has them, are its own to remove)\n", ""),
                runAsGiven("--datastore", url, "node", "remove", "h2"));
        assertEquals(new Outcome(1, "", "error: node 'h2' does not exist\n"), runAsGiven("--datastore", url, "node", "remove", "h2"));

        try (Datastore store = Datastores.open(url)) {
            assertEquals(List.of(), store.list(Keys.INTENTS).items(), "no intent left");
            assertEquals(List.of(), new ResourceStore(store).list(IpamBlock.class), "every address free, no block of no node left");
        }
    }

    @Test
    void removalsAndShowBesideUnreadableRecordsOnTheEmbeddedStore() throws Exception {
        removesBesideUnreadable("embedded:" + dir.resolve("store.db"));
    }

    @Test
    void removalsAndShowBesideUnreadableRecordsOnEtcd() throws Exception {
        onEtcd(this::removesBesideUnreadable);
    }

    /**
     * `node remove` and `profile remove` count a record that cannot be read as what it may be (an endpoint of the
     * node, of the profile; a profile naming the tags) and say so, `profile show` of one shows its row as `get` does,
     * and a removal that can be checked goes on (docs/datastore.md, "Session 50 (t-rest)").
     */
    private void removesBesideUnreadable(String url) throws Exception {
        String garbage = "{\"kind\":\"x\n" + "x".repeat(20);
        String badEndpoint = Keys.nodeKey(WorkloadEndpoint.class, "h2", "0123456789abcdef");
        String badProfile = Keys.keyOf(Profile.class, "bad");
        try (Datastore store = Datastores.open(url)) {
            ResourceStore resources = new ResourceStore(store);
            resources.create(new Node("h1", IpAddress.parse("192.0.2.1"), null, null));
            resources.create(new Node("h2", IpAddress.parse("192.0.2.2"), null, null));
            resources.create(new Profile("web", List.of("web"), java.util.Map.of(), null, null));
            store.commit(List.of(new Op.Put(badEndpoint, garbage), new Op.Put(badProfile, garbage)));
        }

        assertEquals(new Outcome(1, "", "error: node 'h2' still has 1 endpoint(s), 1 of them a record that cannot be read ("
                + badEndpoint + "); remove them first ('jcalico delete WorkloadEndpoint NODE/ID' removes one that cannot be"
                + " read)\n"), runAsGiven("--datastore", url, "node", "remove", "h2"));
        assertEquals(new Outcome(1, "", "error: profile 'web' may be used by 1 endpoint record(s) that cannot be read ("
                + badEndpoint + "); 'jcalico delete WorkloadEndpoint NODE/ID' removes one; nothing was removed\n"),
                runAsGiven("--datastore", url, "profile", "remove", "web"));
        Outcome shown = runAsGiven("--datastore", url, "profile", "show", "bad");
        assertTrue(shown.status() == 1 && shown.err().isEmpty() && shown.out().lines().anyMatch(line -> line.matches(
                "Profile +bad +unreadable: the record is not a valid Profile: .*")), "as `get profile bad` shows it: " + shown);
        Outcome shownJson = runAsGiven("--datastore", url, "profile", "show", "bad", "-o", "json");
        assertTrue(shownJson.status() == 1 && new JsonMapper().readTree(shownJson.out()).path("unreadable").path("key")
                .asText().equals(badProfile), shownJson.toString());
        assertEquals(0, runAsGiven("--datastore", url, "node", "remove", "h1").status(), "another node's record is not its");

        // a node's own record that cannot be read is still its record: removed, guarded by its revision
        String badNode = Keys.keyOf(Node.class, "h3");
        try (Datastore store = Datastores.open(url)) {
            store.commit(List.of(new Op.Put(badNode, garbage)));
        }
        Outcome removedNode = runAsGiven("--datastore", url, "node", "remove", "h3");
        assertTrue(removedNode.status() == 0 && removedNode.err().isEmpty() && removedNode.out().startsWith(
                "removed node h3, a record that could not be read: " + badNode + " is not a valid Node: "), removedNode.toString());
        try (Datastore store = Datastores.open(url)) {
            assertTrue(store.get(badNode).isEmpty(), "the unreadable node record is gone");
        }

        assertEquals(0, runAsGiven("--datastore", url, "delete", "WorkloadEndpoint", "h2/0123456789abcdef").status());
        // the deleted record's intent is no removed node's agent's to sweep (session 50, c-log)
        assertEquals(new Outcome(0, "removed node h2; took back the addresses held for 1 unfinished container command(s)"
                + " (0123456789abcdef; their veths, if the host still has them, are its own to remove)\n", ""),
                runAsGiven("--datastore", url, "node", "remove", "h2"));
        assertEquals(new Outcome(1, "", "error: profile 'web' carries tags (web) that 1 profile record(s) that cannot be read"
                + " may name in rules (" + badProfile + "); 'jcalico profile remove NAME' or 'jcalico delete Profile NAME'"
                + " removes one; nothing was removed\n"), runAsGiven("--datastore", url, "profile", "remove", "web"));
        Outcome removedBad = runAsGiven("--datastore", url, "profile", "remove", "bad");
        assertTrue(removedBad.status() == 0 && removedBad.out().startsWith("removed profile bad, a record that could not be read: "
                + badProfile + " is not a valid Profile: "), removedBad.toString());
        assertEquals(new Outcome(0, "removed profile web\n", ""), runAsGiven("--datastore", url, "profile", "remove", "web"));
    }
}
