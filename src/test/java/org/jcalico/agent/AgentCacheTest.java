package org.jcalico.agent;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.ArrayList;
import java.util.List;
import java.util.jar.Attributes;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;
import java.util.jar.Manifest;
import java.util.stream.Stream;
import org.jcalico.kernel.CommandRunner;
import org.jcalico.testing.KernelTests;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The agent's start-up cache, with a jar made of the compiled classes (the JVM caches classes from jars only; the
 * launcher's jar is built after the tests): it is recorded by the training and used by a JVM of the agent's options; a
 * cache older than the jar is not given; a broken one does not stop the JVM; the tests' class path gets none.
 * The jar is made once for the class, and the training (half a minute of CPU) records once, in a directory of its own
 * that the two tests of a recorded cache share; every other test gets a copy of the jar in a directory of its own.
 */
class AgentCacheTest {
    @TempDir
    static Path recorded;
    @TempDir
    Path dir;
    private static final String HTTP_CLIENT = "java.net.http.HttpClient";
    private Path jar;
    private final List<String> agentJvm = agentJvm();

    @BeforeAll
    static void buildJar() throws IOException {
        Path jar = recorded.resolve("jcalico.jar");
        List<String> classPath = List.of(System.getProperty("java.class.path").split(File.pathSeparator));
        Path classes = classPath.stream().map(Path::of).filter(path -> path.endsWith("classes")).findFirst().orElseThrow();
        Manifest manifest = new Manifest();
        manifest.getMainAttributes().put(Attributes.Name.MANIFEST_VERSION, "1.0");
        manifest.getMainAttributes().put(Attributes.Name.CLASS_PATH, String.join(" ", classPath.stream()
                .filter(entry -> entry.endsWith(".jar")).map(entry -> Path.of(entry).toUri().toString()).toList()));
        try (JarOutputStream out = new JarOutputStream(Files.newOutputStream(jar), manifest);
             Stream<Path> files = Files.walk(classes)) {
            for (Path file : files.filter(Files::isRegularFile).toList()) {
                out.putNextEntry(new JarEntry(classes.relativize(file).toString().replace(File.separatorChar, '/')));
                Files.copy(file, out);
                out.closeEntry();
            }
        }
        // what recordings killed midway leave: swept by the first recording, whichever test asks for it first
        for (String left : List.of(".4194301", ".4194301.config", ".4194302.config")) {
            Files.writeString(recorded.resolve(AgentCache.Kind.WORK.file + left), "a killed recording's");
        }
    }

    @BeforeEach
    void jar() throws IOException {
        jar = Files.copy(recorded.resolve("jcalico.jar"), dir.resolve("jcalico.jar"));
    }

    /** The options that the shared directory's jar gets, its cache recorded there by the first test to ask. */
    private List<String> recordedOptions() {
        return recordedOptions(AgentCache.Kind.WORK);
    }

    private List<String> recordedOptions(AgentCache.Kind kind) {
        return AgentCache.options(agentJvm, recorded.resolve("jcalico.jar").toString(), true, kind);
    }

    @Test
    void theTrainingRecordsACacheThatTheAgentsJvmUses() {
        List<String> options = recordedOptions();
        Path cache = recorded.resolve(AgentCache.Kind.WORK.file);
        assertEquals("-XX:AOTCache=" + cache, options.getFirst());
        CommandRunner.Result result = version(recorded, List.of("-XX:AOTCache=" + cache, "-Xlog:class+load"));
        assertEquals(0, result.exitCode(), result.stderr());
        assertTrue(result.stdout().contains("org.jcalico.felix.calc.HostStateCalculator source: shared objects file"),
                "calc's classes come from the cache");
        assertTrue(listing(recorded).containsAll(List.of(AgentCache.Kind.WORK.file, AgentCache.Kind.WORK.file + ".lock",
                "jcalico.jar")), "recorded: " + listing(recorded));
        assertTrue(listing(recorded).stream().noneMatch(file -> file.matches(".*\\.aot\\.[0-9]+.*")), "no recording left: " + listing(recorded));
    }

