package org.jcalico.agent;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;
import org.jcalico.datastore.DatastoreUrl;
import org.jcalico.kernel.CommandRunner;
import org.jcalico.util.Directories;

/**
 * The agent's AOT cache (JDK 25, JEP 483 and 515): the classes that the agent's calculation and planning load, linked,
 * and their methods' profiles, recorded once per build by a JVM with the agent's options running
 * {@link org.jcalico.bench.AgentCacheTraining}, and given to every JVM started with those options (the agent, its
 * supervisor, the benchmarks' workers), so that the first programming and the first changes after a start do not
 * run cold code (docs/agent.md, "Start-up of the agent").
 *
 * <p>The caches lie beside the jar ({@code target/jcalico-agent.aot}, and {@code target/jcalico-agent-etcd.aot} for agents
 * on etcd: {@link Kind}) and exist only for a JVM run from that jar as
 * its whole class path (the launcher's); from any other class path (the tests') nothing is recorded or used. A cache
 * older than the jar is never given (the launcher deletes it when it rebuilds the jar; a jar built by hand leaves it
 * older), and the JVM itself checks the jar's size and time against what the cache recorded and runs without the
 * cache when they differ. The JVM's own messages about the cache are off: a cache that cannot be used costs the
 * start-up only its time, never the agent.
 *
 * <p>The cache is mapped at the address it was recorded for (ArchiveRelocationMode=0; the JVM relocates it only when
 * that range is taken), as the launcher maps the commands' caches: by default JDK 25 maps it anywhere and then patches
 * every pointer in it, which writes, hence copies, every page of its 34 MB: about 3,600 page faults more at each start
 * (docs/agent.md, "Start-up of the agent", session 31). The cache stays resident whole either way, as clean pages of
 * the file rather than copies.
 */
public final class AgentCache {
    /** The training calculates a 101,000-endpoint cluster, then the JVM writes the cache: a minute on a loaded machine. */
    private static final long RECORD_SECONDS = 600;
    /** Only one thread of this process records (the lab starts its hosts' agents from several). */
    private static final Object RECORDING = new Object();
    /** What starts a training in a network namespace of its own, which goes when the training's JVM exits. */
    static final List<String> SCRATCH_NAMESPACE = List.of("unshare", "--net", "--");
    /**
     * What the training runs under: killed with its recorder (kill -9 of a `node start`), whose lock the kernel then
     * lets go, rather than running on beside the next recording, which would sweep its scratch directory as abandoned.
     */
    private static final List<String> DIES_WITH_RECORDER = List.of("setpriv", "--pdeathsig", "KILL");
    /** The suffix of the directory, beside the recording, where the training runs the idle agent (Kind.WORK's). */
    private static final String AGENT_SCRATCH = ".agent";

    private AgentCache() {
    }

    /**
     * Which cache a JVM of the agent's options gets. Every class in a cache is mapped and loaded at the JVM's start,
     * used or not, so the classes that only an agent on etcd uses at its start (the JSON and gRPC clients, TLS) are in a
     * cache of their own: in the one cache for all they cost every idle agent on the embedded store, the default, 10 MB
     * of RSS (docs/agent.md, "Start-up of the agent", sessions 36 and 37).
     */
    public enum Kind {
        /** The agent's work (the codec, calc, the planners): an agent on the embedded store, the benchmarks' workers. */
        WORK("jcalico-agent.aot", List.of(), true),
        /** The agent's work and the classes of an etcd agent's start ({@code AgentCacheTraining.ETCD_START}). */
        ETCD("jcalico-agent-etcd.aot", List.of("--etcd-start"), false);

        final String file;
        private final List<String> training;
        /** Whether root's training runs the idle agent itself too, on the embedded store ({@link #train}). */
        private final boolean idleAgent;

        Kind(String file, List<String> training, boolean idleAgent) {
            this.file = file;
            this.training = training;
            this.idleAgent = idleAgent;
        }

        /** The cache for an agent on the datastore at URL. */
        public static Kind of(DatastoreUrl url) {
            return url.isEmbedded() ? WORK : ETCD;
        }
    }

    /**
     * The options that give a JVM started with {@link JvmCommand#AGENT_FLAGS} and CLASS_PATH the cache of KIND,
     * recording it first when there is none for this build and RECORD: none when the class path is not one jar, or
     * there is no cache (not recorded, or the recording failed).
     */
    static List<String> options(List<String> agentJvm, String classPath, boolean record, Kind kind) {
        Path jar = Path.of(classPath);
        if (classPath.contains(java.io.File.pathSeparator) || !classPath.endsWith(".jar") || !Files.isRegularFile(jar)) {
            return List.of();
        }
        Path cache = jar.resolveSibling(kind.file);
        if (record && !current(cache, jar)) {
            record(agentJvm, jar, cache, kind);
        }
        return current(cache, jar) ? List.of("-XX:AOTCache=" + cache, "-Xlog:aot=off", "-Xlog:cds=off",
                "-XX:+UnlockDiagnosticVMOptions", "-XX:ArchiveRelocationMode=0") : List.of();
    }

