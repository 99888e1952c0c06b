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
    }

    @BeforeEach
    void jar() throws IOException {
        jar = Files.copy(recorded.resolve("jcalico.jar"), dir.resolve("jcalico.jar"));
    }

    /** The options that the shared directory's jar gets, its cache recorded there by the first test to ask. */
    private List<String> recordedOptions() {
        return AgentCache.options(agentJvm, recorded.resolve("jcalico.jar").toString(), true);
    }

    @Test
    void theTrainingRecordsACacheThatTheAgentsJvmUses() {
        List<String> options = recordedOptions();
        Path cache = recorded.resolve(AgentCache.FILE);
        assertEquals("-XX:AOTCache=" + cache, options.getFirst());
        CommandRunner.Result result = version(recorded, List.of("-XX:AOTCache=" + cache, "-Xlog:class+load"));
        assertEquals(0, result.exitCode(), result.stderr());
        assertTrue(result.stdout().contains("org.jcalico.felix.calc.HostStateCalculator source: shared objects file"),
                "calc's classes come from the cache");
        assertEquals(List.of(AgentCache.FILE, AgentCache.FILE + ".lock", "jcalico.jar"), listing(recorded), "no recording left");
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
        Path cache = Files.writeString(dir.resolve(AgentCache.FILE), "recorded for an older jar");
        Files.setLastModifiedTime(cache, FileTime.fromMillis(Files.getLastModifiedTime(jar).toMillis() - 1000));
        assertEquals(List.of(), AgentCache.options(agentJvm, jar.toString(), false));
    }

    @Test
    void aBrokenCacheDoesNotStopTheAgentsJvm() throws IOException {
        Path cache = Files.writeString(dir.resolve(AgentCache.FILE), "not a cache");
        Files.setLastModifiedTime(cache, FileTime.fromMillis(Files.getLastModifiedTime(jar).toMillis() + 1000));
        List<String> options = AgentCache.options(agentJvm, jar.toString(), false);
        assertEquals("-XX:AOTCache=" + cache, options.getFirst());
        CommandRunner.Result result = version(dir, options);
        assertEquals(0, result.exitCode(), result.stderr());
        assertTrue(result.stdout().startsWith("jcalico "), result.stdout());
        assertEquals("", result.stderr());
    }

    @Test
    void theTestsClassPathGetsNoCache() {
        assertEquals(List.of(), AgentCache.options(agentJvm, System.getProperty("java.class.path"), true));
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
            Path cache = Files.writeString(dir.resolve(AgentCache.FILE), "a cache of this build");
            Files.setLastModifiedTime(cache, FileTime.fromMillis(Files.getLastModifiedTime(jar).toMillis() + 1000));
            assertEquals(List.of(true, true, false), List.of(given(JvmCommand.CacheUse.RECORD_AND_USE),
                    given(JvmCommand.CacheUse.USE_IF_RECORDED), given(JvmCommand.CacheUse.NONE)));
            assertFalse(JvmCommand.supervisor().stream().anyMatch(arg -> arg.startsWith("-XX:AOTCache=")),
                    "the supervisor does not map the cache");
        } finally {
            System.setProperty("java.class.path", classPath);
        }
    }

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

    private static List<String> agentJvm() {
        List<String> jvm = new ArrayList<>(JvmCommand.jcalico().subList(0, 1));
        jvm.addAll(JvmCommand.AGENT_FLAGS);
        return jvm;
    }
}