    /**
     * An idle agent's first idle ends, some 30 s after its start (a namespace thread's netlink socket closed, a tool
     * session's tool stopped), spin no lambda class: linked then, their classes' generation had the optimizing compiler
     * compile the class-file API, whose memory stayed resident for the next 5-10 s (docs/agent.md, "Session 62 (p-mem)").
     */
    @Test
    void theIdleAgentsFirstIdleEndsFindTheirLambdasInTheCache() {
        String testClasses = Path.of(IdleEndsMain.class.getProtectionDomain().getCodeSource().getLocation().getPath()).toString();
        List<String> command = new ArrayList<>(agentJvm);
        command.addAll(List.of(recordedOptions().getFirst(), "-Xlog:class+load", "-cp",
                recorded.resolve("jcalico.jar") + File.pathSeparator + testClasses, IdleEndsMain.class.getName()));
        CommandRunner.Result result = CommandRunner.local().run(command);
        assertEquals(0, result.exitCode(), result.stderr());
        assertTrue(result.stdout().contains(" java.lang.Object source: shared objects file"), "the JVM uses the cache");
        List<String> spun = result.stdout().lines()
                .filter(line -> line.matches(".* org\\.jcalico\\.kernel\\.(NetlinkSocket|ProcessTree)\\$\\$Lambda.*")
                        || line.contains("java.lang.ProcessHandleImpl$$Lambda"))
                .filter(line -> !line.endsWith("source: shared objects file")).toList();
        assertEquals(List.of(), spun, "lambda classes the idle ends spin");
    }

    /**
     * An idle agent on the embedded store finds its own start in the cache: the agent's, the store's, the metrics' and
     * Felix's classes (its loop, the pages, the status file, the default driver) and their lambda classes, up to its
     * first pass in sync and a few seconds of its idle loop. Root's training runs the agent itself in a network
     * namespace of its own for them; before session 68 an idle agent read some 1,150 classes from the jar or spun them,
     * about 6 MB of its RSS (docs/agent.md, "Session 67 (p-idle2)", "Session 68 (p-idle3)").
     */
    @Test
    void anIdleAgentFindsItsStartInTheCache() throws IOException, InterruptedException {
        KernelTests.assumeKernel();
        AgentOptions options = new AgentOptions("jqs-idle", org.jcalico.datastore.DatastoreUrl.parse("embedded:"
                + dir.resolve("store.db")), null, null, null, false, dir.resolve("run"), dir.resolve("log"), null);
        List<String> command = new ArrayList<>(List.of("unshare", "--net", "--"));
        // the pages listen on 127.0.0.1, which a fresh namespace's loopback, down, does not have
        command.addAll(List.of("sh", "-c", "ip link set lo up && exec \"$0\" \"$@\""));
        command.addAll(agentJvm);
        command.addAll(List.of(recordedOptions().getFirst(), "-Xlog:class+load", "-cp", recorded.resolve("jcalico.jar").toString(),
                JvmCommand.AGENT_MAIN));
        command.addAll(options.arguments(AgentOptions.Role.AGENT));
        Path loaded = dir.resolve("class-load.txt");
        Process agent = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(loaded.toFile()).start();
        org.jcalico.felix.AgentStatusFile status = new org.jcalico.felix.AgentStatusFile(options.paths().statusFile(),
                options.node());
        List<String> lines;
        try {
            long until = System.currentTimeMillis() + 60_000;
            while (!inSync(status) && agent.isAlive() && System.currentTimeMillis() < until) {
                Thread.sleep(100);
            }
            assertTrue(inSync(status), "the agent in sync: " + status.read() + "; " + Files.readString(loaded));
            // a few turns of the idle loop; read before the stop, which an idle agent does not reach
            Thread.sleep(3_000);
            lines = Files.readAllLines(loaded);
        } finally {
            agent.destroy();
            agent.waitFor();
        }
        assertTrue(lines.stream().anyMatch(line -> line.contains(" org.jcalico.felix.calc.HostStateCalculator source: shared"
                + " objects file")), "the JVM uses the cache");
        List<String> elsewhere = lines.stream()
                .filter(line -> line.matches(".* org\\.jcalico\\.(agent|datastore|metrics|felix|kernel)\\..*"))
                .filter(line -> !line.endsWith("source: shared objects file"))
                // the class of a pattern-matching switch, which the JDK 25 cache keeps none of
                .filter(line -> !line.contains("$$TypeSwitch/")).toList();
        assertTrue(elsewhere.size() < 10, elsewhere.size() + " of the idle agent's classes not from the cache: " + elsewhere);
    }