    /**
     * What a benchmark prints of its worker's JVM COMMAND: whether it starts as an agent does, with the cache, and which
     * recording of it. Two recordings of one build differ (the training's profiles depend on how it ran), and a
     * worker's CPU with one can be a tenth above the other's, so a pair of runs says which recordings it compared
     * (docs/dataplane.md, session 62).
     */
    public static String describe(List<String> command) {
        return command.stream().filter(arg -> arg.startsWith("-XX:AOTCache=")).findFirst()
                .map(arg -> "the worker's JVM: the agent's options and its start-up cache "
                        + recording(Path.of(arg.substring(arg.indexOf('=') + 1))))
                .orElse("the worker's JVM: the agent's options, no start-up cache (not run from the jar, or none recorded)");
    }

    private static String recording(Path cache) {
        try {
            return String.format(java.util.Locale.ROOT, "%s (recorded %s, %,d bytes)", cache,
                    Files.getLastModifiedTime(cache).toInstant().truncatedTo(java.time.temporal.ChronoUnit.SECONDS),
                    Files.size(cache));
        } catch (IOException e) {
            return cache + " (not readable: " + e.getMessage() + ")";
        }
    }

    /** Whether CACHE exists and was written after JAR (the JVM checks the jar's size and time besides). */
    static boolean current(Path cache, Path jar) {
        try {
            return Files.isRegularFile(cache)
                    && Files.getLastModifiedTime(cache).compareTo(Files.getLastModifiedTime(jar)) > 0;
        } catch (IOException e) {
            return false;
        }
    }

    /**
     * Deletes what recordings killed midway left under their scratch names ({@code FILE.PID}, and the training's
     * {@code FILE.PID.config} that the JVM deletes once it has assembled the cache, and the idle agent's directory
     * {@code FILE.PID.agent}): called under the recording lock,
     * which no recording under way lets go of.
     */
    private static void sweepAbandoned(Path cache, Kind kind) throws IOException {
        Pattern scratch = Pattern.compile(Pattern.quote(kind.file) + "\\.[0-9]+(\\.config|" + Pattern.quote(AGENT_SCRATCH) + ")?");
        try (var siblings = Files.list(cache.getParent())) {
            for (Path left : siblings.filter(path -> scratch.matcher(path.getFileName().toString()).matches()).toList()) {
                Directories.delete(left);
            }
        }
    }

    /**
     * Runs the training COMMAND; for KIND's cache of an idle agent, in a network namespace of its own (`unshare --net`,
     * root's), where it also runs the agent itself in SCRATCH from its start to its idle loop (cli's IdleAgentTraining),
     * so that an idle agent's own start is in the cache too (docs/agent.md, "Session 68 (p-idle3)"). Where that
     * namespace cannot be made (not root, no unshare), without it: the calculation and planning alone.
     */
    private static CommandRunner.Result train(List<String> command, Kind kind, Path scratch) {
        CommandRunner runner = CommandRunner.local().withTimeout(RECORD_SECONDS);
        List<String> alone = new ArrayList<>(DIES_WITH_RECORDER);
        alone.addAll(command);
        if (!kind.idleAgent) {
            return runner.run(alone);
        }
        List<String> unshared = new ArrayList<>(DIES_WITH_RECORDER);
        unshared.addAll(SCRATCH_NAMESPACE);
        unshared.addAll(command);
        unshared.addAll(List.of("--idle-agent", scratch.toString()));
        CommandRunner.Result result = runner.run(unshared);
        // unshare's own refusal (its message first), or no unshare: the training never started
        boolean started = result.ok() || !(result.exitCode() == 127 || result.stderr().startsWith("unshare:"));
        return started ? result : runner.run(alone);
    }

    /**
     * Runs the training in a JVM of the agent's options that writes the cache when it exits, into a file of its own
     * moved into place once whole; under a file lock, so that processes starting agents at once record it once.
     */
    private static void record(List<String> agentJvm, Path jar, Path cache, Kind kind) {
        synchronized (RECORDING) {
            Path lock = cache.resolveSibling(kind.file + ".lock");
            try (FileChannel channel = FileChannel.open(lock, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
                 FileLock held = channel.lock()) {
                if (current(cache, jar)) {
                    return;
                }
                sweepAbandoned(cache, kind);
                Path recording = cache.resolveSibling(kind.file + "." + ProcessHandle.current().pid());
                System.err.println("jcalico: recording the agent's start-up cache" + (kind == Kind.ETCD ? " for etcd" : "")
                        + " (once per build)");
                List<String> command = new ArrayList<>(agentJvm);
                command.addAll(List.of("-XX:AOTCacheOutput=" + recording, "-Xlog:aot=off", "-Xlog:cds=off",
                        "-cp", jar.toString(), "org.jcalico.cli.Main", "internal", "train-agent-cache"));
                command.addAll(kind.training);
                Path agentScratch = recording.resolveSibling(recording.getFileName() + AGENT_SCRATCH);
                CommandRunner.Result result = train(command, kind, agentScratch);
                Directories.delete(agentScratch);
                if (result.ok() && Files.isRegularFile(recording)) {
                    Files.move(recording, cache, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
                } else {
                    System.err.println("jcalico: the agent's start-up cache was not recorded, agents start without it: "
                            + result.describe());
                }
                Files.deleteIfExists(recording);
            } catch (IOException e) {
                System.err.println("jcalico: the agent's start-up cache was not recorded: " + e.getMessage());
            }
        }
    }
}