    private static boolean inSync(org.jcalico.felix.AgentStatusFile status) {
        org.jcalico.felix.AgentStatusFile.Status now = status.read();
        return now != null && now.state() == org.jcalico.felix.AgentStatusFile.State.in_sync;
    }

    /**
     * An agent on etcd starts with a cache of its own, which holds its start's classes (the JSON and gRPC clients, TLS,
     * the drivers, the listeners) besides the agent's work: started against an etcd port nobody listens on, it reads
     * only a few classes from the jar or the JDK's modules (without them, the JSON client's alone were hundreds). The
     * cache of an agent on the embedded store, the default, does not hold them: a JVM maps and loads every class of its
     * cache at its start, and an idle agent there paid 10 MB for them (docs/agent.md, "Start-up of the agent",
     * sessions 36 and 37).
     */
    @Test
    void anAgentOnEtcdStartsWithItsClassesInACacheOfItsOwn() throws IOException {
        List<String> etcd = recordedOptions(AgentCache.Kind.ETCD);
        assertEquals("-XX:AOTCache=" + recorded.resolve(AgentCache.Kind.ETCD.file), etcd.getFirst());
        int closed;
        try (java.net.ServerSocket socket = new java.net.ServerSocket(0)) {
            closed = socket.getLocalPort();
        }
        List<String> command = new ArrayList<>(agentJvm);
        command.addAll(etcd);
        command.addAll(List.of("-Xlog:class+load", "-cp", recorded.resolve("jcalico.jar").toString(), JvmCommand.AGENT_MAIN));
        command.addAll(new AgentOptions("jqs-cache", org.jcalico.datastore.DatastoreUrl.parse("etcd://127.0.0.1:" + closed),
                org.jcalico.model.IpAddress.parse("192.0.2.7"), null, null, false, dir.resolve("run"), dir.resolve("log"), null)
                .arguments(AgentOptions.Role.AGENT));
        CommandRunner.Result result = CommandRunner.local().run(command);
        assertEquals(1, result.exitCode(), result.stderr());
        assertTrue(result.stderr().startsWith("error: "), result.stderr());
        for (String cached : List.of(HTTP_CLIENT, "org.jcalico.datastore.etcd.EtcdClient", "org.jcalico.log.Log")) {
            assertTrue(result.stdout().contains(" " + cached + " source: shared objects file"), cached + " from the cache");
        }
        // jcalico's and the JDK's (the libraries' jars, named by absolute URIs in this jar's manifest, are not cached here)
        List<String> elsewhere = result.stdout().lines()
                .filter(line -> line.contains(" source: jrt:") || line.endsWith("/jcalico.jar")).toList();
        assertTrue(elsewhere.size() < 20, elsewhere.size() + " classes not from the cache, the first: "
                + elsewhere.subList(0, Math.min(10, elsewhere.size())));

        CommandRunner.Result work = version(recorded, List.of(recordedOptions().getFirst(), "-Xlog:class+load"));
        assertEquals(0, work.exitCode(), work.stderr());
        assertTrue(work.stdout().contains("org.jcalico.felix.calc.HostStateCalculator source: shared objects file"),
                "the embedded store's agent's cache holds the agent's work");
        assertFalse(work.stdout().contains(" " + HTTP_CLIENT + " "), "and not the etcd clients' classes");
    }

    /**
     * Mapped at an address of the JVM's choosing, the cache had each of its pointers patched, every one of its pages
     * written (copied, 34 MB of the agent's RSS and thousands of page faults at each start); where it was recorded for,
     * only the pages the agent reads are mapped, from the file.
     */
    @Test
    void theAgentsJvmMapsTheCacheWithoutPatchingIt() {
        List<String> options = new ArrayList<>(recordedOptions());
        options.add("-Xlog:aot=info");
        CommandRunner.Result result = version(recorded, options);
        assertEquals(0, result.exitCode(), result.stderr());
        assertTrue(result.stdout().contains("Mapped static  region #0"), "the cache is mapped: " + result.stdout());
        assertFalse(result.stdout().contains("alternative address"), "not relocated: " + result.stdout());
    }

    @Test
    void aCacheOlderThanTheJarIsNotGiven() throws IOException {
        Path cache = Files.writeString(dir.resolve(AgentCache.Kind.WORK.file), "recorded for an older jar");
        Files.setLastModifiedTime(cache, FileTime.fromMillis(Files.getLastModifiedTime(jar).toMillis() - 1000));
        assertEquals(List.of(), AgentCache.options(agentJvm, jar.toString(), false, AgentCache.Kind.WORK));
    }

    /**
     * A process killed while it records (kill -9 of a `node start`, of a lab's test) takes its training with it: the
     * lock it held is the kernel's to let go, so a training that ran on would race the next recording, which sweeps
     * that training's scratch directory (its idle agent's run and store) as abandoned. The old code left it to run its
     * minute to the end.
     */
    @Test
    void aKilledRecordingsTrainingEndsWithIt() throws Exception {
        List<String> command = new ArrayList<>(List.of(agentJvm.getFirst(), "-cp", jar + File.pathSeparator
                + testClasses(), RecordCacheMain.class.getName(), jar.toString()));
        command.addAll(agentJvm);
        Process recorder = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(new File("/dev/null")).start();
        String output = "-XX:AOTCacheOutput=" + dir.resolve(AgentCache.Kind.WORK.file) + ".";
        long training = -1;
        try {
            for (long end = System.nanoTime() + 60_000_000_000L; training < 0 && System.nanoTime() < end; Thread.sleep(100)) {
                training = processWith(output);
            }
            assertTrue(training > 0, "a training started within 60 s");
            recorder.destroyForcibly().waitFor();
            for (long end = System.nanoTime() + 10_000_000_000L; processWith(output) > 0 && System.nanoTime() < end; ) {
                Thread.sleep(100);
            }
            assertEquals(-1, processWith(output), "the training 10 s after its recorder was killed");
        } finally {
            recorder.destroyForcibly();
            if (training > 0) {
                ProcessHandle.of(training).ifPresent(ProcessHandle::destroyForcibly);
            }
        }
    }

    private static String testClasses() {
        return Stream.of(System.getProperty("java.class.path").split(File.pathSeparator))
                .filter(entry -> entry.endsWith("test-classes")).findFirst().orElseThrow();
    }

    /** A process whose command line has an argument beginning PREFIX (its pid), or -1. */
    private static long processWith(String prefix) {
        return ProcessHandle.allProcesses().filter(process -> process.info().arguments().stream()
                        .flatMap(Stream::of).anyMatch(arg -> arg.startsWith(prefix)))
                .mapToLong(ProcessHandle::pid).findFirst().orElse(-1);
    }

    @Test
    void aBrokenCacheDoesNotStopTheAgentsJvm() throws IOException {
        Path cache = Files.writeString(dir.resolve(AgentCache.Kind.WORK.file), "not a cache");
        Files.setLastModifiedTime(cache, FileTime.fromMillis(Files.getLastModifiedTime(jar).toMillis() + 1000));
        List<String> options = AgentCache.options(agentJvm, jar.toString(), false, AgentCache.Kind.WORK);
        assertEquals("-XX:AOTCache=" + cache, options.getFirst());
        CommandRunner.Result result = version(dir, options);
        assertEquals(0, result.exitCode(), result.stderr());
        assertTrue(result.stdout().startsWith("jcalico "), result.stdout());
        assertEquals("", result.stderr());
    }

    @Test
    void theTestsClassPathGetsNoCache() {
        assertEquals(List.of(), AgentCache.options(agentJvm, System.getProperty("java.class.path"), true, AgentCache.Kind.ETCD));
        assertFalse(JvmCommand.jcalico().stream().anyMatch(arg -> arg.startsWith("-XX:AOTCache")));
    }

    @Test
    void eachUseGetsTheCacheOrRecordsItAsItSays() throws IOException {
        String classPath = System.getProperty("java.class.path");
        System.setProperty("java.class.path", jar.toString());
        try {
            assertEquals(List.of(false, false), List.of(given(JvmCommand.CacheUse.USE_IF_RECORDED),
                    given(JvmCommand.CacheUse.NONE)));
            assertEquals(List.of("jcalico.jar"), listing(dir), "nothing recorded by the supervisor's agent nor for a script");
            Path cache = Files.writeString(dir.resolve(AgentCache.Kind.WORK.file), "a cache of this build");
            Files.setLastModifiedTime(cache, FileTime.fromMillis(Files.getLastModifiedTime(jar).toMillis() + 1000));
            assertEquals(List.of(true, true, false), List.of(given(JvmCommand.CacheUse.RECORD_AND_USE),
                    given(JvmCommand.CacheUse.USE_IF_RECORDED), given(JvmCommand.CacheUse.NONE)));
            assertFalse(JvmCommand.supervisor(EMBEDDED).stream().anyMatch(arg -> arg.startsWith("-XX:AOTCache=")),
                    "the supervisor does not map the cache");
            Path etcd = Files.writeString(dir.resolve(AgentCache.Kind.ETCD.file), "a cache of this build for etcd");
            Files.setLastModifiedTime(etcd, FileTime.fromMillis(Files.getLastModifiedTime(jar).toMillis() + 1000));
            assertTrue(JvmCommand.agent(EMBEDDED).contains("-XX:AOTCache=" + cache), "an agent on the embedded store");
            assertTrue(JvmCommand.agent(org.jcalico.datastore.DatastoreUrl.parse("etcd://127.0.0.1:2379"))
                    .contains("-XX:AOTCache=" + etcd), "an agent on etcd");
        } finally {
            System.setProperty("java.class.path", classPath);
        }
    }

    private static final org.jcalico.datastore.DatastoreUrl EMBEDDED = org.jcalico.datastore.DatastoreUrl.parse("embedded:/tmp/jqs-unused.db");

    private static boolean given(JvmCommand.CacheUse use) {
        return JvmCommand.jcalico(use).stream().anyMatch(arg -> arg.startsWith("-XX:AOTCache="));
    }

    /** `jcalico version` from the jar in DIRECTORY, in a JVM of the agent's options and OPTIONS. */
    private CommandRunner.Result version(Path directory, List<String> options) {
        List<String> command = new ArrayList<>(agentJvm);
        command.addAll(options);
        command.addAll(List.of("-cp", directory.resolve("jcalico.jar").toString(), "org.jcalico.cli.Main", "version"));
        return CommandRunner.local().run(command);
    }

    private static List<String> listing(Path directory) {
        try (Stream<Path> files = Files.list(directory)) {
            return files.map(file -> file.getFileName().toString()).sorted().toList();
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * A benchmark's printout says which recording of the cache its worker ran: two recordings of one build differ, and
     * a pair of runs compares them as much as the code (docs/dataplane.md, session 62).
     */
    @Test
    void aBenchmarksWorkerSaysWhichRecordingOfTheCacheItRan() throws IOException {
        Path cache = Files.write(dir.resolve("jcalico-agent.aot"), new byte[12_345]);
        Files.setLastModifiedTime(cache, FileTime.from(java.time.Instant.parse("2026-12-06T22:28:03.5Z")));
        assertEquals("the worker's JVM: the agent's options and its start-up cache " + cache
                        + " (recorded 2026-12-06T22:28:03Z, 12,345 bytes)",
                AgentCache.describe(List.of("java", "-XX:AOTCache=" + cache, "-jar", jar.toString())));
    }

    private static List<String> agentJvm() {
        List<String> jvm = new ArrayList<>(JvmCommand.jcalico().subList(0, 1));
        jvm.addAll(JvmCommand.AGENT_FLAGS);
        return jvm;
    }
}
